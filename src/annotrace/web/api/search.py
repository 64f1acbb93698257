"""Span search with the one filter."""

from __future__ import annotations

from fastapi import APIRouter

from annotrace.schemas.common import Page
from annotrace.schemas.search import SpanResult, SpanSearch
from annotrace.services import search
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["search"])


@router.post(
    "/spans/search",
    operation_id="searchSpans",
    summary="Spans a filter selects, newest first, with their annotations and notes",
    responses=errors(404, body=True),
)
def search_spans(
    body: SpanSearch, principal: PrincipalDep, database: DatabaseDep
) -> Page[SpanResult]:
    with database.read() as session:
        return search.search_spans(
            session=session,
            principal=principal,
            span_filter=body.filter,
            limit=body.limit,
            cursor=body.cursor,
        )
