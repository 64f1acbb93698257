"""A fresh workspace on the live server (both databases) for each eval test: four spans
in project "bot" with outputs and expected outputs, and a key pair."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

import annotrace
from annotrace.domain.spans import SpanKind
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import BASE_TIME, make_span

# (output, expected output or None), one span each, oldest first.
SPANS = [
    ('{"answer": "30 days"}', '{"answer": "30 days"}'),
    ("Thirty  Days", "thirty days"),
    ("nope", "yes"),
    ("not json", None),
]


@dataclass
class Workspace:
    base_url: str
    api_key: str
    secret_key: str
    spans: list[str]  # span ids, in the order of SPANS

    def client(self) -> annotrace.Client:
        return annotrace.Client(self.base_url, self.api_key, self.secret_key)

    def async_client(self) -> annotrace.AsyncClient:
        return annotrace.AsyncClient(self.base_url, self.api_key, self.secret_key)


@pytest.fixture
def workspace(live_server: LiveServer) -> Workspace:
    database = Database(live_server.database_url)
    spans = [
        make_span(
            project="bot",
            name="chat",
            kind=SpanKind.LLM,
            start=BASE_TIME + timedelta(minutes=n),
            input_value="What is the refund policy?",
            output_value=output,
            attributes={} if expected is None else {"expected_output": expected},
        )
        for n, (output, expected) in enumerate(SPANS)
    ]
    workspace = f"evals-{uuid.uuid4().hex[:8]}"
    store(database, principal_of(database, workspace), spans)
    pair = make_key_pair(database, workspace)
    database.dispose()
    return Workspace(
        live_server.base_url,
        pair.api_key,
        pair.secret_key,
        [incoming.span.span_id for incoming in spans],
    )


@pytest.fixture
def client(workspace: Workspace) -> Iterator[annotrace.Client]:
    with workspace.client() as sdk:
        yield sdk
