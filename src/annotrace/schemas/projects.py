"""Projects on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ProjectRead(BaseModel):
    id: str = Field(description="Public id of the project, e.g. `prj_3f9a…`.")
    name: str = Field(description="Name, unique in the workspace.")
    trace_count: int = Field(description="Number of traces stored in the project.")
    span_count: int = Field(description="Number of spans stored in the project.")
    created_at: datetime = Field(description="When the project was created (UTC).")
    last_trace_at: datetime | None = Field(description="Start time of the newest trace (UTC).")
