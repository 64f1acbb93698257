"""`client.traces`: a project's traces, page after page; a trace as a tree; one span.

for summary in client.traces.list(project_id, start_time=datetime(2026, 1, 1, tzinfo=UTC)):
    trace = client.traces.get(summary.trace_id)
    root = trace.spans[0]          # SpanNode, with .children
span = client.traces.get_span(root.span_id)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

from annotrace.client.common import get
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.schemas.common import Page
from annotrace.schemas.traces import SpanRead, TraceRead, TraceSummary

PAGE_SIZE = 500  # the most the server gives per page


def _page(
    project_id: str,
    cursor: str | None,
    limit: int,
    start_time: datetime | None,
    end_time: datetime | None,
) -> Call[Page[TraceSummary]]:
    return get(
        f"/api/v1/projects/{project_id}/traces",
        Page[TraceSummary],
        limit=limit,
        cursor=cursor,
        start_time=start_time,
        end_time=end_time,
    )


def _trace(trace_id: str, project_id: str | None) -> Call[TraceRead]:
    return get(f"/api/v1/traces/{trace_id}", TraceRead, project_id=project_id)


def _span(span_id: str, trace_id: str | None) -> Call[SpanRead]:
    return get(f"/api/v1/spans/{span_id}", SpanRead, trace_id=trace_id)


class Traces:
    """Traces through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def list(
        self,
        project_id: str,
        *,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[TraceSummary]:
        """Every trace of the project, newest first, fetched `page_size` at a time;
        `start_time`/`end_time`: only traces starting at or after / before these times."""
        cursor: str | None = None
        while True:
            page = self._send(_page(project_id, cursor, page_size, start_time, end_time))
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def page(
        self,
        project_id: str,
        *,
        cursor: str | None = None,
        limit: int = 50,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> Page[TraceSummary]:
        """One page of traces; pass its `next_cursor` as `cursor` for the next."""
        return self._send(_page(project_id, cursor, limit, start_time, end_time))

    def get(self, trace_id: str, project_id: str | None = None) -> TraceRead:
        """A trace with all its spans nested by parent (`project_id`: needed only when
        the trace id is in several projects)."""
        return self._send(_trace(trace_id, project_id))

    def get_span(self, span_id: str, trace_id: str | None = None) -> SpanRead:
        """One span with all its fields and attributes (`trace_id`: needed only when
        the span id is in several traces)."""
        return self._send(_span(span_id, trace_id))


class AsyncTraces:
    """Traces through an async client: the same methods, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def list(
        self,
        project_id: str,
        *,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        page_size: int = PAGE_SIZE,
    ) -> AsyncIterator[TraceSummary]:
        """Every trace of the project, newest first (`async for`)."""
        cursor: str | None = None
        while True:
            page = await self._send(_page(project_id, cursor, page_size, start_time, end_time))
            for summary in page.items:
                yield summary
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def page(
        self,
        project_id: str,
        *,
        cursor: str | None = None,
        limit: int = 50,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> Page[TraceSummary]:
        """One page of traces; pass its `next_cursor` as `cursor` for the next."""
        return await self._send(_page(project_id, cursor, limit, start_time, end_time))

    async def get(self, trace_id: str, project_id: str | None = None) -> TraceRead:
        """A trace with all its spans nested by parent."""
        return await self._send(_trace(trace_id, project_id))

    async def get_span(self, span_id: str, trace_id: str | None = None) -> SpanRead:
        """One span with all its fields and attributes."""
        return await self._send(_span(span_id, trace_id))
