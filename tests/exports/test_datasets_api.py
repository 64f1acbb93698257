"""Saved datasets: versions, downloads byte for byte, listing, deletion; on both databases."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from annotrace.services import datasets
from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.exports.conftest import Shop

pytestmark = pytest.mark.anyio

GOOD = {"type": "annotation", "label": "verdict", "value": {"op": "eq", "value": "good"}}


async def save(client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, **body) -> dict:
    response = await client.post(
        "/api/v1/datasets",
        headers=auth,
        json={"filter": {"project_id": shop.project_id, "where": GOOD}, "name": "Golden", **body},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def download(client: httpx.AsyncClient, auth: dict[str, str], version: dict) -> bytes:
    response = await client.get(version["download_url"], headers=auth)
    assert response.status_code == 200, response.text
    assert hashlib.sha256(response.content).hexdigest() == version["sha256"]
    assert int(response.headers["content-length"]) == version["byte_size"]
    return response.content


async def test_a_saved_version_downloads_the_same_bytes_later(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    first = await save(client, auth, shop, description="Good answers")
    assert (first["name"], first["version"], first["format"]) == ("Golden", 1, "jsonl")
    assert (first["span_count"], first["record_count"], first["skipped"]) == (1, 1, {})
    assert first["created_by"].startswith("key atk_")
    assert first["filter"]["where"]["label"] == "verdict"
    saved = await download(client, auth, first)
    assert [json.loads(line)["span_id"] for line in saved.splitlines()] == [shop.spans["chat"]]

    # The project changes: one more span is good. Version 1 stays as it was.
    response = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth,
        json={
            "records": [
                {
                    "observation_span_id": shop.spans["rival"],
                    "annotations": [
                        {
                            "annotation_label_id": shop.labels["verdict"],
                            "annotator_id": "ana",
                            "value_str_list": ["good"],
                        }
                    ],
                }
            ]
        },
    )
    assert response.json()["result"]["errorsCount"] == 0
    second = await save(client, auth, shop, name="golden", format="csv")
    assert (second["dataset_id"], second["version"], second["span_count"]) == (
        first["dataset_id"],
        2,
        2,
    )
    assert await download(client, auth, first) == saved
    response = await client.get(second["download_url"], headers=auth)
    assert response.headers["content-disposition"] == 'attachment; filename="Golden-v2.csv"'

    listed = (await client.get("/api/v1/datasets", headers=auth)).json()
    assert [
        (d["name"], d["description"], [v["version"] for v in d["versions"]]) for d in listed
    ] == [("Golden", "Good answers", [2, 1])]
    assert (await client.get(f"/api/v1/datasets?project_id={shop.project_id}", headers=auth)).json()
    one = (await client.get(f"/api/v1/datasets/{first['dataset_id']}", headers=auth)).json()
    assert one["versions"][1]["sha256"] == first["sha256"]
    version = await client.get(f"/api/v1/datasets/{first['dataset_id']}/versions/1", headers=auth)
    assert version.json()["id"] == first["id"]

    deleted = await client.delete(f"/api/v1/datasets/{first['dataset_id']}", headers=auth)
    assert deleted.status_code == 204
    assert (await client.get(first["download_url"], headers=auth)).status_code == 404
    assert (await client.get("/api/v1/datasets", headers=auth)).json() == []


async def test_large_files_are_kept_in_chunks(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "CHUNK_SIZE", 100)
    version = await save(client, auth, shop, format="parquet", name="Chunky")
    assert version["byte_size"] > 300
    assert (await download(client, auth, version))[:4] == b"PAR1"


BAD_SAVES = [
    ({"name": "  "}, 422, "name"),
    ({"name": "x" * 201}, 422, "name"),
    ({"format": "pdf"}, 422, "body.format"),
    ({"filter": {"project_id": "prj_00000000000000000000"}}, 404, None),
]


async def test_bad_saves_are_refused_and_store_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    for body, status, field in BAD_SAVES:
        response = await client.post(
            "/api/v1/datasets",
            headers=auth,
            json={"filter": {"project_id": shop.project_id}, "name": "Golden", **body},
        )
        assert response.status_code == status, response.text
        if field:
            assert response.json()["error"]["field"] == field
    assert (await client.get("/api/v1/datasets", headers=auth)).json() == []


async def test_datasets_stay_in_their_workspace(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], shop: Shop
) -> None:
    version = await save(client, auth, shop)
    other = headers_for(make_key_pair(database, "elsewhere"))
    assert (await client.get("/api/v1/datasets", headers=other)).json() == []
    for path in (
        f"/api/v1/datasets/{version['dataset_id']}",
        f"/api/v1/datasets/{version['dataset_id']}/versions/1",
        version["download_url"],
    ):
        response = await client.get(path, headers=other)
        assert response.status_code == 404
        assert "Golden" not in response.text
    assert (
        await client.delete(f"/api/v1/datasets/{version['dataset_id']}", headers=other)
    ).status_code == 404
    missing = await client.get(f"/api/v1/datasets/{version['dataset_id']}/versions/9", headers=auth)
    assert missing.status_code == 404
    assert (await client.get("/api/v1/datasets/nonsense", headers=auth)).status_code == 404
