"""The Queues pages in-process, on both databases, as a browser without the script uses
them: creating a queue from the Traces page's filter, changing its settings, the review
form's refusals, adjudication, and who may do what."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.storage.engine import Database
from tests.dashboard.test_labels_keys_pages import XSS, Browser, Page
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_span, make_trace

pytestmark = pytest.mark.anyio


@pytest.fixture
async def setup(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> dict[str, Any]:
    """Project bot: four spans (one hostile), labels verdict and stars."""
    spans = [
        *make_trace(project="bot", size=3),
        make_span(project="bot", name=XSS, input_value=XSS),
    ]
    store(database, principal_of(database), spans)
    project = (await client.get("/api/v1/projects", headers=auth)).json()[0]["id"]
    labels = {}
    for body in (
        {"name": "verdict", "type": "categorical", "settings": {"options": ["good", "bad"]}},
        {"name": "stars", "type": "star", "settings": {"no_of_stars": 5}},
    ):
        response = await client.post(f"/api/v1/projects/{project}/labels", headers=auth, json=body)
        labels[body["name"]] = response.json()["id"]
    return {"project": project, "labels": labels, "spans": [s.span.span_id for s in spans]}


@pytest.fixture
async def admin(client: httpx.AsyncClient, database: Database) -> Browser:
    browser = Browser(client, database)
    await browser.sign_in(Role.ADMIN)
    return browser


def settings_form(labels: dict[str, str], **fields: Any) -> list[tuple[str, str]]:
    return [
        ("queue_name", "Pass one"),
        ("instructions", f"Be **kind**. {XSS}"),
        ("label", labels["verdict"]),
        ("label", labels["stars"]),
        ("optional", labels["stars"]),
        ("who", "all"),
        ("per_item", "1"),
        ("reservation", "5"),
        *fields.items(),
    ]


async def post(browser: Browser, url: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    """A form post with repeated fields (checkboxes), as browsers send it."""
    return await browser.client.post(
        url,
        content=urlencode([("csrf_token", browser.csrf), *pairs]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_a_queue_made_from_the_traces_page_filter(
    admin: Browser, setup: dict[str, Any], client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    page = Page(
        (
            await admin.get(
                f"/queues?project={setup['project']}&f0.type=span&f0.field=kind&f0.op=eq&f0.value=TOOL"
            )
        ).text
    )
    assert page.hidden("f0.type") == "span"  # the filter rides along
    pairs = [
        ("project", setup["project"]),
        *settings_form(setup["labels"]),
        ("source", "filter"),
        ("f0.type", "text"),
        ("f0.contains", "onerror"),
        ("f0.within", "name"),
    ]
    response = await post(admin, "/queues", pairs)
    assert response.status_code == 303, response.text
    queue_url = response.headers["location"].split("?")[0]
    queue = (await client.get(f"/api/v1{queue_url}", headers=auth)).json()
    assert queue["progress"]["total"] == 1  # only the hostile span's name matches
    assert [(label["name"], label["required"]) for label in queue["labels"]] == [
        ("verdict", True),
        ("stars", False),
    ]
    assert queue["reservation_seconds"] == 300
    html = (await admin.get(queue_url)).text
    assert "<strong>kind</strong>" in html
    assert XSS not in html  # the instructions' markup is shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_a_refused_queue_says_why_and_keeps_the_form(
    admin: Browser, setup: dict[str, Any], client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    no_labels = [p for p in settings_form(setup["labels"]) if p[0] not in ("label", "optional")]
    response = await post(admin, "/queues", [("project", setup["project"]), *no_labels])
    assert response.status_code == 422
    page = Page(response.text)
    assert page.value("Queue name") == "Pass one"
    assert "choose one or more labels" in response.text
    nobody = settings_form(setup["labels"], who="some")
    response = await post(
        admin, "/queues", [("project", setup["project"]), *nobody, ("source", "none")]
    )
    assert response.status_code == 422
    assert "choose the annotators" in response.text
    bad_ids = [
        ("project", setup["project"]),
        *settings_form(setup["labels"]),
        ("source", "ids"),
        ("span_ids", "0123456789abcdef"),
    ]
    response = await post(admin, "/queues", bad_ids)
    assert response.status_code == 422
    assert "is not a span of project" in response.text
    assert (await client.get("/api/v1/queues", headers=auth)).json() == []


async def test_settings_change_and_the_items_are_managed(
    admin: Browser, setup: dict[str, Any], client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await post(
        admin,
        "/queues",
        [
            ("project", setup["project"]),
            *settings_form(setup["labels"]),
            ("source", "ids"),
            ("span_ids", "\n".join(setup["spans"][:2])),
        ],
    )
    queue_url = created.headers["location"].split("?")[0]
    page = Page((await admin.get(queue_url)).text)
    assert page.value("Queue name") == "Pass one"
    assert page.value("Reservation (minutes)") == "5"
    changed = await post(
        admin,
        f"{queue_url}/settings",
        [
            *settings_form(setup["labels"], queue_name="Pass two", per_item="2", who="some"),
            ("annotator", "admin@acme.test"),
            ("reviewer", "admin@acme.test"),
        ],
    )
    assert changed.status_code == 303
    queue = (await client.get(f"/api/v1{queue_url}", headers=auth)).json()
    assert (queue["name"], queue["annotators_per_item"]) == ("Pass two", 2)
    assert (queue["annotators"], queue["reviewers"]) == (["admin@acme.test"], ["admin@acme.test"])
    refused = await post(
        admin, f"{queue_url}/settings", settings_form(setup["labels"], per_item="0")
    )
    assert refused.status_code == 422
    assert (await client.get(f"/api/v1{queue_url}", headers=auth)).json()[
        "annotators_per_item"
    ] == 2

    assert (
        await post(admin, f"{queue_url}/items", [("span_ids", setup["spans"][3])])
    ).status_code == 303
    items = (await client.get(f"/api/v1{queue_url}/items", headers=auth)).json()["items"]
    assert len(items) == 3
    assert (await post(admin, f"{queue_url}/items/{items[0]['id']}/remove", [])).status_code == 303
    for action, status in (("pause", "paused"), ("resume", "active"), ("archive", "archived")):
        assert (await post(admin, f"{queue_url}/status", [("action", action)])).status_code == 303
        assert (await client.get(f"/api/v1{queue_url}", headers=auth)).json()["status"] == status
    queue = (await client.get(f"/api/v1{queue_url}", headers=auth)).json()
    assert queue["progress"]["total"] == 2


async def test_the_review_form_refuses_a_bad_submission_next_to_its_label(
    admin: Browser, setup: dict[str, Any], client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await post(
        admin,
        "/queues",
        [
            ("project", setup["project"]),
            *settings_form(setup["labels"]),
            ("source", "ids"),
            ("span_ids", setup["spans"][3]),
        ],
    )
    queue_url = created.headers["location"].split("?")[0]
    review = await admin.get(f"{queue_url}/review")
    assert review.status_code == 200
    assert XSS not in review.text  # the hostile span's content, escaped
    page = Page(review.text)
    action = next(a for a in page.forms("post") if a.endswith("/submit"))
    stars = f"v.{setup['labels']['stars']}"
    refused = await post(admin, action, [(stars, "3")])
    assert refused.status_code == 422
    assert "missing: 'verdict'" in Page(refused.text).role("alert")
    refused = await post(admin, action, [(f"v.{setup['labels']['verdict']}", "good"), (stars, "9")])
    assert refused.status_code == 422
    assert Page(refused.text).role("alert") == (
        "9 is not a rating of label 'stars': give a whole number from 1 to 5"
    )
    done = await post(admin, action, [(f"v.{setup['labels']['verdict']}", "good"), (stars, "4")])
    assert done.status_code == 303
    assert done.headers["location"] == f"{queue_url}/review"
    assert "Nothing is left" in (await admin.get(f"{queue_url}/review")).text
    annotations = (
        await client.get(f"/api/v1/spans/{setup['spans'][3]}/annotations", headers=auth)
    ).json()
    assert sorted((a["name"], a["label"], a["score"]) for a in annotations) == [
        ("stars", None, 4.0),
        ("verdict", "good", None),
    ]


async def test_viewers_read_but_neither_create_review_nor_adjudicate(
    client: httpx.AsyncClient, database: Database, setup: dict[str, Any], auth: dict[str, str]
) -> None:
    queue = (
        await client.post(
            "/api/v1/queues",
            headers=auth,
            json={
                "project_id": setup["project"],
                "name": "Q",
                "labels": [{"name": "verdict"}],
                "items": {"span_ids": setup["spans"]},
            },
        )
    ).json()
    viewer = Browser(client, database)
    await viewer.sign_in(Role.VIEWER)
    page = await viewer.get(f"/queues/{queue['id']}")
    assert page.status_code == 200
    assert "Start reviewing" not in page.text
    assert "Create queue" not in (await viewer.get("/queues")).text
    assert (await viewer.get(f"/queues/{queue['id']}/review")).status_code == 403
    created = await post(
        viewer, "/queues", [("project", setup["project"]), *settings_form(setup["labels"])]
    )
    assert created.status_code == 403
    items = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()["items"]
    gold = await post(
        viewer,
        f"/queues/{queue['id']}/items/{items[0]['id']}/gold",
        [
            ("label_id", queue["labels"][0]["label_id"]),
            (f"v.{queue['labels'][0]['label_id']}", "good"),
        ],
    )
    assert gold.status_code == 403
    # Without the CSRF token nothing changes, whoever asks.
    forged = await client.post(f"/queues/{queue['id']}/status", data={"action": "archive"})
    assert forged.status_code == 403
    assert (await client.get(f"/api/v1/queues/{queue['id']}", headers=auth)).json()[
        "status"
    ] == "active"
