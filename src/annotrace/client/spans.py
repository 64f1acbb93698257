"""`client.spans`: search spans with the one filter; every match, page after page, and
as a pandas DataFrame with a column per label.

found = client.spans.search({"project_id": project_id,
                             "where": {"type": "annotation", "label": "Quality"}})
for span in found:                 # SpanResult: the span, its annotations, notes, gold
    ...
frame = found.to_pandas()          # needs `pip install pandas`
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from annotrace.client.common import read, to_json
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.schemas.annotations import AnnotationRead
from annotrace.schemas.common import Page
from annotrace.schemas.filters import SpanFilter
from annotrace.schemas.queues import GoldRead
from annotrace.schemas.search import SpanResult

Filter = SpanFilter | Mapping[str, Any]
PAGE_SIZE = 500  # the most the server gives per page

# The columns of every frame, before those of the labels.
SPAN_COLUMNS = (
    "span_id",
    "trace_id",
    "parent_span_id",
    "project_id",
    "name",
    "kind",
    "status_code",
    "start_time",
    "end_time",
    "duration_ms",
    "model_name",
    "input_value",
    "output_value",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "corrected_output",
    "notes",
)
GOLD_PREFIX = "gold."


def _page(span_filter: Filter, page_size: int, cursor: str | None) -> Call[Page[SpanResult]]:
    body = {"filter": to_json(span_filter), "limit": page_size, "cursor": cursor}
    return Call("POST", "/api/v1/spans/search", read(Page[SpanResult]), json=body)


def _shown(value: AnnotationRead | GoldRead) -> Any:
    """The Label view, else the Score (as the csv export shows values)."""
    return value.label if value.label is not None else value.score


def _column(name: str) -> str:
    taken = name in SPAN_COLUMNS or name.startswith(("label:", GOLD_PREFIX))
    return f"label:{name}" if taken else name


def frame(spans: Sequence[SpanResult]) -> Any:
    """A pandas DataFrame of the spans: a row each; the columns SPAN_COLUMNS, then one per
    annotation name (label or eval, matched ignoring case, in name order) holding the
    Label view of the value, else the Score (one annotator: the value; several: the list
    of their values by annotator), then `gold.<label>` for labels with gold values. A
    label named like a span column is `label:<name>`."""
    try:
        pandas = importlib.import_module("pandas")
    except ImportError as missing:
        raise ImportError("to_pandas() needs pandas: pip install pandas") from missing
    names: dict[str, str] = {}
    gold_names: dict[str, str] = {}
    for span in spans:
        for annotation in span.annotations:
            names.setdefault(annotation.name.casefold(), annotation.name)
        for gold in span.gold:
            gold_names.setdefault(gold.name.casefold(), gold.name)
    label_keys = sorted(names)
    gold_keys = sorted(gold_names)
    columns = [
        *SPAN_COLUMNS,
        *(_column(names[key]) for key in label_keys),
        *(f"{GOLD_PREFIX}{gold_names[key]}" for key in gold_keys),
    ]
    rows = []
    for span in spans:
        by_name: dict[str, list[AnnotationRead]] = {}
        for annotation in sorted(span.annotations, key=lambda a: a.annotator_id):
            by_name.setdefault(annotation.name.casefold(), []).append(annotation)
        golds = {value.name.casefold(): value for value in span.gold}
        fields = span.model_dump(include=set(SPAN_COLUMNS))
        fields["corrected_output"] = span.correction.output if span.correction else None
        fields["notes"] = [note.text for note in span.notes]
        cells = []
        for key in label_keys:
            given = [_shown(annotation) for annotation in by_name.get(key, [])]
            cells.append(None if not given else given[0] if len(given) == 1 else given)
        rows.append(
            [
                *(fields[column] for column in SPAN_COLUMNS),
                *cells,
                *(_shown(golds[key]) if key in golds else None for key in gold_keys),
            ]
        )
    return pandas.DataFrame(rows, columns=columns)


class SpanResults:
    """The spans a filter selects, newest first: iterate for every one (the pages are
    fetched as they are reached, following the cursors); `to_pandas()` for a DataFrame.
    Each iteration searches again from the start."""

    def __init__(self, transport: SyncTransport, span_filter: Filter, page_size: int) -> None:
        self._send = transport.send
        self._filter = span_filter
        self._page_size = page_size

    def pages(self) -> Iterator[Page[SpanResult]]:
        """The pages of the search, one request each."""
        cursor: str | None = None
        while True:
            page = self._send(_page(self._filter, self._page_size, cursor))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def __iter__(self) -> Iterator[SpanResult]:
        for page in self.pages():
            yield from page.items

    def to_pandas(self) -> Any:
        """Every matching span as a pandas DataFrame (`pandas.DataFrame`), a column per
        label: see `annotrace.client.spans.frame`. Needs `pip install pandas` (the
        client does not depend on it)."""
        return frame(list(self))


class AsyncSpanResults:
    """`SpanResults` for the async client: `async for`, and `await ….to_pandas()`."""

    def __init__(self, transport: AsyncTransport, span_filter: Filter, page_size: int) -> None:
        self._send = transport.send
        self._filter = span_filter
        self._page_size = page_size

    async def pages(self) -> AsyncIterator[Page[SpanResult]]:
        """The pages of the search, one request each."""
        cursor: str | None = None
        while True:
            page = await self._send(_page(self._filter, self._page_size, cursor))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def __aiter__(self) -> AsyncIterator[SpanResult]:
        async for page in self.pages():
            for span in page.items:
                yield span

    async def to_pandas(self) -> Any:
        """Every matching span as a pandas DataFrame, a column per label. Needs
        `pip install pandas`."""
        return frame([span async for span in self])


class Spans:
    """Span search through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def search(self, filter: Filter, *, page_size: int = PAGE_SIZE) -> SpanResults:
        """The spans `filter` selects (a SpanFilter or its JSON: project_id, start_time,
        end_time, where), newest first, with their annotations, notes, correction and
        gold values; fetched `page_size` at a time as the result is iterated."""
        return SpanResults(self._transport, filter, page_size)


class AsyncSpans:
    """Span search through an async client."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def search(self, filter: Filter, *, page_size: int = PAGE_SIZE) -> AsyncSpanResults:
        """The spans `filter` selects, newest first (`async for span in …`)."""
        return AsyncSpanResults(self._transport, filter, page_size)
