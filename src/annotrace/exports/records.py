"""What an export knows of a span: its content, its annotations, notes, correction and gold
values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from annotrace.domain.labels import LabelType


@dataclass(frozen=True, slots=True)
class ExportAnnotation:
    name: str
    label_type: str | None
    label_settings: dict[str, Any] | None
    value: Any
    label: str | None
    score: float | None
    reason: str | None
    annotator: str
    source: str
    kind: str
    created_at: datetime
    updated_at: datetime

    def typed_values(self) -> dict[str, Any]:
        return typed_values(self.value, self.label_type)


def typed_values(value: Any, kind: str | None) -> dict[str, Any]:
    """A value under the key of its type (as the bulk API names them), each key always
    present: a column then keeps one type, whatever the labels."""
    known = value is not None
    return {
        "value": value if known and kind == LabelType.TEXT else None,
        "value_float": (
            float(value) if known and kind in (LabelType.NUMERIC, LabelType.STAR) else None
        ),
        "value_str_list": list(value) if known and kind == LabelType.CATEGORICAL else None,
        "value_bool": bool(value) if known and kind == LabelType.THUMBS else None,
    }


@dataclass(frozen=True, slots=True)
class ExportGold:
    """A gold value: the agreed value of a label on the span, recorded in a queue (apart
    from the annotations)."""

    name: str
    label_id: str
    label_type: str
    value: Any
    label: str | None
    score: float | None
    reason: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ExportNote:
    text: str
    annotator: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExportSpan:
    project: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    kind: str
    name: str
    status: str
    start_time: datetime
    end_time: datetime
    model: str | None
    input: str | None
    output: str | None
    input_messages: list[dict[str, Any]]
    output_messages: list[dict[str, Any]]
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    attributes: dict[str, Any]
    corrected_output: str | None
    corrected_by: str | None
    corrected_at: datetime | None
    annotations: list[ExportAnnotation]
    notes: list[ExportNote]
    gold: list[ExportGold] = field(default_factory=list)  # one per label at most


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, e.g. 2026-11-23T10:00:00.123456Z."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:  # stored times already are; others are converted
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def span_record(span: ExportSpan) -> dict[str, Any]:
    """The span as one JSON object: the line of a jsonl export."""
    return {
        "project": span.project,
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "kind": span.kind,
        "name": span.name,
        "status": span.status,
        "start_time": iso(span.start_time),
        "end_time": iso(span.end_time),
        "model": span.model,
        "input": span.input,
        "output": span.output,
        "corrected_output": span.corrected_output,
        "corrected_by": span.corrected_by,
        "corrected_at": iso(span.corrected_at),
        "input_messages": [_message(message) for message in span.input_messages],
        "output_messages": [_message(message) for message in span.output_messages],
        "prompt_tokens": span.prompt_tokens,
        "completion_tokens": span.completion_tokens,
        "total_tokens": span.total_tokens,
        "annotations": [annotation_record(annotation) for annotation in span.annotations],
        "notes": [
            {"text": note.text, "annotator": note.annotator, "created_at": iso(note.created_at)}
            for note in span.notes
        ],
        "gold": [gold_record(gold) for gold in span.gold],
        # Attributes differ from span to span: as one JSON text they keep a single type,
        # which columnar readers (pyarrow, datasets) need.
        "attributes_json": json_text(span.attributes),
    }


def annotation_record(annotation: ExportAnnotation) -> dict[str, Any]:
    return {
        "name": annotation.name,
        "label_type": annotation.label_type,
        "label": annotation.label,
        "score": annotation.score,
        "reason": annotation.reason,
        **annotation.typed_values(),
        "annotator": annotation.annotator,
        "source": annotation.source,
        "kind": annotation.kind,
        "created_at": iso(annotation.created_at),
        "updated_at": iso(annotation.updated_at),
    }


def gold_record(gold: ExportGold) -> dict[str, Any]:
    return {
        "name": gold.name,
        "label_id": gold.label_id,
        **typed_values(gold.value, gold.label_type),
        "label": gold.label,
        "score": gold.score,
        "reason": gold.reason,
        "decided_by": gold.decided_by,
        "decided_at": iso(gold.decided_at),
    }


def _message(message: dict[str, Any]) -> dict[str, Any]:
    # Every key in every message, and tool calls as JSON text: one shape for all rows.
    tool_calls = message.get("tool_calls")
    return {
        "role": message.get("role"),
        "content": message.get("content"),
        "name": message.get("name"),
        "tool_call_id": message.get("tool_call_id"),
        "tool_calls_json": json_text(tool_calls) if tool_calls else None,
    }
