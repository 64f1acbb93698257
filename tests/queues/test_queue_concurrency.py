"""Two server processes on one database, and annotators asking both at the same moment:
an item that needs one annotator is never handed to two."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from annotrace.storage import migrate
from annotrace.storage.engine import Database
from tests.conftest import (
    DIALECTS,
    create_postgres_database,
    drop_postgres_database,
    headers_for,
    make_key_pair,
    postgres_url,
)
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer, start_server
from tests.support.spans import make_trace

ANNOTATORS = 12
SPANS = 40


@pytest.fixture(params=DIALECTS)
def two_servers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[list[LiveServer], dict[str, str]]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
        name = None
    else:
        admin = request.getfixturevalue("postgres_admin")
        name = create_postgres_database(admin)
        url = postgres_url(name)
    database = Database(url)
    migrate.upgrade(database)
    store(
        database,
        principal_of(database),
        [span for _ in range(SPANS // 4) for span in make_trace(project="bot", size=4)],
    )
    headers = headers_for(make_key_pair(database))
    database.dispose()
    with ExitStack() as stack:
        servers = []
        for index in range(2):
            workdir = tmp_path / f"server-{index}"
            workdir.mkdir()
            servers.append(stack.enter_context(start_server(url, workdir)))
        yield servers, headers
    if name is not None:
        drop_postgres_database(request.getfixturevalue("postgres_admin"), name)


def test_concurrent_next_across_two_processes_hands_each_item_once(
    two_servers: tuple[list[LiveServer], dict[str, str]],
) -> None:
    servers, headers = two_servers
    clients = [httpx.Client(base_url=s.base_url, headers=headers, timeout=60) for s in servers]
    try:
        api = clients[0]
        project = api.get("/api/v1/projects").json()[0]["id"]
        label = {"name": "verdict", "type": "categorical", "settings": {"options": ["ok", "no"]}}
        assert api.post(f"/api/v1/projects/{project}/labels", json=label).status_code == 201
        queue = api.post(
            "/api/v1/queues",
            json={
                "project_id": project,
                "name": "race",
                "labels": [{"name": "verdict"}],
                "items": {"filter": {}},
            },
        ).json()
        assert queue["progress"]["total"] == SPANS

        def ask(index: int) -> tuple[str, dict[str, Any] | None]:
            who = f"annotator-{index}"
            response = clients[index % 2].post(
                f"/api/v1/queues/{queue['id']}/next", json={"annotator_id": who}
            )
            assert response.status_code == 200, response.text
            return who, response.json()["item"]

        def finish(held: tuple[str, dict[str, Any]]) -> int:
            who, item = held
            # To the other server than the one that handed it out.
            response = clients[(int(who.rsplit("-", 1)[1]) + 1) % 2].post(
                f"/api/v1/queues/{queue['id']}/items/{item['item']['id']}/submit",
                json={"annotator_id": who, "values": [{"name": "verdict", "value": "ok"}]},
            )
            return response.status_code

        handed: list[str] = []
        with ThreadPoolExecutor(max_workers=ANNOTATORS) as pool:
            while True:
                round_ = [(who, item) for who, item in pool.map(ask, range(ANNOTATORS)) if item]
                if not round_:
                    break
                ids = [item["item"]["id"] for _, item in round_]
                assert len(ids) == len(set(ids)), f"an item went to two annotators: {ids}"
                assert not set(ids) & set(handed), "a completed item was handed out again"
                handed += ids
                assert set(pool.map(finish, round_)) == {200}
        assert len(handed) == SPANS
        progress = api.get(f"/api/v1/queues/{queue['id']}/progress").json()
        assert progress["done"] is True
        assert sum(a["completed"] for a in progress["annotators"]) == SPANS
    finally:
        for client in clients:
            client.close()
