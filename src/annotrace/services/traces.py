"""Reading traces and spans, always within the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import Session

from annotrace.domain import semconv
from annotrace.domain.access import Principal
from annotrace.domain.cursors import decode_cursor, encode_cursor
from annotrace.domain.span_tree import TreeNode, build_tree
from annotrace.domain.spans import SpanKind, StatusCode, is_valid_span_id, is_valid_trace_id
from annotrace.errors import Conflict, InvalidInput, NotFound
from annotrace.schemas.common import Page
from annotrace.schemas.filters import Condition
from annotrace.schemas.traces import RootSpan, SpanNode, SpanRead, TraceRead, TraceSummary
from annotrace.services.projects import get_project
from annotrace.storage.fulltext import some_span_contains
from annotrace.storage.models import Project, Span, Trace

MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class SpanRef:
    """Where a span is, for writes that attach things to it."""

    span_rowid: int
    project_rowid: int
    project_id: str
    project_name: str
    trace_id: str
    span_id: str


# How many of the matches an ambiguity error names.
MAX_AMBIGUOUS = 5
MAX_SEARCH_LENGTH = 500


@dataclass(frozen=True, slots=True)
class TraceFilters:
    """What the trace list can be narrowed to, beyond its time range."""

    search: str | None = None  # in span names, inputs and outputs (ignoring case)
    status: StatusCode | None = None  # ERROR: a span failed; OK: none did
    root_kind: SpanKind | None = None
    annotated: bool | None = None  # by people (eval scores do not count)
    where: Condition | None = None  # some span of the trace matches it (the span filter's)

    def apply(self, query: Select[Trace], *, dialect: str) -> Select[Trace]:
        if self.search:
            if len(self.search) > MAX_SEARCH_LENGTH:
                raise InvalidInput(
                    f"search is longer than {MAX_SEARCH_LENGTH} characters",
                    field="q",
                    expected=f"at most {MAX_SEARCH_LENGTH} characters",
                )
            text = self.search
            query = query.where(
                some_span_contains(
                    [Span.name, Span.input_value, Span.output_value],
                    text,
                    dialect=dialect,
                    group=Span.trace_rowid,
                    of=Trace.trace_rowid,
                )
            )
        if self.status is StatusCode.ERROR:
            query = query.where(Trace.error_count > 0)
        elif self.status is not None:
            query = query.where(Trace.error_count == 0)
        if self.root_kind is not None:
            root = select(Span.span_rowid).where(
                Span.trace_rowid == Trace.trace_rowid,
                Span.parent_span_id.is_(None),
                Span.kind == self.root_kind.value,
            )
            query = query.where(root.exists())
        if self.annotated is not None:
            query = query.where(
                Trace.annotation_count > 0 if self.annotated else Trace.annotation_count == 0
            )
        if self.where is not None:
            # Imported here: services.search builds on this module (span_fields).
            from annotrace.services.search import where_clause

            matching = select(Span.span_rowid).where(
                Span.trace_rowid == Trace.trace_rowid, where_clause(self.where, dialect=dialect)
            )
            query = query.where(matching.exists())
        return query


def list_traces(
    *,
    session: Session,
    principal: Principal,
    project_id: str,
    limit: int = 50,
    cursor: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    filters: TraceFilters | None = None,
) -> Page[TraceSummary]:
    """A project's traces, newest first; `start_time` inclusive, `end_time` exclusive."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}",
            field="limit",
            expected=f"1 to {MAX_PAGE_SIZE}",
        )
    project = get_project(session=session, principal=principal, project_id=project_id)
    query = select(Trace).where(Trace.project_rowid == project.project_rowid)
    if start_time is not None:
        query = query.where(Trace.start_time >= start_time)
    if end_time is not None:
        query = query.where(Trace.start_time < end_time)
    if filters is not None:
        query = filters.apply(query, dialect=session.connection().dialect.name)
    if cursor is not None:
        after_time, after_trace_id = decode_cursor(cursor)
        query = query.where(
            tuple_(Trace.start_time, Trace.trace_id) < tuple_(after_time, after_trace_id)
        )
    traces = session.scalars(
        query.order_by(Trace.start_time.desc(), Trace.trace_id.desc()).limit(limit + 1)
    ).all()
    page, more = traces[:limit], len(traces) > limit
    roots = _root_spans(session, [trace.trace_rowid for trace in page])
    return Page[TraceSummary](
        items=[_summary(trace, project.id, roots.get(trace.trace_rowid)) for trace in page],
        next_cursor=encode_cursor(page[-1].start_time, page[-1].trace_id) if more else None,
    )


def _root_spans(session: Session, trace_rowids: Sequence[int]) -> dict[int, RootSpan]:
    """The root span of each trace: the earliest parentless span, else the earliest span."""
    if not trace_rowids:
        return {}
    ranked = (
        select(
            Span.trace_rowid,
            Span.span_id,
            Span.name,
            Span.kind,
            func.row_number()
            .over(
                partition_by=Span.trace_rowid,
                order_by=(case((Span.parent_span_id.is_(None), 0), else_=1), Span.start_time),
            )
            .label("rank"),
        )
        .where(Span.trace_rowid.in_(trace_rowids))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.trace_rowid, ranked.c.span_id, ranked.c.name, ranked.c.kind).where(
            ranked.c.rank == 1
        )
    )
    return {
        trace_rowid: RootSpan(span_id=span_id, name=name, kind=SpanKind(kind))
        for trace_rowid, span_id, name, kind in rows
    }


def _summary(trace: Trace, project_id: str, root: RootSpan | None) -> TraceSummary:
    return TraceSummary(
        trace_id=trace.trace_id,
        project_id=project_id,
        start_time=trace.start_time,
        end_time=trace.end_time,
        duration_ms=_milliseconds(trace.start_time, trace.end_time),
        status=StatusCode.ERROR if trace.error_count else StatusCode.OK,
        span_count=trace.span_count,
        error_count=trace.error_count,
        prompt_tokens=trace.prompt_tokens,
        completion_tokens=trace.completion_tokens,
        total_tokens=trace.total_tokens,
        annotation_count=trace.annotation_count,
        eval_count=trace.eval_count,
        root_span=root,
    )


def _milliseconds(start: datetime, end: datetime) -> float:
    # Whole microseconds first: float seconds * 1000 prints as 3379.7000000000003.
    return ((end - start) // timedelta(microseconds=1)) / 1000


def get_trace(
    *, session: Session, principal: Principal, trace_id: str, project_id: str | None = None
) -> TraceRead:
    """A trace with all its spans nested by parent.

    A trace id names one trace per project; when the workspace has it in several
    projects, `project_id` says which one is meant.
    """
    trace_id = _valid_id(trace_id, field="trace_id")
    query = (
        select(Trace, Project.id)
        .join(Project, Project.project_rowid == Trace.project_rowid)
        .where(Trace.trace_id == trace_id, Project.workspace_rowid == principal.workspace_rowid)
    )
    if project_id is not None:
        project = get_project(session=session, principal=principal, project_id=project_id)
        query = query.where(Trace.project_rowid == project.project_rowid)
    matches = session.execute(query.limit(MAX_AMBIGUOUS + 1)).all()
    if not matches:
        raise NotFound(f"trace {trace_id!r} not found")
    if len(matches) > 1:
        raise Conflict(
            f"trace {trace_id!r} exists in several projects ("
            + ", ".join(project for _, project in matches[:MAX_AMBIGUOUS])
            + "); add ?project_id= to say which"
        )
    trace, trace_project_id = matches[0]
    spans = (
        session.execute(
            select(Span)
            .where(Span.trace_rowid == trace.trace_rowid)
            .order_by(Span.start_time, Span.span_id)
        )
        .scalars()
        .all()
    )
    tree = build_tree(spans, id_of=lambda span: span.span_id, parent_of=lambda s: s.parent_span_id)
    return TraceRead(
        trace_id=trace.trace_id,
        project_id=trace_project_id,
        start_time=trace.start_time,
        end_time=trace.end_time,
        duration_ms=_milliseconds(trace.start_time, trace.end_time),
        status=StatusCode.ERROR if trace.error_count else StatusCode.OK,
        span_count=trace.span_count,
        error_count=trace.error_count,
        total_tokens=trace.total_tokens,
        spans=[_node(node, trace.trace_id, trace_project_id) for node in tree],
    )


def get_span(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> SpanRead:
    """One span of the workspace by its span id (and trace id, when the span id repeats)."""
    ref = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    span = session.get_one(Span, ref.span_rowid)
    return _span_read(span, ref.trace_id, ref.project_id)


def _valid_id(value: str, *, field: str) -> str:
    value = value.strip().lower()
    valid = is_valid_trace_id(value) if field == "trace_id" else is_valid_span_id(value)
    if not valid:
        digits = 32 if field == "trace_id" else 16
        raise InvalidInput(
            f"{field} {value!r} is not an OpenTelemetry id",
            field=field,
            expected=f"{digits} hexadecimal digits, not all zero",
        )
    return value


def span_fields(span: Span, trace_id: str, project_id: str) -> dict[str, object]:
    input_messages, output_messages = semconv.messages(span.attributes)
    return {
        "span_id": span.span_id,
        "trace_id": trace_id,
        "parent_span_id": span.parent_span_id,
        "project_id": project_id,
        "name": span.name,
        "kind": span.kind,
        "otel_kind": span.otel_kind,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "duration_ms": _milliseconds(span.start_time, span.end_time),
        "status_code": span.status_code,
        "status_message": span.status_message,
        "input_value": span.input_value,
        "input_mime_type": span.input_mime_type,
        "output_value": span.output_value,
        "output_mime_type": span.output_mime_type,
        "input_messages": [message.to_json() for message in input_messages] or None,
        "output_messages": [message.to_json() for message in output_messages] or None,
        "model_name": span.model_name,
        "prompt_tokens": span.prompt_tokens,
        "completion_tokens": span.completion_tokens,
        "total_tokens": span.total_tokens,
        "attributes": span.attributes,
        "events": span.events,
        "links": span.links,
        "resource_attributes": span.resource_attributes,
        "scope_name": span.scope_name,
        "scope_version": span.scope_version,
    }


def _span_read(span: Span, trace_id: str, project_id: str) -> SpanRead:
    return SpanRead.model_validate(span_fields(span, trace_id, project_id))


def _node(node: TreeNode[Span], trace_id: str, project_id: str) -> SpanNode:
    # Built bottom-up without recursion: trees may be as deep as the cap allows.
    order: list[TreeNode[Span]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(current.children)
    built: dict[int, SpanNode] = {}
    for current in reversed(order):
        built[id(current)] = SpanNode.model_validate(
            {
                **span_fields(current.item, trace_id, project_id),
                "children": [built[id(child)] for child in current.children],
            }
        )
    return built[id(node)]


def find_spans(
    *, session: Session, principal: Principal, span_ids: Iterable[str]
) -> dict[str, list[SpanRef]]:
    """The workspace's spans with these span ids, in one query; a span id may name spans
    in several traces. Ids that are not span ids are left out."""
    wanted = {span_id.lower() for span_id in span_ids if isinstance(span_id, str)}
    wanted = {span_id for span_id in wanted if is_valid_span_id(span_id)}
    if not wanted:
        return {}
    rows = session.execute(
        _span_refs().where(
            Span.span_id.in_(wanted), Project.workspace_rowid == principal.workspace_rowid
        )
    )
    found: dict[str, list[SpanRef]] = {}
    for row in rows:
        found.setdefault(row.span_id, []).append(SpanRef(*row[:6]))
    return found


def _span_refs() -> Select[int, int, str, str, str, str, int]:
    """What a SpanRef is made of (in its field order), plus the trace rowid."""
    return (
        select(
            Span.span_rowid,
            Span.project_rowid,
            Project.id,
            Project.name,
            Trace.trace_id,
            Span.span_id,
            Span.trace_rowid,
        )
        .join(Trace, Trace.trace_rowid == Span.trace_rowid)
        .join(Project, Project.project_rowid == Span.project_rowid)
    )


def span_ref(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> SpanRef:
    """The one span of the workspace with this span id (and trace id, when it repeats)."""
    span_id = _valid_id(span_id, field="span_id")
    refs = find_spans(session=session, principal=principal, span_ids=[span_id]).get(span_id, [])
    if trace_id is not None:
        trace_id = _valid_id(trace_id, field="trace_id")
        refs = [ref for ref in refs if ref.trace_id == trace_id]
    if not refs:
        raise NotFound(f"span {span_id!r} not found")
    if len(refs) > 1:
        raise Conflict(
            f"span id {span_id!r} names several spans (in traces "
            + ", ".join(ref.trace_id for ref in refs[:MAX_AMBIGUOUS])
            + "); add ?trace_id= to say which"
        )
    return refs[0]


def stored_spans(
    *, session: Session, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], SpanRef]:
    """Spans by (trace rowid, span id), in one query (for spans just stored)."""
    rows = session.execute(
        _span_refs().where(tuple_(Span.trace_rowid, Span.span_id).in_(list(keys)))
    )
    return {(row.trace_rowid, row.span_id): SpanRef(*row[:6]) for row in rows}
