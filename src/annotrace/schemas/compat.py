"""The compatible `/tracer/` API's envelopes, field for field as the reference product's.

Items inside a record are accepted as any JSON and judged one by one by the bulk service
(an unusable annotation is an error of its record, not of the request); the documented
schemas below are what clients should send.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from annotrace.schemas.common import ErrorBody
from annotrace.schemas.labels import LabelRead

_ANNOTATION_SCHEMA = {
    "type": "object",
    "required": ["annotation_label_id", "annotator_id"],
    "properties": {
        "annotation_label_id": {"type": "string", "description": "Label id (lbl_…)."},
        "annotator_id": {"type": "string", "description": "Who is annotating."},
        "value": {"type": "string", "description": "Value of a text label."},
        "value_float": {"type": "number", "description": "Value of a numeric or star label."},
        "value_str_list": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Options of a categorical label.",
        },
        "value_bool": {"type": "boolean", "description": "Value of a thumbs up/down label."},
        "reason": {"type": "string", "description": "Optional: why (annotrace extension)."},
    },
    "description": "Exactly one value key, the one the label's type takes.",
}
_NOTE_SCHEMA = {
    "type": "object",
    "required": ["text", "annotator_id"],
    "properties": {"text": {"type": "string"}, "annotator_id": {"type": "string"}},
}
_RECORD_SCHEMA = {
    "type": "object",
    "required": ["observation_span_id"],
    "properties": {
        "observation_span_id": {"type": "string", "description": "Span id (16 hex digits)."},
        "annotations": {"type": "array", "items": _ANNOTATION_SCHEMA},
        "notes": {"type": "array", "items": _NOTE_SCHEMA},
    },
}

Record = Annotated[dict[str, Any], WithJsonSchema(_RECORD_SCHEMA)]


class BulkAnnotationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    records: list[Record] = Field(
        description="Spans to annotate, each with annotations and notes; at most "
        "ANNOTRACE_MAX_BULK_RECORDS (default 1,000)."
    )


class BulkError(BaseModel):
    recordIndex: int = Field(description="Position of the record in `records` (0-based).")
    spanId: Any = Field(description="The record's observation_span_id.")
    annotationError: str | None = Field(
        default=None, description="Why annotations of the record were refused."
    )
    noteError: str | None = Field(default=None, description="Why notes of the record were refused.")


class BulkResult(BaseModel):
    message: str = Field(description="Human-readable summary.")
    annotationsCreated: int = Field(description="Annotations created.")
    annotationsUpdated: int = Field(description="Annotations whose value changed.")
    annotationsUnchanged: int = Field(
        description="Annotations sent again with the stored value (annotrace extension)."
    )
    notesCreated: int = Field(description="Notes created; duplicates are skipped.")
    succeededCount: int = Field(description="Records applied without errors.")
    errorsCount: int = Field(description="Records with at least one error.")
    errors: list[BulkError] = Field(description="One entry per record with errors.")
    dryRun: bool = Field(description="True when nothing was stored (?dry_run=true).")


class BulkAnnotationResponse(BaseModel):
    status: bool = Field(description="True when the request itself was processed.")
    result: BulkResult


class LabelsResponse(BaseModel):
    status: bool = Field(description="True when the request was processed.")
    result: list[LabelRead] = Field(
        description="The labels the key may see; categorical options are given as "
        '{"label": ...} objects, as the reference product does.'
    )


class CompatErrorResponse(BaseModel):
    """The body of every error response of the compatible API: the native error, in the
    reference product's envelope."""

    status: Literal[False] = Field(description="False: the request was not processed.")
    error: ErrorBody
