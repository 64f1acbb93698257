"""Corrected outputs on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CorrectionWrite(BaseModel):
    """The output the span should have given."""

    output: str = Field(description="The corrected output, as the span should have answered.")
    annotator_id: str | None = Field(
        default=None,
        description="Who corrected it; required with API keys, the signed-in user otherwise.",
    )


class CorrectionRead(BaseModel):
    id: str = Field(description="Public id, e.g. `cor_3f9a…`.")
    span_id: str = Field(description="Span the correction is for.")
    output: str = Field(description="The corrected output: the expected output of datasets.")
    original_output: str | None = Field(description="What the span actually answered.")
    annotator_id: str = Field(description="Who corrected it.")
    created_at: datetime = Field(description="When it was first recorded (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")
