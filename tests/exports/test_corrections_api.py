"""Corrected outputs through the API: set, replace, read, filter, delete; on both databases."""

from __future__ import annotations

import json

import httpx
import pytest

from annotrace.services.corrections import MAX_OUTPUT_LENGTH
from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.exports.conftest import Shop

pytestmark = pytest.mark.anyio


async def test_a_correction_is_kept_beside_the_original(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    path = f"/api/v1/spans/{shop.spans['rival']}/correction"
    assert (await client.get(path, headers=auth)).status_code == 404
    created = await client.put(
        path, headers=auth, json={"output": "It ships tomorrow.", "annotator_id": "ben"}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("cor_")
    assert (body["output"], body["original_output"], body["annotator_id"]) == (
        "It ships tomorrow.",
        "I do not know.",
        "ben",
    )
    replaced = await client.put(
        path, headers=auth, json={"output": "Tomorrow, by noon.", "annotator_id": "ana"}
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == body["id"]
    assert replaced.json()["annotator_id"] == "ana"
    assert replaced.json()["updated_at"] >= body["updated_at"]
    read = (await client.get(path, headers=auth)).json()
    assert read["output"] == "Tomorrow, by noon."
    found = await client.post(
        "/api/v1/spans/search",
        headers=auth,
        json={"filter": {"project_id": shop.project_id, "where": {"type": "correction"}}},
    )
    items = found.json()["items"]
    assert {item["span_id"] for item in items} == {shop.spans["rival"], shop.spans["plain"]}
    assert {item["correction"]["output"] for item in items} == {
        "Tomorrow, by noon.",
        "Hello! How can I help?",
    }
    without = await client.post(
        "/api/v1/spans/search",
        headers=auth,
        json={
            "filter": {
                "project_id": shop.project_id,
                "where": {"type": "correction", "exists": False},
            }
        },
    )
    assert len(without.json()["items"]) == 5
    assert all(item["correction"] is None for item in without.json()["items"])
    assert (await client.delete(path, headers=auth)).status_code == 204
    assert (await client.get(path, headers=auth)).status_code == 404
    assert (await client.delete(path, headers=auth)).status_code == 404


BAD_CORRECTIONS = [
    ({"output": "fine"}, "annotator_id"),
    ({"output": "   ", "annotator_id": "ana"}, "output"),
    ({"output": "a\x00b", "annotator_id": "ana"}, "output"),
    ({"output": "a\ud800b", "annotator_id": "ana"}, "output"),
    ({"output": "x" * (MAX_OUTPUT_LENGTH + 1), "annotator_id": "ana"}, "output"),
    ({"annotator_id": "ana"}, "body.output"),
    ({"output": 5, "annotator_id": "ana"}, "body.output"),
]


async def test_bad_corrections_are_refused_and_change_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    path = f"/api/v1/spans/{shop.spans['rival']}/correction"
    for body, field in BAD_CORRECTIONS:
        # Python's JSON, which escapes lone surrogates (httpx's json= cannot encode them).
        headers = {**auth, "Content-Type": "application/json"}
        response = await client.put(path, headers=headers, content=json.dumps(body))
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert (await client.get(path, headers=auth)).status_code == 404


async def test_corrections_stay_in_their_workspace(
    client: httpx.AsyncClient, database: Database, shop: Shop
) -> None:
    other = headers_for(make_key_pair(database, "elsewhere"))
    path = f"/api/v1/spans/{shop.spans['plain']}/correction"
    assert (await client.get(path, headers=other)).status_code == 404
    response = await client.put(path, headers=other, json={"output": "x", "annotator_id": "eve"})
    assert response.status_code == 404
    assert (await client.delete(path, headers=other)).status_code == 404
    assert (
        await client.put("/api/v1/spans/zz/correction", headers=other, json={})
    ).status_code == 422
