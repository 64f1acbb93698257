"""The client's own retry logic, against `httpx.MockTransport` (no server): what is
retried, how long it waits, and what is never retried."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import annotrace
from annotrace.client import APIError, ConnectionFailed, transport

PROJECT = {
    "id": "prj_1",
    "name": "bot",
    "trace_count": 1,
    "span_count": 3,
    "created_at": "2026-11-01T12:00:00Z",
    "last_trace_at": None,
}
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the client asks for, none of them slept: backoff is 0, and Retry-After
    is honoured as asked but capped tiny for the sleep itself."""
    asked: list[float] = []
    real = transport._delay

    def delay(attempt: int, response: httpx.Response | None) -> float:
        honoured = response is not None and "Retry-After" in response.headers
        wanted = real(attempt, response) if honoured else 0.0
        asked.append(wanted)
        return wanted / 1000  # 1 s asked: 1 ms slept

    monkeypatch.setattr(transport, "_delay", delay)
    return asked


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving these answers in turn (an exception is raised), and the requests."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def client(handler: Handler, retries: int = 3) -> annotrace.Client:
    return annotrace.Client(
        "http://sdk.test", "ak", "sk", max_retries=retries, transport=httpx.MockTransport(handler)
    )


def test_a_503_is_retried_and_the_next_answer_used(waits: list[float]) -> None:
    handler, seen = answers(httpx.Response(503), httpx.Response(200, json=[PROJECT]))
    with client(handler) as sdk:
        assert [project.id for project in sdk.projects.list()] == ["prj_1"]
    assert len(seen) == 2
    assert seen[0].headers["X-Api-Key"] == "ak"
    assert waits == [0.0]


def test_a_429_waits_as_long_as_retry_after_says(waits: list[float]) -> None:
    handler, seen = answers(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "5"}),
        httpx.Response(200, json=[PROJECT]),
    )
    with client(handler) as sdk:
        assert len(sdk.projects.list()) == 1
    assert len(seen) == 3
    assert waits == [2.0, 5.0]


def test_retry_after_of_the_real_delay_function() -> None:
    response = httpx.Response(429, headers={"Retry-After": "7"})
    assert transport._delay(0, response) == 7.0
    assert transport._delay(0, httpx.Response(429, headers={"Retry-After": "9999"})) == 30.0
    assert 0 <= transport._delay(2, httpx.Response(503)) <= 1.0


@pytest.mark.parametrize("status", [404, 422, 400, 409])
def test_other_4xx_are_never_retried(waits: list[float], status: int) -> None:
    error = {"error": {"code": "nope", "message": "refused", "field": "name"}}
    handler, seen = answers(httpx.Response(status, json=error), httpx.Response(200, json=[]))
    with client(handler) as sdk, pytest.raises(APIError) as refused:
        sdk.labels.get("lbl_x")
    assert len(seen) == 1
    assert waits == []
    assert (refused.value.status_code, refused.value.message, refused.value.field) == (
        status,
        "refused",
        "name",
    )


def test_5xx_until_the_retries_run_out_raises_the_last_answer(waits: list[float]) -> None:
    handler, seen = answers(*(httpx.Response(502) for _ in range(3)))
    with client(handler, retries=2) as sdk, pytest.raises(APIError) as failed:
        sdk.projects.list()
    assert failed.value.status_code == 502
    assert len(seen) == 3


def test_connection_errors_are_retried_then_raise_connection_failed(waits: list[float]) -> None:
    refused = httpx.ConnectError("connection refused")
    handler, seen = answers(refused, httpx.Response(200, json=[PROJECT]))
    with client(handler) as sdk:
        assert len(sdk.projects.list()) == 1
    handler, seen = answers(*(httpx.ConnectError("connection refused") for _ in range(4)))
    with client(handler, retries=3) as sdk, pytest.raises(ConnectionFailed) as failed:
        sdk.projects.list()
    assert len(seen) == 4
    assert "ConnectError" in str(failed.value)


def test_streamed_downloads_are_retried_the_same_way(waits: list[float], tmp_path: Path) -> None:
    handler, seen = answers(
        httpx.ReadTimeout("slow"),
        httpx.Response(503),
        httpx.Response(200, content=b'{"a": 1}\n', headers={"X-Annotrace-Span-Count": "1"}),
    )
    with client(handler) as sdk:
        written = sdk.datasets.export({"project_id": "prj_1"}, tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == b'{"a": 1}\n'
    assert (written.span_count, written.byte_size) == (1, 9)
    assert len(seen) == 3
    handler, seen = answers(httpx.Response(404, json={"error": {"message": "no project"}}))
    with client(handler) as sdk, pytest.raises(APIError) as missing:
        sdk.datasets.export({"project_id": "prj_1"}, tmp_path / "missing.jsonl")
    assert missing.value.message == "no project"
    assert len(seen) == 1
    assert not (tmp_path / "missing.jsonl").exists()
    assert not (tmp_path / "missing.jsonl.part").exists()


def test_the_async_client_retries_alike(waits: list[float]) -> None:
    handler, seen = answers(
        httpx.ConnectError("refused"),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(500),
        httpx.Response(200, json=[PROJECT]),
        httpx.Response(404, json={"error": {"message": "gone"}}),
    )

    async def run() -> None:
        async with annotrace.AsyncClient(
            "http://sdk.test", "ak", "sk", transport=httpx.MockTransport(handler)
        ) as sdk:
            assert len(await sdk.projects.list()) == 1
            with pytest.raises(APIError):
                await sdk.labels.get("lbl_x")

    asyncio.run(run())
    assert len(seen) == 5
    assert waits == [0.0, 1.0, 0.0]
