"""Export requests and summaries on the wire."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotrace.domain.export_formats import ExportFormat
from annotrace.schemas.filters import SpanFilter, Text


class ExportRequest(BaseModel):
    filter: SpanFilter = Field(description="Which spans: the filter of `POST /spans/search`.")
    format: ExportFormat = Field(
        default="jsonl",
        description="jsonl: one span a line with annotations, notes and gold values; csv: "
        "flattened, a column per label and per label with gold values; parquet: a fixed "
        "schema; openai-chat: `{'messages': [...]}` fine-tuning lines from LLM spans; "
        "preference-pairs: chosen/rejected answers to the same input. The last two carry "
        "no gold values.",
    )
    preference_label: Text | None = Field(
        default=None,
        description="preference-pairs only: judge answers by this label alone (default: "
        "every thumbs, star and numeric label, scaled to 0..1).",
    )


class ExportSummary(BaseModel):
    format: ExportFormat = Field(description="The format written.")
    spans: int = Field(description="Spans the filter selected.")
    records: int = Field(description="Records written (lines, rows or pairs).")
    skipped: dict[str, int] = Field(
        description="Spans that could not become a record, counted by reason."
    )
