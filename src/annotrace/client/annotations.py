"""`client.annotations`: annotations in the AgentMark shape (Name, Label, Score, Reason),
notes and corrected outputs of spans, and the compatible bulk endpoint.

client.annotations.create(span_id, "Quality", label="good", reason="cites sources",
                          annotator_id="ana@example.com")
client.annotations.add_note(span_id, "look again", annotator_id="ana@example.com")
client.annotations.set_correction(span_id, "Paris.", annotator_id="ana@example.com")
result = client.annotations.bulk([{"observation_span_id": span_id, "annotations": [...]}])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotrace.client.common import (
    DEFAULT_BATCH,
    get,
    given,
    incomplete,
    nothing,
    read,
    smaller_batch,
    to_json,
)
from annotrace.client.errors import APIError
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.schemas.annotations import AnnotationRead, NoteRead
from annotrace.schemas.compat import BulkAnnotationResponse, BulkError, BulkResult
from annotrace.schemas.corrections import CorrectionRead

AnnotationReads = list[AnnotationRead]
NoteReads = list[NoteRead]
# A record of the bulk endpoint: {"observation_span_id", "annotations": [...], "notes": [...]}.
Record = dict[str, Any]
Label = str | list[str]


class _Unset:
    """A field left out of an update (None clears it)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def _span(span_id: str) -> str:
    return f"/api/v1/spans/{span_id}"


def _create(
    span_id: str,
    name: str,
    label: Label | None,
    score: float | None,
    reason: str | None,
    annotator_id: str | None,
    trace_id: str | None,
) -> Call[AnnotationRead]:
    body = given(name=name, label=label, score=score, reason=reason, annotator_id=annotator_id)
    return Call(
        "POST",
        f"{_span(span_id)}/annotations",
        read(AnnotationRead),
        json=body,
        params={"trace_id": trace_id},
    )


def _update(
    annotation_id: str,
    label: Label | _Unset | None,
    score: float | _Unset | None,
    reason: str | _Unset | None,
) -> Call[AnnotationRead]:
    changes = {"label": label, "score": score, "reason": reason}
    body = {key: value for key, value in changes.items() if not isinstance(value, _Unset)}
    return Call("PATCH", f"/api/v1/annotations/{annotation_id}", read(AnnotationRead), json=body)


def _delete(annotation_id: str) -> Call[None]:
    return Call("DELETE", f"/api/v1/annotations/{annotation_id}", nothing)


def _add_note(
    span_id: str, text: str, annotator_id: str | None, trace_id: str | None
) -> Call[NoteRead]:
    return Call(
        "POST",
        f"{_span(span_id)}/notes",
        read(NoteRead),
        json=given(text=text, annotator_id=annotator_id),
        params={"trace_id": trace_id},
    )


def _delete_note(span_id: str, note_id: str, trace_id: str | None) -> Call[None]:
    return Call(
        "DELETE", f"{_span(span_id)}/notes/{note_id}", nothing, params={"trace_id": trace_id}
    )


def _set_correction(
    span_id: str, output: str, annotator_id: str | None, trace_id: str | None
) -> Call[CorrectionRead]:
    return Call(
        "PUT",
        f"{_span(span_id)}/correction",
        read(CorrectionRead),
        json=given(output=output, annotator_id=annotator_id),
        params={"trace_id": trace_id},
    )


def _delete_correction(span_id: str, trace_id: str | None) -> Call[None]:
    return Call("DELETE", f"{_span(span_id)}/correction", nothing, params={"trace_id": trace_id})


def _bulk(records: Sequence[Record], dry_run: bool) -> Call[BulkResult]:
    response = read(BulkAnnotationResponse)
    return Call(
        "POST",
        "/tracer/bulk-annotation/",
        lambda answer: response(answer).result,
        json={"records": [to_json(record) for record in records]},
        params={"dry_run": "true"} if dry_run else {},
    )


def merge(parts: Sequence[tuple[int, BulkResult]], total: int) -> BulkResult:
    """One result of the bulk requests of (offset of its first record, its result), with
    every error's recordIndex counted in the caller's whole list."""
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    results = [result for _, result in parts]
    errors = [
        BulkError(**{**error.model_dump(), "recordIndex": error.recordIndex + offset})
        for offset, result in parts
        for error in result.errors
    ]
    created = sum(r.annotationsCreated for r in results)
    updated = sum(r.annotationsUpdated for r in results)
    unchanged = sum(r.annotationsUnchanged for r in results)
    notes = sum(r.notesCreated for r in results)
    succeeded = sum(r.succeededCount for r in results)
    dry_run = any(r.dryRun for r in results)
    verb = "would be" if dry_run else "were"
    message = (
        f"{'Dry run, nothing stored: ' if dry_run else ''}{total} records processed in "
        f"{len(parts)} requests, {succeeded} without errors, {len(errors)} with errors. "
        f"Annotations {verb} created: {created}, updated: {updated}, unchanged: {unchanged}. "
        f"Notes {verb} created: {notes}."
    )
    return BulkResult(
        message=message,
        annotationsCreated=created,
        annotationsUpdated=updated,
        annotationsUnchanged=unchanged,
        notesCreated=notes,
        succeededCount=succeeded,
        errorsCount=len(errors),
        errors=errors,
        dryRun=dry_run,
    )


class Annotations:
    """Annotations, notes and corrections through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def create(
        self,
        span_id: str,
        name: str,
        *,
        label: Label | None = None,
        score: float | None = None,
        reason: str | None = None,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> AnnotationRead:
        """Annotate a span: Name (a label's name, checked against it, or free-form),
        Label, Score, Reason. The same annotator's annotation of that name is updated.
        `annotator_id` is required with API keys; `trace_id` only when the span id is in
        several traces."""
        return self._send(_create(span_id, name, label, score, reason, annotator_id, trace_id))

    def list(self, span_id: str, *, trace_id: str | None = None) -> AnnotationReads:
        """The span's annotations and eval scores."""
        return self._send(get(f"{_span(span_id)}/annotations", AnnotationReads, trace_id=trace_id))

    def update(
        self,
        annotation_id: str,
        *,
        label: Label | _Unset | None = UNSET,
        score: float | _Unset | None = UNSET,
        reason: str | _Unset | None = UNSET,
    ) -> AnnotationRead:
        """Change an annotation's Label, Score or Reason; what is left out stays, None
        clears it."""
        return self._send(_update(annotation_id, label, score, reason))

    def delete(self, annotation_id: str) -> None:
        self._send(_delete(annotation_id))

    def add_note(
        self,
        span_id: str,
        text: str,
        *,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> NoteRead:
        """Add a note to a span (the same text from the same annotator is kept once)."""
        return self._send(_add_note(span_id, text, annotator_id, trace_id))

    def notes(self, span_id: str, *, trace_id: str | None = None) -> NoteReads:
        """The span's notes."""
        return self._send(get(f"{_span(span_id)}/notes", NoteReads, trace_id=trace_id))

    def delete_note(self, span_id: str, note_id: str, *, trace_id: str | None = None) -> None:
        self._send(_delete_note(span_id, note_id, trace_id))

    def correction(self, span_id: str, *, trace_id: str | None = None) -> CorrectionRead:
        """The span's corrected output, beside the original (404 when it has none)."""
        return self._send(get(f"{_span(span_id)}/correction", CorrectionRead, trace_id=trace_id))

    def set_correction(
        self,
        span_id: str,
        output: str,
        *,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> CorrectionRead:
        """Record the output the span should have given (replaces the one before)."""
        return self._send(_set_correction(span_id, output, annotator_id, trace_id))

    def delete_correction(self, span_id: str, *, trace_id: str | None = None) -> None:
        self._send(_delete_correction(span_id, trace_id))

    def bulk(
        self, records: Sequence[Record], *, dry_run: bool = False, batch_size: int = DEFAULT_BATCH
    ) -> BulkResult:
        """Annotate many spans over the compatible `POST /tracer/bulk-annotation/`.

        `records`: any number of {"observation_span_id", "annotations": [{
        "annotation_label_id", "annotator_id", one value key, "reason"}], "notes": [{
        "text", "annotator_id"}]}. They are sent `batch_size` at a time (default: the
        server's default limit, 1,000); a server with a lower limit says so and the rest
        go in batches of its size. The answer is one result for the whole list: counts
        summed, each error's `recordIndex` the record's position in `records`.
        With `dry_run` nothing is stored. A batch refused as a whole raises APIError
        (earlier batches stay applied; the error's note says how many)."""
        records = list(records)
        parts: list[tuple[int, BulkResult]] = []
        start = 0
        while start < len(records) or not parts:
            end = min(start + batch_size, len(records))
            try:
                parts.append((start, self._send(_bulk(records[start:end], dry_run))))
            except APIError as error:
                smaller = smaller_batch(error, end - start, "records")
                if smaller is None:
                    raise incomplete(error, start, len(records), "records") from None
                batch_size = smaller
                continue
            start = end
        return merge(parts, len(records))


class AsyncAnnotations:
    """Annotations, notes and corrections through an async client: the same methods,
    awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def create(
        self,
        span_id: str,
        name: str,
        *,
        label: Label | None = None,
        score: float | None = None,
        reason: str | None = None,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> AnnotationRead:
        """Annotate a span: Name, Label, Score, Reason."""
        return await self._send(
            _create(span_id, name, label, score, reason, annotator_id, trace_id)
        )

    async def list(self, span_id: str, *, trace_id: str | None = None) -> AnnotationReads:
        """The span's annotations and eval scores."""
        return await self._send(
            get(f"{_span(span_id)}/annotations", AnnotationReads, trace_id=trace_id)
        )

    async def update(
        self,
        annotation_id: str,
        *,
        label: Label | _Unset | None = UNSET,
        score: float | _Unset | None = UNSET,
        reason: str | _Unset | None = UNSET,
    ) -> AnnotationRead:
        """Change an annotation's Label, Score or Reason; None clears it."""
        return await self._send(_update(annotation_id, label, score, reason))

    async def delete(self, annotation_id: str) -> None:
        await self._send(_delete(annotation_id))

    async def add_note(
        self,
        span_id: str,
        text: str,
        *,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> NoteRead:
        """Add a note to a span."""
        return await self._send(_add_note(span_id, text, annotator_id, trace_id))

    async def notes(self, span_id: str, *, trace_id: str | None = None) -> NoteReads:
        """The span's notes."""
        return await self._send(get(f"{_span(span_id)}/notes", NoteReads, trace_id=trace_id))

    async def delete_note(self, span_id: str, note_id: str, *, trace_id: str | None = None) -> None:
        await self._send(_delete_note(span_id, note_id, trace_id))

    async def correction(self, span_id: str, *, trace_id: str | None = None) -> CorrectionRead:
        """The span's corrected output, beside the original."""
        return await self._send(
            get(f"{_span(span_id)}/correction", CorrectionRead, trace_id=trace_id)
        )

    async def set_correction(
        self,
        span_id: str,
        output: str,
        *,
        annotator_id: str | None = None,
        trace_id: str | None = None,
    ) -> CorrectionRead:
        """Record the output the span should have given."""
        return await self._send(_set_correction(span_id, output, annotator_id, trace_id))

    async def delete_correction(self, span_id: str, *, trace_id: str | None = None) -> None:
        await self._send(_delete_correction(span_id, trace_id))

    async def bulk(
        self, records: Sequence[Record], *, dry_run: bool = False, batch_size: int = DEFAULT_BATCH
    ) -> BulkResult:
        """Annotate many spans, in batches under the server's limit: `Annotations.bulk`."""
        records = list(records)
        parts: list[tuple[int, BulkResult]] = []
        start = 0
        while start < len(records) or not parts:
            end = min(start + batch_size, len(records))
            try:
                parts.append((start, await self._send(_bulk(records[start:end], dry_run))))
            except APIError as error:
                smaller = smaller_batch(error, end - start, "records")
                if smaller is None:
                    raise incomplete(error, start, len(records), "records") from None
                batch_size = smaller
                continue
            start = end
        return merge(parts, len(records))
