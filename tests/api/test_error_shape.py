"""One error shape everywhere, and no input that makes the server answer 500."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

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
