"""A reviewer narrows the Traces page with the filter bar, in headless Chromium."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from annotrace.storage.engine import Database
from tests.browser.conftest import Workspace, sign_in
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import BASE_TIME, make_trace


@dataclass
class Reviewed:
    traces: list[str]  # good 0.9, good 0.6, bad 0.9
    chats: list[str]


@pytest.fixture
def reviewed(workspace: Workspace, live_server: LiveServer) -> Reviewed:
    """Three more traces in `support`, their chats judged with Response Quality."""
    traces = [
        make_trace(project="support", start=BASE_TIME + timedelta(minutes=n)) for n in (3, 2, 1)
    ]
    database = Database(live_server.database_url)
    store(database, principal_of(database, workspace.name), [s for t in traces for s in t])
    database.dispose()
    api = httpx.Client(base_url=live_server.base_url, headers=workspace.headers)
    project = api.get("/api/v1/projects").json()[0]["id"]
    label = {"name": "Response Quality", "type": "categorical"}
    label["settings"] = {"options": ["good", "acceptable", "bad"]}  # type: ignore[assignment]
    assert api.post(f"/api/v1/projects/{project}/labels", json=label).status_code == 201
    chats = [trace[1].span.span_id for trace in traces]
    for chat, verdict, score in zip(chats, ("good", "good", "bad"), (0.9, 0.6, 0.9), strict=True):
        body = {"name": "Response Quality", "label": verdict, "score": score, "annotator_id": "ana"}
        assert api.post(f"/api/v1/spans/{chat}/annotations", json=body).status_code == 201
    api.close()
    return Reviewed([trace[0].span.trace_id for trace in traces], chats)


def listed(page: Page) -> list[str]:
    rows = page.locator("#trace-list .trace-row")
    return [
        rows.nth(n).get_attribute("data-span-id")
        or rows.nth(n).get_attribute("data-trace-id")
        or ""
        for n in range(rows.count())
    ]


def condition(page: Page, position: int) -> Locator:
    return page.locator("#bar-rows .bar-row").nth(position)


def first_annotation_row(page: Page, workspace: Workspace) -> Locator:
    """Signed in on the Traces page, the bar's first row turned into an annotation row."""
    sign_in(page, workspace.viewer)
    page.goto("/traces")
    first = condition(page, 0)
    first.get_by_label("Condition", exact=True).select_option("annotation")
    return first


def test_a_reviewer_filters_by_label_value_and_score(
    page: Page, reviewed: Reviewed, workspace: Workspace
) -> None:
    first = first_annotation_row(page, workspace)
    first.get_by_label("Annotation", exact=True).fill("Response Quality")
    # A categorical label offers its options.
    expect(first.get_by_label("Value", exact=True)).to_have_js_property("tagName", "SELECT")
    first.get_by_label("Value", exact=True).select_option("good")
    page.get_by_role("button", name="Add condition").click()
    second = condition(page, 1)
    expect(second.get_by_label("Condition", exact=True)).to_be_focused()
    second.get_by_label("Condition", exact=True).select_option("annotation")
    second.get_by_label("Annotation", exact=True).fill("Response Quality")
    second.get_by_label("at least", exact=True).fill("0.8")
    page.get_by_role("button", name="Apply filters").click()

    page.wait_for_url("**f1.gte=0.8**")
    expect(page.locator("#trace-list .trace-row")).to_have_count(1)
    assert listed(page) == reviewed.traces[:1]
    # Only what counts is in the URL: no empty fields, no parts of other row types.
    query = parse_qsl(urlsplit(page.url).query)
    assert [key for key, _ in query if key.startswith("f")] == [
        "f0.type",
        "f0.label",
        "f0.match",
        "f0.option",
        "f1.type",
        "f1.label",
        "f1.match",
        "f1.gte",
    ]

    page.reload()
    assert listed(page) == reviewed.traces[:1]
    expect(condition(page, 0).get_by_label("Value", exact=True)).to_have_value("good")
    expect(condition(page, 1).get_by_label("at least", exact=True)).to_have_value("0.8")

    # The spans themselves, with their chips; a row opens the drawer at its span.
    page.get_by_role("link", name="Spans", exact=True).click()
    expect(page.locator("#trace-list .span-row")).to_have_count(1)
    assert listed(page) == reviewed.chats[:1]
    row = page.locator("#trace-list .span-row")
    expect(row.locator(".chip")).to_have_text(["Response Quality: good"])
    page.reload()
    assert listed(page) == reviewed.chats[:1]
    row.locator(".open-trace").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(".span-head h3")).to_contain_text("chat")
    selected = page.locator('#drawer [role=treeitem][aria-selected="true"]')
    expect(selected).to_have_attribute("data-span-id", reviewed.chats[0])
    assert f"span={reviewed.chats[0]}" in page.url
    page.get_by_role("link", name="Close trace details").click()

    # Without the score condition, both good answers.
    condition(page, 1).get_by_role("button", name="Remove this condition").click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "f1." not in url)
    expect(page.locator("#trace-list .span-row")).to_have_count(2)
    assert listed(page) == reviewed.chats[:2]


def test_a_bad_condition_is_named_and_the_list_stays(
    page: Page, reviewed: Reviewed, workspace: Workspace
) -> None:
    first = first_annotation_row(page, workspace)
    first.get_by_label("at least", exact=True).fill("high")
    page.get_by_role("button", name="Apply filters").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Condition 1 (annotation): score.gte: Input should be a valid")
    expect(condition(page, 0).get_by_label("at least", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("#trace-list .trace-row")).to_have_count(5)  # everything, unfiltered
    # "any of" with "has no notes": every trace again, and no error.
    condition(page, 0).get_by_label("at least", exact=True).fill("")
    condition(page, 0).get_by_label("Condition", exact=True).select_option("no_notes")
    page.get_by_label("Spans matching").select_option("any")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#trace-list .trace-row")).to_have_count(5)
    assert "match=any" in page.url
