"""Queues in headless Chromium: an admin creates one with the form, two annotators in two
browsers work it to the end with the keyboard alone, and the queue's page shows the
agreement that scikit-learn and `krippendorff` compute from the same values."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import krippendorff
import pytest
from playwright.sync_api import Browser, Page, expect
from sklearn.metrics import cohen_kappa_score

from annotrace.domain.access import Role
from annotrace.services.users import create_user
from annotrace.storage.engine import Database
from tests.browser.conftest import HOSTILE, PASSWORD, Workspace, open_page, sign_in
from tests.support.servers import LiveServer

VERDICTS = ["good", "bad", "meh"]


def api(live_server: LiveServer, workspace: Workspace) -> httpx.Client:
    return httpx.Client(base_url=f"{live_server.base_url}/api/v1", headers=workspace.headers)


def setup_labels(client: httpx.Client) -> tuple[str, list[str]]:
    """The project's id, with labels verdict (categorical) and stars; its span ids."""
    project = client.get("/projects").json()[0]["id"]
    for body in (
        {"name": "verdict", "type": "categorical", "settings": {"options": VERDICTS}},
        {"name": "stars", "type": "star", "settings": {"no_of_stars": 5}},
    ):
        assert client.post(f"/projects/{project}/labels", json=body).status_code == 201
    spans = client.post(
        "/spans/search", json={"filter": {"project_id": project}, "limit": 500}
    ).json()["items"]
    return project, [span["span_id"] for span in spans]


@pytest.fixture
def second_annotator(live_server: LiveServer, workspace: Workspace) -> str:
    email = f"second-{workspace.name}@example.com"
    database = Database(live_server.database_url)
    with database.write() as session:
        create_user(
            session=session,
            workspace=workspace.name,
            email=email,
            password=PASSWORD,
            role=Role.ANNOTATOR,
        )
    database.dispose()
    return email


@pytest.fixture
def second_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    with open_page(browser, live_server) as opened:
        yield opened


def current_item(page: Page) -> str | None:
    review = page.locator(".review")
    return review.get_attribute("data-item") if review.count() else None


def answer(page: Page, verdict_key: str, stars_key: str) -> None:
    """Fill an item with the keyboard alone, and submit it with Enter."""
    page.wait_for_load_state("load")
    page.keyboard.press(verdict_key)  # the first label is selected; on to the next
    page.keyboard.press(stars_key)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def test_an_admin_creates_a_queue_and_two_annotators_work_it_to_the_end(
    page: Page,
    second_page: Page,
    workspace: Workspace,
    live_server: LiveServer,
    second_annotator: str,
) -> None:
    with api(live_server, workspace) as client:
        _, spans = setup_labels(client)
    sign_in(page, workspace.admin)
    page.get_by_role("link", name="Queues").click()
    page.get_by_label("Queue name", exact=True).fill("First pass")
    page.get_by_label("Instructions (Markdown)").fill(f"Judge the **answer**. {HOSTILE}")
    page.get_by_label("verdict", exact=False).first.check()
    page.locator("input[name=label]").nth(1).check()
    page.locator("input[name=optional]").nth(1).check()  # stars are optional
    page.get_by_label("These span ids:").check()
    page.get_by_label("Span ids (one a line)").fill("\n".join(spans))
    page.get_by_role("button", name="Create queue").click()
    expect(page.get_by_role("status")).to_have_text(f"Queue created with {len(spans)} items.")
    expect(page.locator(".markdown strong")).to_have_text("answer")
    expect(page.locator(".markdown")).to_contain_text("<script>")  # shown, never run
    queue_url = page.url.split("?")[0]

    sign_in(page, workspace.annotator)
    sign_in(second_page, second_annotator)
    for reviewer in (page, second_page):
        reviewer.goto(queue_url)
        reviewer.get_by_role("link", name="Start reviewing").click()
        reviewer.wait_for_load_state("load")
    handed: dict[str, list[str]] = {"first": [], "second": []}
    while True:
        first, second = current_item(page), current_item(second_page)
        if first is None and second is None:
            break
        assert first != second, "two annotators were given the same item at once"
        if first is not None:
            handed["first"].append(first)
            answer(page, "1", "4")
        if second is not None:
            handed["second"].append(second)
            answer(second_page, "2", "5")
    assert handed["first"]
    assert handed["second"]
    assert sorted(handed["first"] + handed["second"]) == sorted(
        set(handed["first"] + handed["second"])
    )
    assert len(handed["first"]) + len(handed["second"]) == len(spans)
    expect(page.locator(".review-empty")).to_contain_text("Nothing is left")
    expect(page.locator(".review-progress")).to_contain_text(
        f"Done {len(spans)} / {len(spans)} · mine {len(handed['first'])}"
    )
    assert page.evaluate("window.__pwned") is None

    # Back through one's own items with the arrow keys, and a change of mind.
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("ArrowLeft")
    assert current_item(page) == handed["first"][-1]
    expect(page.locator(".review-form")).to_contain_text("You submitted this item")
    expect(page.get_by_label("good")).to_be_checked()
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("ArrowLeft")
    assert current_item(page) == handed["first"][-2]
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("ArrowRight")
    assert current_item(page) == handed["first"][-1]
    answer(page, "3", "1")

    page.goto(queue_url)
    expect(page.locator(".queue-status")).to_have_text("done")
    with api(live_server, workspace) as client:
        queue = client.get(f"/queues/{queue_url.rsplit('/', 1)[1]}").json()
    assert queue["done"] is True
    assert {a["annotator_id"]: a["completed"] for a in queue["progress"]["annotators"]} == {
        workspace.annotator: len(handed["first"]),
        second_annotator: len(handed["second"]),
    }


def test_agreement_disagreements_and_adjudication(
    page: Page,
    second_page: Page,
    workspace: Workspace,
    live_server: LiveServer,
    second_annotator: str,
) -> None:
    with api(live_server, workspace) as client:
        project, spans = setup_labels(client)
        queue = client.post(
            "/queues",
            json={
                "project_id": project,
                "name": "Double",
                "labels": [{"name": "verdict"}, {"name": "stars"}],
                "annotators_per_item": 2,
                "items": {"span_ids": spans},
            },
        ).json()
    # Two annotators, the same items; the second disagrees on every other item.
    given: dict[str, dict[str, tuple[int, int]]] = {"first": {}, "second": {}}
    for reviewer, email, who in (
        (page, workspace.annotator, "first"),
        (second_page, second_annotator, "second"),
    ):
        sign_in(reviewer, email)
        reviewer.goto(f"/queues/{queue['id']}/review")
        while (item := current_item(reviewer)) is not None:
            index = spans.index(reviewer.locator(".review-span code").first.inner_text())
            verdict = 1 if who == "first" or index % 2 else 2
            stars = 3 + (index % 3) if who == "first" else 3 + (index % 2)
            given[who][item] = (verdict, stars)
            answer(reviewer, str(verdict), str(stars))
    items = sorted(given["first"])
    assert items == sorted(given["second"])
    first_verdicts = [VERDICTS[given["first"][i][0] - 1] for i in items]
    second_verdicts = [VERDICTS[given["second"][i][0] - 1] for i in items]
    first_stars = [given["first"][i][1] for i in items]
    second_stars = [given["second"][i][1] for i in items]
    kappa = cohen_kappa_score(first_verdicts, second_verdicts)
    codes = {v: n for n, v in enumerate(VERDICTS)}
    alpha = krippendorff.alpha(
        reliability_data=[[codes[v] for v in first_verdicts], [codes[v] for v in second_verdicts]],
        level_of_measurement="nominal",
    )
    stars_alpha = krippendorff.alpha(
        reliability_data=[first_stars, second_stars], level_of_measurement="interval"
    )
    agreeing = sum(a == b for a, b in zip(first_verdicts, second_verdicts, strict=True))

    sign_in(page, workspace.admin)
    page.goto(f"/queues/{queue['id']}")
    row = page.locator("table.agreement tbody tr").filter(has_text="verdict")
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(str(len(items)))
    expect(cells.nth(1)).to_have_text("2")
    expect(cells.nth(2)).to_have_text(f"{agreeing / len(items) * 100:.0f}%")
    expect(cells.nth(3)).to_have_text(f"{kappa:.3f}")
    expect(cells.nth(4)).to_have_text(f"{alpha:.3f}")
    expect(cells.nth(5).get_by_role("link")).to_have_accessible_name(
        f"{len(items) - agreeing} disagreements on verdict"
    )
    stars_row = page.locator("table.agreement tbody tr").filter(has_text="stars")
    expect(stars_row.locator("td").nth(4)).to_have_text(f"{stars_alpha:.3f}")
    expect(page.locator("figure.distribution").first).to_contain_text(workspace.annotator)

    # One click: the disagreements, as the Traces page's spans.
    page.get_by_role("link", name="Show disagreements on verdict").click()
    expect(page.locator("#f0-type")).to_have_value("disagree")
    expect(page.locator("tbody tr")).to_have_count(len(items) - agreeing)

    page.goto(f"/queues/{queue['id']}/adjudicate")
    cards = page.locator("article.disagreement").filter(has_text="verdict")
    expect(cards).to_have_count(len(items) - agreeing)
    card = cards.first
    expect(card.locator("tbody tr")).to_have_count(2)
    card.get_by_label("Gold value").select_option("meh")
    card.get_by_label("Why this value").fill("neither is right")
    card.get_by_role("button", name="Record gold value").click()
    expect(page.get_by_role("status")).to_have_text("Gold value saved.")
    expect(page.locator(".gold-value").first).to_contain_text("meh")
    with api(live_server, workspace) as client:
        gold = client.post(
            "/spans/search",
            json={"filter": {"project_id": project, "where": {"type": "gold"}}},
        ).json()["items"]
    assert len(gold) == 1
