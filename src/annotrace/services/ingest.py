"""Storing spans: projects, traces and spans of a batch in a fixed, small number of statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, tuple_, update
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.spans import IncomingSpan, Span, SpanKind, StatusCode
from annotrace.services.projects import ensure_projects
from annotrace.services.scores import store_embedded_evaluations
from annotrace.storage import models
from annotrace.storage.upsert import dedupe, insert_on_conflict

# Bound parameters per IN list: well under SQLite's limit of 32,766 variables.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class IngestResult:
    # Evaluations carried by the spans that could not be stored, in words.
    evaluation_problems: tuple[str, ...] = ()


def store_spans(
    *, session: Session, principal: Principal, spans: Sequence[IncomingSpan]
) -> IngestResult:
    """Store spans in the caller's workspace; spans already stored are left as they are.

    Projects and traces are created on first use. The statements run per batch, not
    per span: projects (2-3), traces (1 + 1 per 500 traces), spans (1), totals (1).
    """
    if not spans:
        return IngestResult()
    project_rowids = ensure_projects(
        session=session,
        workspace_rowid=principal.workspace_rowid,
        names={incoming.project_name for incoming in spans},
    )
    keyed = [(project_rowids[incoming.project_name.strip()], incoming.span) for incoming in spans]
    trace_rowids = _upsert_traces(session, keyed)
    span_rows = [
        _span_row(span, project_rowid, trace_rowids[(project_rowid, span.trace_id)])
        for project_rowid, span in keyed
    ]
    insert_on_conflict(
        session,
        models.Span.__table__,  # type: ignore[arg-type]
        dedupe(span_rows, ("trace_rowid", "span_id")),
        unique_by=("trace_rowid", "span_id"),
    )
    _refresh_trace_totals(session, sorted(set(trace_rowids.values())))
    problems = store_embedded_evaluations(
        session=session,
        principal=principal,
        spans=[
            (row["trace_rowid"], incoming.span)
            for row, incoming in zip(span_rows, spans, strict=True)
        ],
    )
    return IngestResult(evaluation_problems=tuple(problems))


def _upsert_traces(
    session: Session, keyed: Sequence[tuple[int, Span]]
) -> dict[tuple[int, str], int]:
    bounds: dict[tuple[int, str], tuple[datetime, datetime]] = {}
    for project_rowid, span in keyed:
        key = (project_rowid, span.trace_id)
        start, end = bounds.get(key, (span.start_time, span.end_time))
        bounds[key] = (min(start, span.start_time), max(end, span.end_time))
    # Sorted, so concurrent batches on PostgreSQL take row locks in the same order and
    # cannot deadlock.
    keys = sorted(bounds)
    insert_on_conflict(
        session,
        models.Trace.__table__,  # type: ignore[arg-type]
        [
            {
                "project_rowid": project_rowid,
                "trace_id": trace_id,
                "start_time": bounds[(project_rowid, trace_id)][0],
                "end_time": bounds[(project_rowid, trace_id)][1],
                "span_count": 0,
                "error_count": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "total_tokens": 0,
            }
            for project_rowid, trace_id in keys
        ],
        unique_by=("project_rowid", "trace_id"),
    )
    rowids: dict[tuple[int, str], int] = {}
    for offset in range(0, len(keys), _CHUNK):
        chunk = keys[offset : offset + _CHUNK]
        # FOR UPDATE (PostgreSQL; SQLite already serialises writers): the totals below are
        # recomputed from the spans, which must not change under us in another batch.
        rows = session.execute(
            select(models.Trace.project_rowid, models.Trace.trace_id, models.Trace.trace_rowid)
            .where(tuple_(models.Trace.project_rowid, models.Trace.trace_id).in_(chunk))
            .order_by(models.Trace.project_rowid, models.Trace.trace_id)
            .with_for_update()
        )
        rowids.update({(project, trace): rowid for project, trace, rowid in rows})
    return rowids


def _refresh_trace_totals(session: Session, trace_rowids: list[int]) -> None:
    """Recompute each touched trace's totals from its spans: exact, whatever was a repeat."""
    span = models.Span
    is_llm = span.kind == SpanKind.LLM.value

    def llm_sum(column: Any) -> Any:
        return func.coalesce(func.sum(case((is_llm, column), else_=0)), 0)

    for offset in range(0, len(trace_rowids), _CHUNK):
        totals = (
            select(
                span.trace_rowid,
                func.min(span.start_time).label("start_time"),
                func.max(span.end_time).label("end_time"),
                func.count().label("span_count"),
                func.sum(case((span.status_code == StatusCode.ERROR.value, 1), else_=0)).label(
                    "error_count"
                ),
                llm_sum(span.prompt_tokens).label("prompt_tokens"),
                llm_sum(span.completion_tokens).label("completion_tokens"),
                llm_sum(span.total_tokens).label("total_tokens"),
            )
            .where(span.trace_rowid.in_(trace_rowids[offset : offset + _CHUNK]))
            .group_by(span.trace_rowid)
            .subquery()
        )
        trace = models.Trace
        session.execute(
            update(trace)
            .where(trace.trace_rowid == totals.c.trace_rowid)
            .values(
                start_time=totals.c.start_time,
                end_time=totals.c.end_time,
                span_count=totals.c.span_count,
                error_count=totals.c.error_count,
                prompt_tokens=totals.c.prompt_tokens,
                completion_tokens=totals.c.completion_tokens,
                total_tokens=totals.c.total_tokens,
            )
            .execution_options(synchronize_session=False)
        )


def _span_row(span: Span, project_rowid: int, trace_rowid: int) -> dict[str, Any]:
    return {
        "project_rowid": project_rowid,
        "trace_rowid": trace_rowid,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "name": span.name,
        "kind": span.kind.value,
        "otel_kind": span.otel_kind,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "status_code": span.status_code.value,
        "status_message": span.status_message,
        "input_value": span.input_value,
        "input_mime_type": span.input_mime_type,
        "output_value": span.output_value,
        "output_mime_type": span.output_mime_type,
        "model_name": span.model_name,
        "prompt_tokens": span.prompt_tokens,
        "completion_tokens": span.completion_tokens,
        "total_tokens": span.total_tokens,
        "attributes": span.attributes,
        "events": [event.to_json() for event in span.events],
        "links": [link.to_json() for link in span.links],
        "resource_attributes": span.resource_attributes,
        "scope_name": span.scope_name,
        "scope_version": span.scope_version,
    }
