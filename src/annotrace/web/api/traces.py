"""Traces and spans of the caller's workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from annotrace.schemas.common import Page, Timestamp
from annotrace.schemas.traces import SpanRead, TraceRead, TraceSummary
from annotrace.services import traces
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["traces"])


@router.get(
    "/projects/{project_id}/traces",
    operation_id="listTraces",
    summary="List a project's traces, newest first",
    responses=errors(404),
)
def list_traces(
    project_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    limit: Annotated[
        int, Query(ge=1, le=traces.MAX_PAGE_SIZE, description="Traces per page.")
    ] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    start_time: Annotated[
        Timestamp | None,
        Query(description="Only traces starting at or after this time (ISO 8601)."),
    ] = None,
    end_time: Annotated[
        Timestamp | None, Query(description="Only traces starting before this time (ISO 8601).")
    ] = None,
) -> Page[TraceSummary]:
    with database.read() as session:
        return traces.list_traces(
            session=session,
            principal=principal,
            project_id=project_id,
            limit=limit,
            cursor=cursor,
            start_time=start_time,
            end_time=end_time,
        )


@router.get(
    "/traces/{trace_id}",
    operation_id="getTrace",
    summary="Get a trace with all its spans, nested by parent",
    responses=errors(404, 409),
)
def get_trace(
    trace_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    project_id: Annotated[
        str | None,
        Query(description="Project of the trace, when its id is in several projects."),
    ] = None,
) -> TraceRead:
    with database.read() as session:
        return traces.get_trace(
            session=session, principal=principal, trace_id=trace_id, project_id=project_id
        )


@router.get(
    "/spans/{span_id}",
    operation_id="getSpan",
    summary="Get one span with all its fields and attributes",
    responses=errors(404, 409),
)
def get_span(
    span_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    trace_id: Annotated[
        str | None, Query(description="Trace of the span, when its id is in several traces.")
    ] = None,
) -> SpanRead:
    with database.read() as session:
        return traces.get_span(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id
        )
