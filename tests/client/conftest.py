"""A fresh workspace on the live server (both databases) for each SDK test: two traces of
three spans in project "bot", a day apart, and a key pair."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

import annotrace
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import BASE_TIME, make_trace


@dataclass
class Workspace:
    base_url: str
    api_key: str
    secret_key: str
    traces: list[list[str]]  # span ids by trace, oldest trace first; root first in each
    trace_ids: list[str]

    @property
    def spans(self) -> list[str]:
        return [span for trace in self.traces for span in trace]

    def client(self) -> annotrace.Client:
        return annotrace.Client(self.base_url, self.api_key, self.secret_key)

    def async_client(self) -> annotrace.AsyncClient:
        return annotrace.AsyncClient(self.base_url, self.api_key, self.secret_key)


def seed(base_url: str, database_url: str) -> Workspace:
    workspace = f"sdk-{uuid.uuid4().hex[:8]}"
    database = Database(database_url)
    traces = [
        make_trace(project="bot", size=3, start=BASE_TIME + timedelta(days=n)) for n in (0, 1)
    ]
    store(database, principal_of(database, workspace), [span for trace in traces for span in trace])
    pair = make_key_pair(database, workspace)
    database.dispose()
    return Workspace(
        base_url,
        pair.api_key,
        pair.secret_key,
        [[incoming.span.span_id for incoming in trace] for trace in traces],
        [trace[0].span.trace_id for trace in traces],
    )


@pytest.fixture
def workspace(live_server: LiveServer) -> Workspace:
    return seed(live_server.base_url, live_server.database_url)


@pytest.fixture
def sdk(workspace: Workspace) -> Iterator[annotrace.Client]:
    with workspace.client() as client:
        yield client


def count_requests(client: annotrace.Client) -> list[httpx.Request]:
    """Every request the client sends from now on (a retry counts again)."""
    sent: list[httpx.Request] = []
    client._transport.http.event_hooks["request"].append(sent.append)
    return sent
