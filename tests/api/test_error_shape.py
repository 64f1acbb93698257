"""One error shape everywhere, and no input that makes the server answer 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from annotrace.settings import Settings
from annotrace.storage.engine import Database
from annotrace.web.app import create_app
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_trace

pytestmark = pytest.mark.anyio

JSON = {"Content-Type": "application/json"}

HOSTILE_SEGMENTS = [
    "x",
    "0" * 16,
    "%00",
    "..%2F..%2Fetc",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202e%00",
    "a" * 5000,
    "%F0%9F%92%A9",
    "%ED%A0%80",
]
HOSTILE_QUERIES = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"limit": "99999999999999999999"},
    {"cursor": "!!!"},
    {"cursor": "W10"},
    {"cursor": "WyIyMDI2LTAxLTAxIiwxXQ"},
    {"start_time": "2026-13-45"},
    {"end_time": "0"},
    {"project_id": "\u0000"},
    {"trace_id": "zz"},
]
PATHS = [
    "/api/v1/projects/{x}/traces",
    "/api/v1/traces/{x}",
    "/api/v1/spans/{x}",
]


def assert_error_shape(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field", "expected", "details"}
        assert error["message"]


@pytest.mark.parametrize("path", PATHS)
async def test_hostile_path_segments(client: httpx.AsyncClient, auth, path: str) -> None:
    for segment in HOSTILE_SEGMENTS:
        assert_error_shape(await client.get(path.replace("{x}", segment), headers=auth))


@pytest.mark.parametrize("path", PATHS)
async def test_hostile_query_parameters(client: httpx.AsyncClient, auth, path: str) -> None:
    for query in HOSTILE_QUERIES:
        response = await client.get(path.replace("{x}", "a" * 16), headers=auth, params=query)
        assert_error_shape(response)


async def test_hostile_headers(client: httpx.AsyncClient) -> None:
    for headers in (
        {"X-Api-Key": "a" * 10000, "X-Secret-Key": "b"},
        {"Authorization": "Bearer " + "x" * 10000},
        {"Authorization": "Bearer"},
        {"X-Api-Key": "' OR 1=1 --", "X-Secret-Key": "' OR 1=1 --"},
    ):
        response = await client.get("/api/v1/projects", headers=headers)
        assert response.status_code == 401
        assert_error_shape(response)


async def test_wrong_methods_are_405_in_the_error_shape(client: httpx.AsyncClient, auth) -> None:
    response = await client.delete("/api/v1/projects", headers=auth)
    assert response.status_code == 405
    assert_error_shape(response)


async def test_a_body_that_is_not_utf8_is_400_naming_the_body(
    client: httpx.AsyncClient, auth
) -> None:
    response = await client.post(
        "/api/v1/scores", content=b'{"scores": ["\xff"]}', headers=auth | JSON
    )
    assert response.status_code == 400
    assert_error_shape(response)
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "body")
    assert "not UTF-8" in error["message"]


async def test_a_streamed_json_body_over_the_limit_is_413(database: Database, auth) -> None:
    async def body() -> AsyncIterator[bytes]:
        # No Content-Length: the limit trips while the route reads the JSON body.
        yield b'{"scores": ['
        for _ in range(100):
            yield b'{"span_id": "0000000000000001", "name": "x", "evaluator": "e"},'
        yield b"{}]}"

    app = create_app(Settings(max_request_bytes=1024), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://annotrace.test") as client:
        response = await client.post("/api/v1/scores", content=body(), headers=auth | JSON)
    assert response.status_code == 413
    assert_error_shape(response)
    assert response.json()["error"]["field"] == "body"


async def test_a_dataset_version_out_of_range_is_422_naming_it(
    client: httpx.AsyncClient, auth
) -> None:
    # SQLite cannot bind an integer past 64 bits: it was a 500 there.
    for version in ("99999999999999999999", "0"):
        for suffix in ("", "/file"):
            response = await client.get(
                f"/api/v1/datasets/ds_x/versions/{version}{suffix}", headers=auth
            )
            assert response.status_code == 422
            assert_error_shape(response)
            assert response.json()["error"]["field"] == "path.version"


async def test_a_time_given_as_a_number_is_422_naming_the_field(
    client: httpx.AsyncClient, auth
) -> None:
    # Read as Unix time, 847 was a moment of 1970; the document says ISO 8601 text.
    for number in ("847", "1.5e9"):
        response = await client.get(
            "/api/v1/projects/prj_x/traces", headers=auth, params={"end_time": number}
        )
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "query.end_time"
    for number in (847, "847"):
        response = await client.post(
            "/api/v1/spans/search",
            headers=auth,
            json={"filter": {"project_id": "prj_x", "start_time": number}},
        )
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "body.filter.start_time"
        assert "ISO 8601" in response.json()["error"]["message"]
    for text in ("2026-01-31T12:00:00Z", "2026-01-31"):
        response = await client.get(
            "/api/v1/projects/prj_x/traces", headers=auth, params={"start_time": text}
        )
        assert response.status_code == 404


async def test_a_time_without_an_offset_is_utc(
    client: httpx.AsyncClient, database: Database, auth
) -> None:
    # Storage refuses naive times: a date, or a date-time without an offset, was a 500.
    store(database, principal_of(database), make_trace(project="bot"))
    project = (await client.get("/api/v1/projects", headers=auth)).json()[0]["id"]
    for text in ("2026-11-01", "2026-11-01T12:00:00", "2026-11-01T13:00:00+01:00"):
        response = await client.get(
            f"/api/v1/projects/{project}/traces", headers=auth, params={"start_time": text}
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 1
        response = await client.post(
            "/api/v1/spans/search",
            headers=auth,
            json={"filter": {"project_id": project, "end_time": text}},
        )
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []
    response = await client.get(
        f"/api/v1/projects/{project}/traces",
        headers=auth,
        params={"start_time": "9999-12-31T23:00:00-02:00"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "query.start_time"
