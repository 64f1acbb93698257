"""The Traces page's filter bar, in-process, on both databases: its parameters read into the
search API's span filter, the Traces and Spans views it narrows, and refusals shown next to
the bar with the list still there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.errors import InvalidInput
from annotrace.schemas.filters import SpanFilter
from annotrace.storage.engine import Database
from annotrace.web.dashboard.filter_bar import read_bar, span_filter
from tests.dashboard.test_labels_keys_pages import XSS, Browser, Page
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import BASE_TIME, make_trace

pytestmark = pytest.mark.anyio

GOOD_AND_SCORED = {
    "f0.type": "annotation",
    "f0.label": "Response Quality",
    "f0.match": "eq",
    "f0.option": "good",
    "f0.gte": "0.8",
}


# --- parameters into the filter (no database) ------------------------------------------------


def test_rows_become_the_api_filter() -> None:
    params = [
        *GOOD_AND_SCORED.items(),
        ("f1.type", "notes"),
        ("f1.not", "1"),
        ("f2.type", "span"),
        ("f2.field", "kind"),
        ("f2.op", "in"),
        ("f2.value", "llm, tool"),
        ("f3.type", "no_annotation"),
        ("f3.label", "Tone"),
        ("f4.type", "text"),
        ("f4.contains", "refund"),
        ("f4.within", "output"),
        ("f5.type", ""),  # the form's empty last row
        ("start", "2026-11-01T10:00"),
    ]
    assert span_filter(params, project_id="prj_1") == SpanFilter.model_validate(
        {
            "project_id": "prj_1",
            "start_time": "2026-11-01T10:00:00Z",
            "where": {
                "type": "and",
                "conditions": [
                    {
                        "type": "annotation",
                        "label": "Response Quality",
                        "value": {"op": "eq", "value": "good"},
                        "score": {"gte": 0.8},
                    },
                    {"type": "not", "condition": {"type": "notes"}},
                    {"type": "span", "field": "kind", "op": "in", "values": ["llm", "tool"]},
                    {"type": "annotation", "label": "Tone", "exists": False},
                    {"type": "text", "contains": "refund", "within": ["output"]},
                ],
            },
        }
    )


def test_any_of_and_the_quick_filters_read_per_span() -> None:
    params = [
        ("match", "any"),
        ("f0.type", "notes"),
        ("f1.type", "no_notes"),
        ("q", "refund"),
        ("status", "error"),
        ("kind", "LLM"),
        ("annotated", "no"),
    ]
    where = span_filter(params, project_id="p").where
    assert where is not None
    assert where.model_dump(exclude_defaults=True) == {
        "type": "and",
        "conditions": [
            {
                "type": "or",
                "conditions": [{"type": "notes"}, {"type": "notes", "exists": False}],
            },
            {"type": "text", "contains": "refund", "within": ["name", "input", "output"]},
            {"type": "span", "field": "status", "op": "eq", "value": "ERROR"},
            {"type": "span", "field": "kind", "op": "eq", "value": "LLM"},
            {"type": "annotation", "source": "human", "exists": False},
        ],
    }
    assert span_filter([], project_id="p").where is None


def test_a_browser_without_the_script_sends_every_part_and_only_the_types_count() -> None:
    noise = {"f0.field": "bogus", "f0.op": "like", "f0.value": "", "f0.contains": ""}
    noise |= {"f0.within": "input", "f0.lte": "", "f0.annotator": "", "f0.source": ""}
    bar = read_bar([*GOOD_AND_SCORED.items(), *noise.items(), ("f7.type", "notes")])
    assert bar.query() == [*GOOD_AND_SCORED.items(), ("f1.type", "notes")]
    assert bar.where() is not None


def test_the_remove_button_drops_its_row() -> None:
    bar = read_bar([("f0.type", "notes"), ("f1.type", "no_notes"), ("remove", "0")])
    assert bar.query() == [("f0.type", "no_notes")]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"f0.type": "annotation", "f0.gte": "high"},
            "f0.gte",
            "Condition 1 (annotation): score.gte: Input should be a valid number",
        ),
        (
            {"f0.type": "annotation", "f0.gte": "0.9", "f0.lte": "0.1"},
            "f0.gte",
            "Condition 1 (annotation): score: gte must not be greater than lte",
        ),
        (
            {"f0.type": "notes", "f1.type": "annotation", "f1.source": "robot"},
            "f1.source",
            "Condition 2 (annotation): source: Input should be 'human', 'eval' or 'api'",
        ),
        (
            {"f0.type": "annotation", "f0.option": "good", "f0.match": "like"},
            "f0.match",
            "Condition 1 (annotation): value.op: Input should be 'eq', 'in' or 'contains'",
        ),
        (
            {"f0.type": "span", "f0.field": "kind", "f0.op": "in"},
            "f0.value",
            "Condition 1 (span field): op 'in' needs a non-empty 'values' list",
        ),
        (
            {"f0.type": "text"},
            "f0.contains",
            "Condition 1 (text): contains: String should have at least 1 character",
        ),
        ({"f0.type": "magic"}, "f0.type", "Condition 1: there is no condition 'magic'"),
        ({"q": "x" * 501}, "q", "Search: String should have at most 500 characters"),
        ({"start": "yesterday"}, "start", "From: 'yesterday' is not a date and time"),
    ],
)
def test_a_bad_part_is_named(params: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        span_filter(params.items(), project_id="p")
    assert refused.value.field == field
    assert refused.value.message.startswith(message)


def test_more_rows_than_the_api_takes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 50 conditions"):
        span_filter([(f"f{n}.type", "notes") for n in range(51)], project_id="p")


# --- the page -----------------------------------------------------------------------------------


@dataclass
class Shop:
    project: str
    traces: list[str]  # newest first
    chats: list[str]  # the LLM span of each trace
    tools: list[str]  # the first TOOL span of each trace


@pytest.fixture
async def shop(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Shop:
    """Four traces of project `bot`; Response Quality on three chats, an eval on the fourth,
    a note on the third trace's tool span."""
    spans = [
        make_trace(project="bot", start=BASE_TIME - timedelta(minutes=n), size=3) for n in range(4)
    ]
    store(database, principal_of(database), [span for trace in spans for span in trace])
    project = (await client.get("/api/v1/projects", headers=auth)).json()[0]["id"]
    response = await client.post(
        f"/api/v1/projects/{project}/labels",
        headers=auth,
        json={
            "name": "Response Quality",
            "type": "categorical",
            "settings": {"options": ["good", "acceptable", "bad"]},
        },
    )
    assert response.status_code == 201, response.text
    chats = [trace[1].span.span_id for trace in spans]
    tools = [trace[2].span.span_id for trace in spans]
    for chat, label, score, annotator in (
        (chats[0], "good", 0.9, "ana"),
        (chats[1], "good", 0.6, "ben"),
        (chats[2], "bad", 0.2, "ana"),
    ):
        response = await client.post(
            f"/api/v1/spans/{chat}/annotations",
            headers=auth,
            json={
                "name": "Response Quality",
                "label": label,
                "score": score,
                "annotator_id": annotator,
            },
        )
        assert response.status_code == 201, response.text
    scores = [{"span_id": chats[3], "name": "faithfulness", "score": 0.95, "evaluator": "judge"}]
    response = await client.post("/api/v1/scores", headers=auth, json={"scores": scores})
    assert response.json()["created"] == 1, response.text
    response = await client.post(
        f"/api/v1/spans/{tools[2]}/notes",
        headers=auth,
        json={"text": "slow", "annotator_id": "ana"},
    )
    assert response.status_code == 201, response.text
    return Shop(project, [trace[0].span.trace_id for trace in spans], chats, tools)


@pytest.fixture
async def viewer(client: httpx.AsyncClient, database: Database) -> Browser:
    browser = Browser(client, database)
    await browser.sign_in(Role.VIEWER)
    return browser


async def listed(viewer: Browser, shop: Shop, params: dict[str, str]) -> tuple[list[str], str]:
    """(the trace ids, or span ids in the Spans view, of the list; the page)."""
    response = await viewer.get("/traces?" + urlencode({"project": shop.project, **params}))
    assert response.status_code == 200, response.text
    key = "data-span-id" if params.get("view") == "spans" else "data-trace-id"
    rows = re.findall(rf'<tr class="trace-row[^"]*"[^>]*?{key}="([0-9a-f]+)"', response.text)
    return rows, response.text


async def test_traces_with_a_span_that_matches(viewer: Browser, shop: Shop) -> None:
    t = shop.traces
    assert (await listed(viewer, shop, GOOD_AND_SCORED))[0] == [t[0]]
    assert (await listed(viewer, shop, {"f0.type": "annotation", "f0.label": "response quality"}))[
        0
    ] == t[:3]
    any_of = {"match": "any", "f0.type": "notes", **{"f1.type": "annotation", "f1.source": "eval"}}
    assert (await listed(viewer, shop, any_of))[0] == [t[2], t[3]]
    # Every span of the fourth trace lacks the label; some span of each other trace too.
    lacking = {"f0.type": "no_annotation", "f0.label": "Response Quality"}
    assert (await listed(viewer, shop, lacking))[0] == t
    # "not" on a row; the quick filters keep their trace-wide meaning.
    scored_not_good = {
        "f0.type": "annotation",
        "f0.label": "Response Quality",
        "f0.option": "good",
        "f0.not": "1",
        "f1.type": "annotation",
        "f1.gte": "0.1",
    }
    assert (await listed(viewer, shop, scored_not_good))[0] == [t[2], t[3]]
    assert (await listed(viewer, shop, {**scored_not_good, "annotated": "yes"}))[0] == [t[2]]
    one_of = {"f0.type": "annotation", "f0.match": "in", "f0.option": "bad, acceptable"}
    assert (await listed(viewer, shop, one_of))[0] == [t[2]]


async def test_the_spans_view_lists_the_spans_with_their_chips(viewer: Browser, shop: Shop) -> None:
    spans, html = await listed(viewer, shop, {"view": "spans", **GOOD_AND_SCORED})
    assert spans == [shop.chats[0]]
    page = Page(html)
    row = next(e for e in page.elements if e.attrs.get("data-span-id") == shop.chats[0])
    assert "Response Quality: good" in " ".join(row.text.split())
    opener = next(
        e for e in page.elements if e.tag == "a" and "open-trace" in e.attrs.get("class", "")
    )
    query = dict(parse_qsl(urlsplit(opener.attrs["href"]).query))
    assert (query["trace"], query["span"], query["view"]) == (
        shop.traces[0],
        shop.chats[0],
        "spans",
    )
    assert query["f0.option"] == "good"  # the filter rides along
    assert opener.attrs["data-drawer"].endswith(f"&span={shop.chats[0]}")
    # The quick filters apply to each span here.
    assert (await listed(viewer, shop, {"view": "spans", "kind": "TOOL", "f0.type": "notes"}))[
        0
    ] == [shop.tools[2]]
    assert (await listed(viewer, shop, {"view": "spans", "annotated": "yes"}))[0] == shop.chats[:3]


async def test_a_span_row_opens_the_drawer_at_its_span(viewer: Browser, shop: Shop) -> None:
    params = {"view": "spans", "trace": shop.traces[1], "span": shop.chats[1], **GOOD_AND_SCORED}
    _, html = await listed(viewer, shop, params)
    page = Page(html)
    selected = [
        e.attrs["data-span-id"]
        for e in page.elements
        if e.attrs.get("role") == "treeitem" and e.attrs.get("aria-selected") == "true"
    ]
    assert selected == [shop.chats[1]]
    assert 'id="drawer"' in html


async def test_the_spans_view_pages_with_its_cursor(
    viewer: Browser, shop: Shop, database: Database
) -> None:
    more = [
        span
        for n in range(12)
        for span in make_trace(project="bot", start=BASE_TIME - timedelta(hours=1 + n), size=4)
    ]
    store(database, principal_of(database), more)
    first, html = await listed(viewer, shop, {"view": "spans"})
    assert len(first) == 50
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', html)
    assert older is not None
    second = await viewer.get(older.group(1).replace("&amp;", "&"))
    rest = re.findall(r'data-span-id="([0-9a-f]{16})" tabindex', second.text)
    assert len(rest) == 4 * 3 + len(more) - 50
    assert not set(rest) & set(first)


def chosen(page: Page, select_id: str) -> list[str]:
    return [o.attrs["value"] for o in page.by_id(select_id).options if "selected" in o.attrs]


async def test_the_bar_shows_what_the_url_says(viewer: Browser, shop: Shop) -> None:
    params = {**GOOD_AND_SCORED, "f1.type": "no_notes", "f1.not": "1", "match": "any"}
    _, html = await listed(viewer, shop, params)
    page = Page(html)
    assert chosen(page, "f0-type") == ["annotation"]
    assert page.by_id("f0-label").attrs["value"] == "Response Quality"
    # A categorical label offers its options.
    option = page.by_id("f0-option")
    assert option.tag == "select"
    assert [o.attrs["value"] for o in option.options] == ["", "good", "acceptable", "bad"]
    assert chosen(page, "f0-option") == ["good"]
    assert page.by_id("f0-gte").attrs["value"] == "0.8"
    assert "checked" in next(e for e in page.elements if e.attrs.get("name") == "f1.not").attrs
    assert page.value("Spans matching") == "any"
    # An empty row to add one more, and the project's labels to pick from.
    assert page.by_id("f2-type").attrs["name"] == "f2.type"
    assert [e.attrs["value"] for e in page.elements if e.tag == "option" and not e.text] == [
        "Response Quality",
        "good",
        "acceptable",
        "bad",
    ]
    # Every link of the page keeps the filter.
    for href in re.findall(r'href="(/traces\?[^"]+)"', html):
        if "view=" in href or "trace=" in href:
            assert "f0.option=good" in href, href


async def test_a_bad_filter_is_named_next_to_the_bar(viewer: Browser, shop: Shop) -> None:
    params = {**GOOD_AND_SCORED, "f0.gte": "lots"}
    for view in ("traces", "spans"):
        rows, html = await listed(viewer, shop, {**params, "view": view})
        page = Page(html)
        assert page.role("alert").startswith("Condition 1 (annotation): score.gte: Input should be")
        assert page.by_id("f0-gte").attrs["aria-invalid"] == "true"
        assert page.by_id("f0-gte").attrs["aria-describedby"] == "filter-error"
        assert page.by_id("f0-gte").attrs["value"] == "lots"  # there to be fixed
        assert len(rows) == (4 if view == "traces" else 12)  # the list, unfiltered


async def test_no_parameter_breaks_the_page(viewer: Browser, shop: Shop) -> None:
    hostile: list[dict[str, Any]] = [
        {"f0.type": "annotation", "f0.label": XSS, "f0.option": XSS, "f0.annotator": XSS},
        {"f0.type": "span", "f0.field": "trace_id", "f0.op": "contains", "f0.value": "%_"},
        {"f999.type": "notes", "f0.not": "1"},
        {"f0.type": "annotation", "f0.match": "contains", "f0.option": "good"},
        {"f0.type": "text", "f0.contains": "x" * 501},
        {"f0.type": "span", "f0.op": "in", "f0.value": ",,,"},
        {"view": "spans", "cursor": "nonsense"},
        {"view": "nonsense", "match": "nonsense", "f0.type": "notes"},
    ]
    for params in hostile:
        for view in ("traces", "spans"):
            response = await viewer.get(
                "/traces?" + urlencode({"project": shop.project, "view": view} | params)
            )
            assert response.status_code == 200, (params, response.text)
            assert XSS not in response.text


async def test_the_remove_button_without_the_script(viewer: Browser, shop: Shop) -> None:
    params = {"project": shop.project, "f0.type": "notes", **{"f1.type": "no_notes"}}
    response = await viewer.get("/traces?" + urlencode({**params, "remove": "0"}))
    assert response.status_code == 303
    assert dict(parse_qsl(urlsplit(response.headers["location"]).query)) == {
        "project": shop.project,
        "f0.type": "no_notes",
    }
