"""Annotation labels on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from annotrace.domain.labels import LabelType

SETTINGS_DESCRIPTION = (
    "Settings of the label's type. text: placeholder, min_length, max_length. "
    "numeric: min, max (required, min < max), step_size (> 0; values must lie on a step "
    "from min, or equal max), display_type (slider|button). categorical: options (2 to "
    '100, strings or {"label": ...} objects, unique ignoring case), multi_choice. star: '
    "no_of_stars (1 to 10, default 5). thumbs_up_down: none."
)


class LabelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name, unique in the project ignoring case.")
    type: LabelType = Field(description="One of the five label types.")
    description: str = Field(default="", description="What annotators should judge.")
    settings: dict[str, Any] = Field(default_factory=dict, description=SETTINGS_DESCRIPTION)


class LabelUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="New name.")
    type: LabelType | None = Field(
        default=None, description="New type; refused once the label has values."
    )
    description: str | None = Field(default=None, description="New description.")
    settings: dict[str, Any] | None = Field(
        default=None, description="New settings (complete, not merged). " + SETTINGS_DESCRIPTION
    )


class LabelRead(BaseModel):
    id: str = Field(description="Public id, e.g. `lbl_3f9a…`; the bulk API's annotation_label_id.")
    project_id: str = Field(description="Project the label belongs to.")
    project_name: str = Field(description="Name of that project.")
    name: str = Field(description="Name, unique in the project ignoring case.")
    type: LabelType = Field(description="Label type.")
    description: str = Field(description="What annotators should judge.")
    settings: dict[str, Any] = Field(description="Settings of the current version.")
    version: int = Field(
        description="Current version; every change of type or settings adds one, and each "
        "annotation keeps the version it was made under."
    )
    annotation_count: int = Field(description="Annotations made with this label (any version).")
    created_at: datetime = Field(description="When the label was created (UTC).")
    updated_at: datetime = Field(description="When the label last changed (UTC).")
    archived_at: datetime | None = Field(description="When the label was archived, if it was.")
