"""Exports: the spans a filter selects, with their annotations, notes, corrections and
gold values, streamed through one of the formats of `annotrace.exports`.

The spans are read with one streaming query (a server-side cursor on PostgreSQL) and
handled in batches; each batch costs one query each for annotations, notes, corrections
and gold values. Memory stays flat whatever the number of spans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from annotrace.domain import semconv
from annotrace.domain.access import Principal
from annotrace.exports.formats import file_name, writer_for
from annotrace.exports.records import ExportAnnotation, ExportGold, ExportNote, ExportSpan
from annotrace.schemas.exports import ExportRequest, ExportSummary
from annotrace.services import corrections, notes
from annotrace.services.projects import get_project
from annotrace.services.search import filter_conditions
from annotrace.storage.models import Annotation, GoldValue, Label, Span, Trace

BATCH_SIZE = 500

_COLUMNS = (
    Span.span_rowid,
    Trace.trace_id,
    Span.span_id,
    Span.parent_span_id,
    Span.kind,
    Span.name,
    Span.status_code,
    Span.start_time,
    Span.end_time,
    Span.model_name,
    Span.input_value,
    Span.output_value,
    Span.prompt_tokens,
    Span.completion_tokens,
    Span.total_tokens,
    Span.attributes,
)


class SpanExport:
    """One export, checked and counted, ready to stream with `chunks()` (once)."""

    def __init__(self, *, session: Session, principal: Principal, request: ExportRequest) -> None:
        self.session = session
        self.request = request
        self.project = get_project(
            session=session, principal=principal, project_id=request.filter.project_id
        )
        self._where = filter_conditions(
            session=session, project=self.project, span_filter=request.filter
        )
        self.span_count: int = (
            session.scalar(select(func.count()).select_from(Span).where(*self._where)) or 0
        )
        csv = request.format == "csv"
        self.writer = writer_for(
            request.format,
            label_names=self._annotation_names() if csv else (),
            gold_names=self._gold_names() if csv else (),
            preference_label=request.preference_label,
        )

    @property
    def filename(self) -> str:
        """A download name such as `support-bot-openai-chat.jsonl` (ASCII, for headers)."""
        stem = self.project.name
        if self.request.format != self.writer.extension:
            stem = f"{stem}-{self.request.format}"
        return file_name(stem, self.writer.extension)

    @property
    def media_type(self) -> str:
        return self.writer.media_type

    def summary(self) -> ExportSummary:
        return ExportSummary(
            format=self.request.format,
            spans=self.span_count,
            records=self.writer.records,
            skipped=dict(self.writer.skipped),
        )

    def chunks(self, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """The file's bytes, batch by batch; `progress` hears how many spans each took."""
        yield self.writer.start()
        batches = (
            self._batches_by_input()
            if self.request.format == "preference-pairs"
            else self._batches_by_time()
        )
        for batch in batches:
            chunk = self.writer.write(self._spans(batch))
            if chunk:
                yield chunk
            if progress is not None:
                progress(len(batch))
        yield self.writer.finish()

    def _rows(self) -> Select[Any]:
        return select(*_COLUMNS).join(Trace, Trace.trace_rowid == Span.trace_rowid)

    def _batches_by_time(self) -> Iterator[Sequence[Row[Any]]]:
        # The index on (project, start_time, span_id) gives this order without a sort.
        rows = self.session.execute(
            self._rows()
            .where(*self._where)
            .order_by(Span.start_time, Span.span_id)
            .execution_options(yield_per=BATCH_SIZE)
        )
        yield from rows.partitions()

    def _batches_by_input(self) -> Iterator[Sequence[Row[Any]]]:
        """Answers to the same input together, as preference pairs need them."""
        # Sorted by a digest of the input, and only span rowids: SQLite sorts in this
        # process's memory, and whole rows of long text would grow it with the export.
        rowids = self.session.execute(
            select(Span.span_rowid)
            .where(*self._where)
            .order_by(func.md5(Span.input_value), Span.start_time, Span.span_id)
            .execution_options(yield_per=BATCH_SIZE)
        )
        for partition in rowids.partitions():
            wanted = [rowid for (rowid,) in partition]
            found = {
                row.span_rowid: row
                for row in self.session.execute(self._rows().where(Span.span_rowid.in_(wanted)))
            }
            yield [found[rowid] for rowid in wanted]

    def _annotation_names(self) -> list[str]:
        names = self.session.scalars(
            select(func.min(Annotation.name))
            .where(Annotation.span_rowid.in_(select(Span.span_rowid).where(*self._where)))
            .group_by(Annotation.name_key)
            .order_by(Annotation.name_key)
        )
        return list(names)

    def _gold_names(self) -> list[str]:
        """The labels with gold values on the spans, by name (a column each in csv)."""
        names = self.session.scalars(
            select(func.min(Label.name))
            .join(GoldValue, GoldValue.label_rowid == Label.label_rowid)
            .where(GoldValue.span_rowid.in_(select(Span.span_rowid).where(*self._where)))
            .group_by(Label.name_key)
            .order_by(Label.name_key)
        )
        return list(names)

    def _gold(self, rowids: list[int]) -> dict[int, list[ExportGold]]:
        rows = self.session.execute(
            select(
                GoldValue.span_rowid,
                Label.name,
                Label.id,
                Label.type,
                GoldValue.value,
                GoldValue.label,
                GoldValue.score,
                GoldValue.reason,
                GoldValue.decided_by,
                GoldValue.updated_at,
            )
            .join(Label, Label.label_rowid == GoldValue.label_rowid)
            .where(GoldValue.span_rowid.in_(rowids))
            .order_by(Label.name_key, GoldValue.gold_value_rowid)
        )
        found: dict[int, list[ExportGold]] = {}
        for row in rows:
            found.setdefault(row.span_rowid, []).append(
                ExportGold(
                    name=row.name,
                    label_id=row.id,
                    label_type=row.type,
                    value=row.value,
                    label=row.label,
                    score=row.score,
                    reason=row.reason,
                    decided_by=row.decided_by,
                    decided_at=row.updated_at,
                )
            )
        return found

    def _annotations(self, rowids: list[int]) -> dict[int, list[ExportAnnotation]]:
        # Columns, not entities: at hundreds of thousands of annotations, building ORM
        # objects and API models for each was half the export's time.
        rows = self.session.execute(
            select(
                Annotation.span_rowid,
                Annotation.name,
                Label.type,
                Label.settings,
                Annotation.value,
                Annotation.label,
                Annotation.score,
                Annotation.reason,
                Annotation.annotator_id,
                Annotation.source,
                Annotation.created_at,
                Annotation.updated_at,
            )
            .outerjoin(Label, Label.label_rowid == Annotation.label_rowid)
            .where(Annotation.span_rowid.in_(rowids))
            .order_by(Annotation.created_at, Annotation.annotation_rowid)
        )
        found: dict[int, list[ExportAnnotation]] = {}
        for row in rows:
            found.setdefault(row.span_rowid, []).append(
                ExportAnnotation(
                    name=row.name,
                    label_type=row.type,
                    label_settings=row.settings,
                    value=row.value,
                    label=row.label,
                    score=row.score,
                    reason=row.reason,
                    annotator=row.annotator_id,
                    source=row.source,
                    kind="eval" if row.source == "eval" else "annotation",
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                )
            )
        return found

    def _spans(self, rows: Sequence[Row[Any]]) -> list[ExportSpan]:
        rowids = [row.span_rowid for row in rows]
        annotations = self._annotations(rowids)
        span_notes = notes.notes_of_spans(session=self.session, span_rowids=rowids)
        fixes = corrections.corrections_of_spans(session=self.session, span_rowids=rowids)
        golds = self._gold(rowids)
        spans = []
        for row in rows:
            inputs, outputs = semconv.messages(row.attributes)
            fix = fixes.get(row.span_rowid)
            spans.append(
                ExportSpan(
                    project=self.project.name,
                    trace_id=row.trace_id,
                    span_id=row.span_id,
                    parent_span_id=row.parent_span_id,
                    kind=row.kind,
                    name=row.name,
                    status=row.status_code,
                    start_time=row.start_time,
                    end_time=row.end_time,
                    model=row.model_name,
                    input=row.input_value,
                    output=row.output_value,
                    input_messages=[message.to_json() for message in inputs],
                    output_messages=[message.to_json() for message in outputs],
                    prompt_tokens=row.prompt_tokens,
                    completion_tokens=row.completion_tokens,
                    total_tokens=row.total_tokens,
                    attributes=row.attributes,
                    corrected_output=fix.output if fix else None,
                    corrected_by=fix.annotator_id if fix else None,
                    corrected_at=fix.updated_at if fix else None,
                    annotations=annotations.get(row.span_rowid, []),
                    notes=[
                        ExportNote(
                            text=note.text, annotator=note.annotator_id, created_at=note.created_at
                        )
                        for note in span_notes.get(row.span_rowid, [])
                    ],
                    gold=golds.get(row.span_rowid, []),
                )
            )
        return spans
