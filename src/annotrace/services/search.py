"""Span search: the filter of `schemas.filters`, translated into SQL that runs in the database.

Every condition becomes a SQL expression on `spans`, so a page costs one query for the
spans, and one each for their annotations, notes, corrections and gold values, whatever
the filter.

Pages are newest first, and a condition on annotations (or notes, or text) can be written
two ways that select the same spans: EXISTS per span, checked on the newest spans until a
page is full (quick when matches are common, a scan of the project when they are rare),
or the set of matching spans, read from an index on annotations (quick when matches are
few, slow when they are many). Given a `Scope`, a condition first reads its matches, up
to FEW_MATCHES of them, and takes the set when there are fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute, Session

from annotrace.domain.access import Principal
from annotrace.domain.cursors import decode_cursor, encode_cursor
from annotrace.errors import InvalidInput
from annotrace.schemas.common import Page
from annotrace.schemas.filters import (
    AgreementCondition,
    AndCondition,
    AnnotationCondition,
    Condition,
    CorrectionCondition,
    GoldCondition,
    NotCondition,
    NotesCondition,
    OrCondition,
    SpanCondition,
    SpanFilter,
    TextCondition,
)
from annotrace.schemas.search import SpanResult
from annotrace.services import annotate, corrections, notes
from annotrace.services.gold import gold_of_spans
from annotrace.services.projects import get_project
from annotrace.services.traces import MAX_PAGE_SIZE, span_fields
from annotrace.storage.fulltext import contains_text
from annotrace.storage.models import (
    Annotation,
    Correction,
    GoldValue,
    Label,
    Note,
    Project,
    Span,
    Trace,
)

MAX_DEPTH = 8

_SPAN_COLUMNS = {"kind": Span.kind, "name": Span.name, "status": Span.status_code}
_TEXT_COLUMNS = {"input": Span.input_value, "output": Span.output_value, "name": Span.name}

# Up to this many matching rows, a condition reads them from an index and selects their
# spans (about 15 µs a span on SQLite, sorting included); beyond it, one span in
# FEW_MATCHES / spans matches, and the newest spans, checked one by one (about 1 µs
# each), fill a page first up to tens of millions of spans.
FEW_MATCHES = 2_000


@dataclass(frozen=True, slots=True)
class Scope:
    """The project a filter runs on, so that conditions can count their matches first."""

    session: Session
    project_rowid: int

    def few(self, rows: Select[int]) -> list[int] | None:
        """The span rowids `rows` selects when there are fewer than FEW_MATCHES (reading
        at most that many), else None.

        The rowids themselves, not the query again: on SQLite a read transaction is one
        snapshot, so they are what the query would find; PostgreSQL (read committed)
        could see a few more annotations committed in between.
        """
        found = self.session.scalars(rows.limit(FEW_MATCHES)).all()
        return sorted(set(found)) if len(found) < FEW_MATCHES else None


def where_clause(
    condition: Condition, *, dialect: str, depth: int = 1, scope: Scope | None = None
) -> ColumnElement[bool]:
    """The SQL of a condition, over the `spans` table. Without a scope (inside a
    correlated subquery, say), conditions on annotations and notes are EXISTS per span."""
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"where: conditions are nested more than {MAX_DEPTH} levels deep",
            field="where",
            expected=f"at most {MAX_DEPTH} levels of and/or/not",
        )
    if isinstance(condition, AndCondition):
        return and_(
            *(
                where_clause(c, dialect=dialect, depth=depth + 1, scope=scope)
                for c in condition.conditions
            )
        )
    if isinstance(condition, OrCondition):
        return or_(
            *(
                where_clause(c, dialect=dialect, depth=depth + 1, scope=scope)
                for c in condition.conditions
            )
        )
    if isinstance(condition, NotCondition):
        inner = where_clause(condition.condition, dialect=dialect, depth=depth + 1, scope=scope)
        # A span without the column compared (no model, no input) makes the comparison
        # NULL, and NOT NULL is NULL: such a span would be in neither F nor not(F).
        return not_(func.coalesce(inner, false()))
    if isinstance(condition, SpanCondition):
        return _span_condition(condition)
    if isinstance(condition, TextCondition):
        return contains_text(
            [_TEXT_COLUMNS[part] for part in condition.within],
            condition.contains,
            dialect=dialect,
            few=scope.few if scope is not None else None,
        )
    if isinstance(condition, AnnotationCondition):
        return _annotation_condition(condition, dialect, scope)
    if isinstance(condition, AgreementCondition):
        return _agreement_condition(condition, dialect, scope)
    if isinstance(condition, GoldCondition):
        parts: list[ColumnElement[bool]] = []
        if condition.label is not None:
            parts.append(
                GoldValue.label_rowid.in_(
                    select(Label.label_rowid).where(
                        Label.name_key == condition.label.strip().casefold()
                    )
                )
            )
        has_gold = _attached(GoldValue.span_rowid, GoldValue.project_rowid, parts, scope, dialect)
        return has_gold if condition.exists else not_(has_gold)
    if isinstance(condition, CorrectionCondition):
        corrected = exists().where(Correction.span_rowid == Span.span_rowid)
        return corrected if condition.exists else not_(corrected)
    assert isinstance(condition, NotesCondition)
    has_notes = _attached(Note.span_rowid, Note.project_rowid, [], scope, dialect)
    return has_notes if condition.exists else not_(has_notes)


def _attached(
    span_rowid: InstrumentedAttribute[int],
    project_rowid: InstrumentedAttribute[int],
    parts: list[ColumnElement[bool]],
    scope: Scope | None,
    dialect: str,
) -> ColumnElement[bool]:
    """Whether the span has a row (annotation, note) matching `parts`: as the set of such
    spans when they are few, else as EXISTS per span.

    Rows carry their span's project, so the project's rows are all its spans have.
    """
    if scope is not None:
        rows = select(span_rowid).where(project_rowid == scope.project_rowid, *parts)
        found = scope.few(rows)
        if found is not None:
            return Span.span_rowid.in_(found)
    # Correlated on the span alone: with the project too, SQLite would rather read the
    # (project, label) index than the few rows of the span.
    rows = select(literal(1)).where(span_rowid == Span.span_rowid, *parts)
    if dialect == "postgresql":
        # OFFSET 0 keeps it a check per span: PostgreSQL would turn a plain EXISTS into a
        # join, and (misjudging how many annotations match) read every one of them first.
        rows = rows.offset(0)
    return rows.exists()


def _agreement_condition(
    condition: AgreementCondition, dialect: str, scope: Scope | None
) -> ColumnElement[bool]:
    """Two or more people annotated a label on the span, and their values (the Label and
    Score views, which every type fills) differ, or are all alike."""
    value = _compared_label(dialect) + "|" + func.coalesce(cast(Annotation.score, String), "")
    distinct = func.count(value.distinct())
    parts: list[ColumnElement[bool]] = [Annotation.source.in_(("human", "api"))]
    if condition.label is not None:
        parts.append(Annotation.name_key == condition.label.strip().casefold())

    def grouped(*where: ColumnElement[bool]) -> Select[int]:
        return (
            select(Annotation.span_rowid)
            .where(*where, *parts)
            .group_by(Annotation.span_rowid, Annotation.name_key)
            .having(func.count() >= 2, distinct == 1 if condition.agree else distinct > 1)
        )

    if scope is not None:
        found = scope.few(grouped(Annotation.project_rowid == scope.project_rowid))
        if found is not None:
            return Span.span_rowid.in_(found)
    return grouped(Annotation.span_rowid == Span.span_rowid).exists()


def _compared_label(dialect: str) -> ColumnElement[str]:
    """An annotation's Label view as agreement compares it: the options of a multi-choice
    value sorted, since their order means nothing (queue agreement compares them as sets,
    services/queue_agreement.py), where the Label view keeps the order they were given in.

    Only a value of two or more options has the ", " that joins them in its Label view:
    the others are compared without reading their JSON.
    """
    if dialect == "postgresql":
        options = func.jsonb_array_elements_text(Annotation.value).table_valued("value")
        is_list = func.jsonb_typeof(Annotation.value) == "array"
        joined = select(
            func.string_agg(options.c.value, aggregate_order_by(literal(", "), options.c.value))
        ).scalar_subquery()
    else:
        options = func.json_each(Annotation.value).table_valued("value")
        # SQLite keeps a subquery's order for the aggregate over it (it does not flatten a
        # subquery with ORDER BY into an aggregate query).
        ordered = select(options.c.value).order_by(options.c.value).subquery()
        is_list = func.json_type(Annotation.value) == "array"
        joined = select(func.group_concat(ordered.c.value, ", ")).scalar_subquery()
    multi = and_(Annotation.label.contains(", ", autoescape=True), is_list)
    return func.coalesce(case((multi, joined), else_=Annotation.label), "")


def _span_condition(condition: SpanCondition) -> ColumnElement[bool]:
    if condition.field == "trace_id":
        wanted = [v.lower() for v in condition.values or [condition.value or ""]]
        if condition.op == "contains":
            match = Trace.trace_id.icontains(wanted[0], autoescape=True)
        else:
            match = Trace.trace_id.in_(wanted)
        # Not correlated: the traces with these ids, then their spans.
        return Span.trace_rowid.in_(select(Trace.trace_rowid).where(match).correlate_except(Trace))
    if condition.field == "model":
        column, values = Span.model_name, condition.values or [condition.value or ""]
    else:
        column = _SPAN_COLUMNS[condition.field]
        values = condition.values or [condition.value or ""]
        if condition.field in ("kind", "status"):
            values = [v.upper() for v in values]
    if condition.op == "contains":
        result: ColumnElement[bool] = column.icontains(values[0], autoescape=True)
        return result
    if condition.op == "in":
        return column.in_(values)
    return column == values[0]


def _annotation_condition(
    condition: AnnotationCondition, dialect: str, scope: Scope | None
) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if condition.label is not None:
        parts.append(Annotation.name_key == condition.label.strip().casefold())
    if condition.value is not None:
        parts.append(_value_match(condition, dialect))
    if condition.score is not None:
        if condition.score.gte is not None:
            parts.append(Annotation.score >= condition.score.gte)
        if condition.score.lte is not None:
            parts.append(Annotation.score <= condition.score.lte)
    if condition.annotator is not None:
        parts.append(Annotation.annotator_id == condition.annotator)
    if condition.source is not None:
        # "human" means people, whichever way they sent it (dashboard or API).
        sources = ("human", "api") if condition.source == "human" else (condition.source,)
        parts.append(Annotation.source.in_(sources))
    found = _attached(Annotation.span_rowid, Annotation.project_rowid, parts, scope, dialect)
    return found if condition.exists else not_(found)


def _value_match(condition: AnnotationCondition, dialect: str) -> ColumnElement[bool]:
    match = condition.value
    assert match is not None
    if match.op == "eq":
        return Annotation.label == match.value
    if match.op == "in":
        return Annotation.label.in_(match.values or [])
    # A multi-choice value is a JSON list of options: does it hold this one? Its Label
    # view is the options joined (domain.labels), so the label column, read from an
    # index, rules out most annotations before their JSON is read.
    assert match.value is not None
    in_label = Annotation.label.contains(match.value, autoescape=True)
    if dialect == "postgresql":
        # jsonb_typeof: implied by @> of a list, and what lets the (partial) GIN index of
        # categorical values answer.
        return and_(
            in_label,
            func.jsonb_typeof(Annotation.value) == "array",
            Annotation.value.op("@>")(literal([match.value], JSONB)),
        )
    options = func.json_each(Annotation.value).table_valued("value")
    # json_each of a scalar is the scalar itself: a text value equal to the option is
    # no list that holds it.
    is_list = func.json_type(Annotation.value) == "array"
    return and_(in_label, is_list, exists().where(options.c.value == match.value))


def filter_conditions(
    *, session: Session, project: Project, span_filter: SpanFilter
) -> list[ColumnElement[bool]]:
    """The WHERE of a filter, over `spans` alone: search, exports and the dashboard share it."""
    conditions: list[ColumnElement[bool]] = [Span.project_rowid == project.project_rowid]
    if span_filter.start_time is not None:
        conditions.append(Span.start_time >= span_filter.start_time)
    if span_filter.end_time is not None:
        conditions.append(Span.start_time < span_filter.end_time)
    if span_filter.where is not None:
        conditions.append(
            where_clause(
                span_filter.where,
                dialect=session.connection().dialect.name,
                scope=Scope(session, project.project_rowid),
            )
        )
    return conditions


def search_spans(
    *,
    session: Session,
    principal: Principal,
    span_filter: SpanFilter,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SpanResult]:
    """The spans a filter selects, newest first, each with its annotations, notes,
    correction and gold values."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}",
            field="limit",
            expected=f"1 to {MAX_PAGE_SIZE}",
        )
    project = get_project(session=session, principal=principal, project_id=span_filter.project_id)
    query = (
        select(Span, Trace.trace_id)
        .join(Trace, Trace.trace_rowid == Span.trace_rowid)
        .where(*filter_conditions(session=session, project=project, span_filter=span_filter))
    )
    if cursor is not None:
        after_time, after_span = decode_cursor(cursor)
        query = query.where(tuple_(Span.start_time, Span.span_id) < tuple_(after_time, after_span))
    rows = session.execute(
        query.order_by(Span.start_time.desc(), Span.span_id.desc()).limit(limit + 1)
    ).all()
    page, more = rows[:limit], len(rows) > limit
    span_rowids = [span.span_rowid for span, _ in page]
    span_notes = notes.notes_of_spans(session=session, span_rowids=span_rowids)
    span_corrections = corrections.corrections_of_spans(session=session, span_rowids=span_rowids)
    annotations = annotate.annotations_of_spans(session=session, span_rowids=span_rowids)
    golds = gold_of_spans(session=session, span_rowids=span_rowids)
    items = [
        SpanResult.model_validate(
            {
                **span_fields(span, trace_id, project.id),
                "annotations": annotations.get(span.span_rowid, []),
                "notes": span_notes.get(span.span_rowid, []),
                "correction": span_corrections.get(span.span_rowid),
                "gold": golds.get(span.span_rowid, []),
            }
        )
        for span, trace_id in page
    ]
    last = page[-1][0] if page else None
    return Page[SpanResult](
        items=items,
        next_cursor=encode_cursor(last.start_time, last.span_id) if more and last else None,
    )
