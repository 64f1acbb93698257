"""Annotation queues through the API, on both databases: creating, adding items, working
them (next, submit, skip, reservations), progress, and the errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from annotrace.storage.engine import Database
from annotrace.storage.models import QueueAssignment
from annotrace.storage.types import utcnow
from tests.support.annotations import Project, make_project

pytestmark = pytest.mark.anyio


@pytest.fixture
async def project(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Project:
    return await make_project(client, database, auth, traces=4)  # 12 spans


async def create(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, **body: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "project_id": project.id,
        "name": "Review",
        "labels": [{"name": "verdict"}, {"name": "stars", "required": False}],
        **body,
    }
    response = await client.post("/api/v1/queues", headers=auth, json=payload)
    assert response.status_code == 201, response.text
    return response.json()


async def next_for(
    client: httpx.AsyncClient, auth: dict[str, str], queue: dict[str, Any], who: str
) -> dict[str, Any] | None:
    response = await client.post(
        f"/api/v1/queues/{queue['id']}/next", headers=auth, json={"annotator_id": who}
    )
    assert response.status_code == 200, response.text
    return response.json()["item"]


async def submit(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    queue: dict[str, Any],
    item_id: str,
    who: str,
    values: list[dict[str, Any]] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/queues/{queue['id']}/items/{item_id}/submit",
        headers=auth,
        json={
            "annotator_id": who,
            "values": values if values is not None else [{"name": "verdict", "value": "good"}],
        },
    )


async def test_a_queue_is_created_with_its_items_and_worked_to_the_end(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(
        client, auth, project, items={"span_ids": project.spans[:3]}, instructions="# Be *kind*"
    )
    assert queue["status"] == "active"
    assert queue["annotators"] is None
    assert queue["annotators_per_item"] == 1
    assert queue["reservation_seconds"] == 600
    assert [label["name"] for label in queue["labels"]] == ["verdict", "stars"]
    assert [label["required"] for label in queue["labels"]] == [True, False]
    assert queue["progress"]["total"] == 3
    assert queue["progress"]["pending"] == 3
    seen = []
    while (item := await next_for(client, auth, queue, "ann@example.com")) is not None:
        assert item["assignment"] == "reserved"
        assert item["reserved_until"]
        assert [label["name"] for label in item["labels"]] == ["verdict", "stars"]
        seen.append(item["span"]["span_id"])
        response = await submit(
            client,
            auth,
            queue,
            item["item"]["id"],
            "ann@example.com",
            [
                {"name": "verdict", "value": "good"},
                {"label_id": project.labels["stars"], "value": 4},
            ],
        )
        assert response.status_code == 200, response.text
        assert response.json()["assignment"] == "completed"
    assert seen == project.spans[:3]
    done = (await client.get(f"/api/v1/queues/{queue['id']}", headers=auth)).json()
    assert done["done"] is True
    assert done["progress"]["completed"] == 3
    assert done["progress"]["annotators"] == [
        {"annotator_id": "ann@example.com", "completed": 3, "skipped": 0, "in_progress": 0}
    ]
    # Completed work is ordinary annotations.
    listed = (
        await client.get(f"/api/v1/spans/{project.spans[0]}/annotations", headers=auth)
    ).json()
    assert {(a["name"], a["label"], a["score"]) for a in listed} == {
        ("verdict", "good", None),
        ("stars", None, 4.0),
    }


async def test_concurrent_annotators_never_get_the_same_item(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    """Eight annotators ask at once, round after round, until nothing is left: each item
    is handed to exactly one of them while it needs one."""
    import asyncio

    queue = await create(client, auth, project, items={"span_ids": project.spans})
    annotators = [f"a{n}@example.com" for n in range(8)]
    handed: list[str] = []
    while True:
        items = await asyncio.gather(*(next_for(client, auth, queue, who) for who in annotators))
        held = [(who, item) for who, item in zip(annotators, items, strict=True) if item]
        if not held:
            break
        ids = [item["item"]["id"] for _, item in held]
        assert len(ids) == len(set(ids)), f"one item went to two annotators: {ids}"
        handed += ids
        results = await asyncio.gather(
            *(submit(client, auth, queue, item["item"]["id"], who) for who, item in held)
        )
        assert [r.status_code for r in results] == [200] * len(held)
    assert sorted(handed) == sorted(set(handed))
    assert len(handed) == len(project.spans)
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert progress["done"] is True
    assert progress["completed"] == len(project.spans)


async def test_an_item_needing_two_annotators_goes_to_two_and_no_third(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(
        client, auth, project, annotators_per_item=2, items={"span_ids": project.spans[:1]}
    )
    first = await next_for(client, auth, queue, "a@example.com")
    second = await next_for(client, auth, queue, "b@example.com")
    assert first
    assert second
    assert first["item"]["id"] == second["item"]["id"]
    assert await next_for(client, auth, queue, "c@example.com") is None
    assert (
        await submit(client, auth, queue, first["item"]["id"], "a@example.com")
    ).status_code == 200
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["in_progress"], progress["completed"], progress["done"]) == (1, 0, False)
    # The third annotator cannot take it by submitting either.
    refused = await submit(client, auth, queue, first["item"]["id"], "c@example.com")
    assert refused.status_code == 409
    assert (
        await submit(client, auth, queue, first["item"]["id"], "b@example.com")
    ).status_code == 200
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["completed"], progress["done"]) == (1, True)


async def test_the_same_annotator_gets_the_item_they_hold_until_it_runs_out(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, database: Database
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:2]})
    held = await next_for(client, auth, queue, "a@example.com")
    again = await next_for(client, auth, queue, "a@example.com")
    assert held
    assert again
    assert held["item"]["id"] == again["item"]["id"]
    other = await next_for(client, auth, queue, "b@example.com")
    assert other
    assert other["item"]["id"] != held["item"]["id"]
    assert await next_for(client, auth, queue, "c@example.com") is None
    # a's reservation runs out: the item is free again, and c gets it.
    with database.write() as session:
        session.execute(
            update(QueueAssignment)
            .where(QueueAssignment.annotator_id == "a@example.com")
            .values(reserved_until=utcnow() - timedelta(seconds=1))
        )
    freed = await next_for(client, auth, queue, "c@example.com")
    assert freed
    assert freed["item"]["id"] == held["item"]["id"]
    # a comes back too late: the item is c's now.
    late = await submit(client, auth, queue, held["item"]["id"], "a@example.com")
    assert late.status_code == 409
    assert "next item" in late.json()["error"]["message"]


async def test_skipped_items_go_to_others_and_are_counted(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:2]})
    first = await next_for(client, auth, queue, "a@example.com")
    assert first
    response = await client.post(
        f"/api/v1/queues/{queue['id']}/items/{first['item']['id']}/skip",
        headers=auth,
        json={"annotator_id": "a@example.com"},
    )
    assert response.status_code == 200
    assert response.json()["assignment"] == "skipped"
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["skipped"], progress["pending"]) == (1, 1)
    after = await next_for(client, auth, queue, "a@example.com")
    assert after
    assert after["item"]["id"] != first["item"]["id"]
    other = await next_for(client, auth, queue, "b@example.com")
    assert other
    assert other["item"]["id"] == first["item"]["id"]
    # Having skipped, a may still change their mind and submit it.
    assert (
        await submit(client, auth, queue, after["item"]["id"], "a@example.com")
    ).status_code == 200
    listed = (
        await client.get(
            f"/api/v1/queues/{queue['id']}/items", headers=auth, params={"status": "completed"}
        )
    ).json()
    assert [item["id"] for item in listed["items"]] == [after["item"]["id"]]


async def test_items_from_a_filter_are_every_matching_span_once(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    where = {"type": "span", "field": "kind", "op": "in", "values": ["LLM", "TOOL", "CHAIN"]}
    search = await client.post(
        "/api/v1/spans/search",
        headers=auth,
        json={"filter": {"project_id": project.id, "where": where}, "limit": 500},
    )
    expected = [span["span_id"] for span in search.json()["items"]]
    assert 0 < len(expected) < len(project.spans)
    queue = await create(client, auth, project, items={"filter": {"where": where}})
    assert queue["progress"]["total"] == len(expected)
    items = (
        await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth, params={"limit": 2})
    ).json()
    pages = [items]
    while items["next_cursor"]:
        items = (
            await client.get(
                f"/api/v1/queues/{queue['id']}/items",
                headers=auth,
                params={"limit": 2, "cursor": items["next_cursor"]},
            )
        ).json()
        pages.append(items)
    assert [item["span_id"] for page in pages for item in page["items"]] == expected
    # The same filter again, and ids among them: nothing is added twice.
    again = await client.post(
        f"/api/v1/queues/{queue['id']}/items",
        headers=auth,
        json={"filter": {"where": where}, "span_ids": project.spans},
    )
    assert again.status_code == 200, again.text
    assert again.json() == {
        "added": len(project.spans) - len(expected),
        "already_in_queue": len(expected),
        "total": len(project.spans),
    }


async def test_a_random_sample_of_a_filter(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"filter": {}, "sample": 5})
    assert queue["progress"]["total"] == 5
    items = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()
    assert len({item["span_id"] for item in items["items"]}) == 5
    assert {item["span_id"] for item in items["items"]} <= set(project.spans)


async def test_assigned_annotators_only(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(
        client, auth, project, annotators=["a@example.com"], items={"span_ids": project.spans[:1]}
    )
    assert queue["annotators"] == ["a@example.com"]
    response = await client.post(
        f"/api/v1/queues/{queue['id']}/next", headers=auth, json={"annotator_id": "b@example.com"}
    )
    assert response.status_code == 403
    assert "not one of the annotators" in response.json()["error"]["message"]
    assert await next_for(client, auth, queue, "a@example.com") is not None
    opened = await client.patch(
        f"/api/v1/queues/{queue['id']}", headers=auth, json={"annotators": None}
    )
    assert opened.json()["annotators"] is None
    assert (
        await client.post(
            f"/api/v1/queues/{queue['id']}/next",
            headers=auth,
            json={"annotator_id": "b@example.com"},
        )
    ).status_code == 200


async def test_pause_resume_archive_and_remove(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:2]})
    url = f"/api/v1/queues/{queue['id']}"
    assert (await client.patch(url, headers=auth, json={"status": "paused"})).json()[
        "status"
    ] == "paused"
    response = await client.post(f"{url}/next", headers=auth, json={"annotator_id": "a@x"})
    assert response.json() == {"item": None, "message": "Queue 'Review' is paused."}
    await client.patch(url, headers=auth, json={"status": "active"})
    item = await next_for(client, auth, queue, "a@x")
    assert item
    removed = await client.delete(f"{url}/items/{item['item']['id']}", headers=auth)
    assert removed.status_code == 204
    assert (
        await client.delete(f"{url}/items/{item['item']['id']}", headers=auth)
    ).status_code == 404
    assert (await client.get(url, headers=auth)).json()["progress"]["total"] == 1
    await client.patch(url, headers=auth, json={"status": "archived"})
    other = (await client.get(f"{url}/items", headers=auth)).json()["items"][0]
    refused = await submit(client, auth, queue, other["id"], "a@x")
    assert refused.status_code == 409
    assert (
        await client.post(f"{url}/items", headers=auth, json={"span_ids": project.spans[5:6]})
    ).status_code == 409
    listed = await client.get("/api/v1/queues", headers=auth, params={"project_id": project.id})
    assert [q["status"] for q in listed.json()] == ["archived"]


async def test_more_annotators_per_item_reopens_completed_items(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:1]})
    item = await next_for(client, auth, queue, "a@x")
    assert item
    await submit(client, auth, queue, item["item"]["id"], "a@x")
    url = f"/api/v1/queues/{queue['id']}"
    assert (await client.get(url, headers=auth)).json()["done"] is True
    changed = (await client.patch(url, headers=auth, json={"annotators_per_item": 2})).json()
    assert changed["done"] is False
    assert changed["progress"]["in_progress"] == 1
    assert await next_for(client, auth, queue, "a@x") is None
    assert await next_for(client, auth, queue, "b@x") is not None


async def test_values_are_checked_all_at_once(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:1]})
    item = await next_for(client, auth, queue, "a@x")
    assert item
    item_id = item["item"]["id"]
    cases = [
        ([], "values", "missing: 'verdict'"),
        ([{"name": "stars", "value": 3}], "values", "missing: 'verdict'"),
        ([{"name": "verdict", "value": "great"}], "values.0.value", "is not an option"),
        (
            [{"name": "verdict", "value": "good"}, {"name": "stars", "value": 9}],
            "values.1.value",
            "rating",
        ),
        (
            [{"name": "verdict", "value": "good"}, {"name": "helpfulness", "value": 1}],
            "values.1.name",
            "has no label",
        ),
        (
            [{"name": "verdict", "value": "good"}, {"name": "Verdict", "value": "bad"}],
            "values.1",
            "twice",
        ),
    ]
    for values, field, message in cases:
        response = await submit(client, auth, queue, item_id, "a@x", values)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field, error
        assert message in error["message"], error
    annotations = (
        await client.get(f"/api/v1/spans/{project.spans[0]}/annotations", headers=auth)
    ).json()
    assert annotations == []
    assert (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()[
        "in_progress"
    ] == 1


async def test_resubmitting_changes_the_values_and_clears_an_optional_one(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:1]})
    item = await next_for(client, auth, queue, "a@x")
    assert item
    item_id = item["item"]["id"]
    await submit(
        client,
        auth,
        queue,
        item_id,
        "a@x",
        [{"name": "verdict", "value": "good"}, {"name": "stars", "value": 2, "reason": "short"}],
    )
    again = await submit(
        client,
        auth,
        queue,
        item_id,
        "a@x",
        [{"name": "verdict", "value": ["bad"]}, {"name": "stars", "value": None}],
    )
    assert again.status_code == 200
    assert [(v["name"], v["value"]) for v in again.json()["values"]] == [("verdict", ["bad"])]
    annotations = (
        await client.get(f"/api/v1/spans/{project.spans[0]}/annotations", headers=auth)
    ).json()
    assert [(a["name"], a["label"]) for a in annotations] == [("verdict", "bad")]


async def test_bad_queue_input_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    base = {"project_id": project.id, "name": "Q", "labels": [{"name": "verdict"}]}
    cases = [
        ({**base, "labels": []}, "body.labels"),
        ({**base, "labels": [{"name": "nope"}]}, "labels.0.name"),
        ({**base, "labels": [{"label_id": "lbl_00000000000000000000"}]}, "labels.0.label_id"),
        (
            {**base, "labels": [{"name": "verdict"}, {"label_id": project.labels["verdict"]}]},
            "labels.1.label_id",
        ),
        ({**base, "annotators_per_item": 0}, "body.annotators_per_item"),
        ({**base, "reservation_seconds": 0}, "body.reservation_seconds"),
        (
            {**base, "items": {"span_ids": [project.spans[0], "0123456789abcdef"]}},
            "items.span_ids.1",
        ),
        ({**base, "items": {"sample": 3}}, "body.items"),
        ({**base, "items": {}}, "body.items"),
        ({**base, "name": ""}, "body.name"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/queues", headers=auth, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field, response.json()
    assert (await client.get("/api/v1/queues", headers=auth)).json() == []
    await create(client, auth, project, name="Q")
    taken = await client.post("/api/v1/queues", headers=auth, json={**base, "name": "q"})
    assert taken.status_code == 409


async def test_other_workspaces_see_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, database: Database
) -> None:
    from tests.conftest import headers_for, make_key_pair

    queue = await create(client, auth, project, items={"span_ids": project.spans[:1]})
    other = headers_for(make_key_pair(database, "globex"))
    url = f"/api/v1/queues/{queue['id']}"
    assert (await client.get(url, headers=other)).status_code == 404
    assert (
        await client.post(f"{url}/next", headers=other, json={"annotator_id": "x"})
    ).status_code == 404
    assert (await client.get("/api/v1/queues", headers=other)).json() == []
    foreign = await client.post(
        "/api/v1/queues",
        headers=other,
        json={"project_id": project.id, "name": "Steal", "labels": [{"name": "verdict"}]},
    )
    assert foreign.status_code == 404
