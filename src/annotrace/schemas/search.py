"""Search results on the wire."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotrace.schemas.annotations import AnnotationRead, NoteRead
from annotrace.schemas.corrections import CorrectionRead
from annotrace.schemas.filters import SpanFilter
from annotrace.schemas.queues import GoldRead
from annotrace.schemas.traces import SpanRead


class SpanSearch(BaseModel):
    filter: SpanFilter = Field(description="Which spans.")
    limit: int = Field(default=50, ge=1, le=500, description="Spans per page.")
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")


class SpanResult(SpanRead):
    annotations: list[AnnotationRead] = Field(description="Annotations and eval scores.")
    notes: list[NoteRead] = Field(description="Notes.")
    correction: CorrectionRead | None = Field(
        description="The corrected output a reviewer recorded, if any."
    )
    gold: list[GoldRead] = Field(
        description="Gold values: the agreed value of a label, recorded in a queue."
    )
