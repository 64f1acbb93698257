"""The bulk annotation request of the compatible API (`POST /tracer/bulk-annotation/`).

Records never block each other, and inside a record every annotation and note is
applied or refused on its own. The whole request costs a constant number of queries:
one for the spans, one for the labels, one for the stored annotations, one for the
stored notes, and one statement per kind of write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.labels import ValueProblem, value_from_bulk
from annotrace.services.annotations import (
    AnnotationDraft,
    NoteDraft,
    annotator_problem,
    note_text_problem,
    reason_problem,
    write_annotations,
    write_notes,
)
from annotrace.services.labels import LabelRef, label_refs
from annotrace.services.traces import SpanRef, find_spans

# Per record; more than this is an error of that record, not of the request.
MAX_ITEMS_PER_RECORD = 1_000


@dataclass(slots=True)
class RecordResult:
    index: int
    span_id: Any
    annotation_errors: list[str] = field(default_factory=list)
    note_errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.annotation_errors or self.note_errors)


@dataclass(slots=True)
class BulkResult:
    records: int = 0
    annotations_created: int = 0
    annotations_updated: int = 0
    annotations_unchanged: int = 0
    notes_created: int = 0
    notes_duplicate: int = 0
    failed: list[RecordResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def succeeded(self) -> int:
        return self.records - len(self.failed)

    def message(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{'Dry run, nothing stored: ' if self.dry_run else ''}"
            f"{_count(self.records, 'record')} processed, {self.succeeded} without errors, "
            f"{len(self.failed)} with errors. Annotations {verb} created: "
            f"{self.annotations_created}, updated: {self.annotations_updated}, unchanged: "
            f"{self.annotations_unchanged}. Notes {verb} created: {self.notes_created}, "
            f"duplicates skipped: {self.notes_duplicate}."
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(slots=True)
class _Pending:
    record: RecordResult
    position: int


def bulk_annotate(
    *, session: Session, principal: Principal, records: list[dict[str, Any]], dry_run: bool
) -> BulkResult:
    """Apply (or, with `dry_run`, only judge) every record of a bulk request."""
    results = [
        RecordResult(index, record.get("observation_span_id"))
        for index, record in enumerate(records)
    ]
    spans = find_spans(
        session=session,
        principal=principal,
        span_ids=[r.span_id for r in results if isinstance(r.span_id, str)],
    )
    labels = label_refs(
        session=session,
        principal=principal,
        label_ids=[
            item.get("annotation_label_id")
            for record in records
            for item in _items(record, "annotations")
            if isinstance(item, dict)
        ],
    )
    drafts: list[AnnotationDraft] = []
    draft_origins: list[_Pending] = []
    notes: list[NoteDraft] = []
    note_origins: list[_Pending] = []
    for record, result in zip(records, results, strict=True):
        span = _span_of(result, spans)
        annotations, notes_given = _items(record, "annotations"), _items(record, "notes")
        if isinstance(span, str):
            if annotations or not notes_given:
                result.annotation_errors.append(span)
            if notes_given:
                result.note_errors.append(span)
            continue
        for position, item in enumerate(_listed(record, "annotations", result.annotation_errors)):
            draft = _annotation_draft(item, span, labels)
            if isinstance(draft, str):
                result.annotation_errors.append(f"annotations[{position}]: {draft}")
            else:
                drafts.append(draft)
                draft_origins.append(_Pending(result, position))
        for position, item in enumerate(_listed(record, "notes", result.note_errors)):
            note = _note_draft(item, span)
            if isinstance(note, str):
                result.note_errors.append(f"notes[{position}]: {note}")
            else:
                notes.append(note)
                note_origins.append(_Pending(result, position))

    summary = BulkResult(records=len(records), dry_run=dry_run)
    outcomes = write_annotations(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=drafts, dry_run=dry_run
    )
    for outcome, origin in zip(outcomes, draft_origins, strict=True):
        if outcome.status == "created":
            summary.annotations_created += 1
        elif outcome.status == "updated":
            summary.annotations_updated += 1
        elif outcome.status == "unchanged":
            summary.annotations_unchanged += 1
        else:
            origin.record.annotation_errors.append(
                f"annotations[{origin.position}]: {outcome.error}"
            )
    note_outcomes = write_notes(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=notes, dry_run=dry_run
    )
    for note_outcome in note_outcomes:
        if note_outcome.status == "created":
            summary.notes_created += 1
        else:
            summary.notes_duplicate += 1
    summary.failed = [result for result in results if result.failed]
    return summary


def item_count(records: Sequence[dict[str, Any]]) -> int:
    """The annotations and notes of all records together."""
    return sum(
        len(_items(record, "annotations")) + len(_items(record, "notes")) for record in records
    )


def _items(record: dict[str, Any], key: str) -> list[Any]:
    items = record.get(key)
    return items if isinstance(items, list) else []


def _listed(record: dict[str, Any], key: str, errors: list[str]) -> list[Any]:
    """The record's list under `key`, or [] with an error when it is not a list."""
    items = record.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        errors.append(f"{key} must be a list, not {type(items).__name__}")
        return []
    if len(items) > MAX_ITEMS_PER_RECORD:
        errors.append(
            f"{key} has {len(items):,} items; a record takes at most {MAX_ITEMS_PER_RECORD:,}"
        )
        return []
    return items


def _span_of(result: RecordResult, spans: dict[str, list[SpanRef]]) -> SpanRef | str:
    span_id = result.span_id
    if not isinstance(span_id, str) or not span_id.strip():
        return "observation_span_id is missing: give the id of the span to annotate"
    found = spans.get(span_id.strip().lower(), [])
    if not found:
        return f"span {span_id!r} not found (or not visible to this key)"
    if len(found) > 1:
        return (
            f"span id {span_id!r} names {len(found)} spans in different traces; it cannot "
            "be annotated through this API"
        )
    return found[0]


def _annotation_draft(
    item: Any, span: SpanRef, labels: dict[str, LabelRef]
) -> AnnotationDraft | str:
    if not isinstance(item, dict):
        return f"an annotation must be an object, not {type(item).__name__}"
    label_id = item.get("annotation_label_id")
    if not isinstance(label_id, str) or not label_id:
        return (
            "annotation_label_id is missing: give the id of a label "
            "(GET /tracer/get-annotation-labels/)"
        )
    label = labels.get(label_id)
    if label is None:
        return f"label {label_id!r} not found"
    if label.archived:
        return f"label {label.spec.name!r} ({label_id}) is archived and takes no new values"
    if label.project_rowid != span.project_rowid:
        return (
            f"label {label.spec.name!r} belongs to project {label.project_name!r}, not to "
            f"the span's project {span.project_name!r}"
        )
    problem = annotator_problem(item.get("annotator_id")) or reason_problem(item.get("reason"))
    if problem:
        return problem
    try:
        typed = value_from_bulk(label.spec, item)
    except ValueProblem as error:
        return str(error)
    return AnnotationDraft(
        span_rowid=span.span_rowid,
        project_rowid=span.project_rowid,
        label_rowid=label.label_rowid,
        label_version=label.version,
        name=label.spec.name,
        annotator_id=item["annotator_id"],
        source="api",
        value=typed.value,
        label=typed.label,
        score=typed.score,
        reason=item.get("reason"),
    )


def _note_draft(item: Any, span: SpanRef) -> NoteDraft | str:
    if not isinstance(item, dict):
        return f"a note must be an object, not {type(item).__name__}"
    problem = note_text_problem(item.get("text")) or annotator_problem(item.get("annotator_id"))
    if problem:
        return problem
    return NoteDraft(
        span_rowid=span.span_rowid,
        project_rowid=span.project_rowid,
        annotator_id=item["annotator_id"],
        text=item["text"],
    )
