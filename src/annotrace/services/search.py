"""Span search: the filter of `schemas.filters`, translated into SQL that runs in the database.

Every condition becomes a SQL expression on `spans` (annotation and note conditions as
EXISTS subqueries on their span), so a page costs one query for the spans, one for
their annotations and one for their notes, whatever the filter.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.cursors import decode_cursor, encode_cursor
from annotrace.errors import InvalidInput
from annotrace.schemas.common import Page
from annotrace.schemas.filters import (
    AndCondition,
    AnnotationCondition,
    Condition,
    NotCondition,
    NotesCondition,
    OrCondition,
    SpanCondition,
    SpanFilter,
    TextCondition,
)
from annotrace.schemas.search import SpanResult
from annotrace.services import annotate, notes
from annotrace.services.projects import get_project
from annotrace.services.traces import MAX_PAGE_SIZE, span_fields
from annotrace.storage.models import Annotation, Note, Span, Trace

MAX_DEPTH = 8

_SPAN_COLUMNS = {"kind": Span.kind, "name": Span.name, "status": Span.status_code}


def where_clause(condition: Condition, *, dialect: str, depth: int = 1) -> ColumnElement[bool]:
    """The SQL of a condition, over the `spans` table."""
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"where: conditions are nested more than {MAX_DEPTH} levels deep",
            field="where",
            expected=f"at most {MAX_DEPTH} levels of and/or/not",
        )
    if isinstance(condition, AndCondition):
        return and_(
            *(where_clause(c, dialect=dialect, depth=depth + 1) for c in condition.conditions)
        )
    if isinstance(condition, OrCondition):
        return or_(
            *(where_clause(c, dialect=dialect, depth=depth + 1) for c in condition.conditions)
        )
    if isinstance(condition, NotCondition):
        return not_(where_clause(condition.condition, dialect=dialect, depth=depth + 1))
    if isinstance(condition, SpanCondition):
        return _span_condition(condition)
    if isinstance(condition, TextCondition):
        columns = {"input": Span.input_value, "output": Span.output_value, "name": Span.name}
        return or_(
            *(
                columns[part].icontains(condition.contains, autoescape=True)
                for part in condition.within
            )
        )
    if isinstance(condition, AnnotationCondition):
        return _annotation_condition(condition, dialect)
    assert isinstance(condition, NotesCondition)
    has_notes = exists().where(Note.span_rowid == Span.span_rowid)
    return has_notes if condition.exists else not_(has_notes)


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


def _annotation_condition(condition: AnnotationCondition, dialect: str) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [Annotation.span_rowid == Span.span_rowid]
    if condition.label is not None:
        # Also the project: the index on (project_rowid, name_key) serves the subquery.
        parts += [
            Annotation.project_rowid == Span.project_rowid,
            Annotation.name_key == condition.label.strip().casefold(),
        ]
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
    found = exists().where(*parts)
    return found if condition.exists else not_(found)


def _value_match(condition: AnnotationCondition, dialect: str) -> ColumnElement[bool]:
    match = condition.value
    assert match is not None
    if match.op == "eq":
        return Annotation.label == match.value
    if match.op == "in":
        return Annotation.label.in_(match.values or [])
    # A multi-choice value is a JSON list of options: does it hold this one?
    if dialect == "postgresql":
        return Annotation.value.op("@>")(literal([match.value], JSONB))
    options = func.json_each(Annotation.value).table_valued("value")
    return exists().where(options.c.value == match.value)


def search_spans(
    *,
    session: Session,
    principal: Principal,
    span_filter: SpanFilter,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SpanResult]:
    """The spans a filter selects, newest first, each with its annotations and notes."""
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
        .where(Span.project_rowid == project.project_rowid)
    )
    if span_filter.start_time is not None:
        query = query.where(Span.start_time >= span_filter.start_time)
    if span_filter.end_time is not None:
        query = query.where(Span.start_time < span_filter.end_time)
    if span_filter.where is not None:
        query = query.where(
            where_clause(span_filter.where, dialect=session.connection().dialect.name)
        )
    if cursor is not None:
        after_time, after_span = decode_cursor(cursor)
        query = query.where(tuple_(Span.start_time, Span.span_id) < tuple_(after_time, after_span))
    rows = session.execute(
        query.order_by(Span.start_time.desc(), Span.span_id.desc()).limit(limit + 1)
    ).all()
    page, more = rows[:limit], len(rows) > limit
    annotations = annotate.annotations_of_spans(
        session=session, span_rowids=[span.span_rowid for span, _ in page]
    )
    span_notes = notes.notes_of_spans(
        session=session, span_rowids=[span.span_rowid for span, _ in page]
    )
    items = [
        SpanResult.model_validate(
            {
                **span_fields(span, trace_id, project.id),
                "annotations": annotations.get(span.span_rowid, []),
                "notes": span_notes.get(span.span_rowid, []),
            }
        )
        for span, trace_id in page
    ]
    last = page[-1][0] if page else None
    return Page[SpanResult](
        items=items,
        next_cursor=encode_cursor(last.start_time, last.span_id) if more and last else None,
    )
