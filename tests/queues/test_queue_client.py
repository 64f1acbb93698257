"""`annotrace.Client` and `AsyncClient`: a queue from creation to agreement and gold values,
against a real server process on both databases."""

from __future__ import annotations

import asyncio
import uuid

import pytest

import annotrace
from annotrace.client import APIError
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import make_trace


@pytest.fixture
def keys(live_server: LiveServer) -> tuple[str, str, list[str]]:
    """A fresh workspace on the live server with six spans: its key pair and span ids."""
    workspace = f"sdk-{uuid.uuid4().hex[:8]}"
    database = Database(live_server.database_url)
    spans = [span for _ in range(2) for span in make_trace(project="bot", size=3)]
    store(database, principal_of(database, workspace), spans)
    pair = make_key_pair(database, workspace)
    database.dispose()
    return pair.api_key, pair.secret_key, [incoming.span.span_id for incoming in spans]


def label(client: annotrace.Client) -> str:
    project = client._transport.http.get("/api/v1/projects").json()[0]["id"]
    created = client._transport.http.post(
        f"/api/v1/projects/{project}/labels",
        json={"name": "verdict", "type": "categorical", "settings": {"options": ["good", "bad"]}},
    )
    assert created.status_code == 201
    return str(project)


def test_the_sync_client_works_a_queue(
    live_server: LiveServer, keys: tuple[str, str, list[str]]
) -> None:
    api_key, secret_key, spans = keys
    with annotrace.Client(live_server.base_url, api_key, secret_key) as client:
        project = label(client)
        queue = client.queues.create(
            project, "sdk", ["verdict"], annotators_per_item=2, items={"span_ids": spans[:3]}
        )
        assert queue.progress.total == 3
        assert client.queues.add_items(queue.id, filter={}).added == 3
        assert [item.span_id for item in client.queues.items(queue.id)][:3] == spans[:3]
        for who, verdict in (("a", "good"), ("b", "bad")):
            while (work := client.queues.next(queue.id, who)) is not None:
                client.queues.submit(queue.id, work.item.id, who, {"verdict": verdict})
        progress = client.queues.progress(queue.id)
        assert progress.done
        assert progress.completed == 6
        agreement = client.queues.agreement(queue.id).labels[0]
        assert (agreement.items, agreement.percent_agreement) == (6, 0.0)
        disagreements = client.queues.disagreements(queue.id)
        assert len(disagreements) == 6
        gold = client.queues.set_gold(
            queue.id, disagreements[0].item_id, {"verdict": "good"}, annotator_id="lead"
        )
        assert [(g.name, g.value, g.decided_by) for g in gold] == [("verdict", ["good"], "lead")]
        assert client.queues.pause(queue.id).status == "paused"
        assert client.queues.next(queue.id, "c") is None
        assert [q.id for q in client.queues.list(project)] == [queue.id]
        with pytest.raises(APIError) as refused:
            client.queues.submit(queue.id, disagreements[0].item_id, "a", {"verdict": "great"})
        assert refused.value.status_code == 422
        assert refused.value.field == "values.0.value"
        assert "not an option" in refused.value.message


def test_the_async_client_works_a_queue(
    live_server: LiveServer, keys: tuple[str, str, list[str]]
) -> None:
    api_key, secret_key, spans = keys
    with annotrace.Client(live_server.base_url, api_key, secret_key) as setup:
        project = label(setup)

    async def work() -> None:
        async with annotrace.AsyncClient(live_server.base_url, api_key, secret_key) as client:
            queue = await client.queues.create(
                project, "async", ["verdict"], items={"span_ids": spans}
            )

            async def annotator(who: str) -> list[str]:
                done = []
                while (item := await client.queues.next(queue.id, who)) is not None:
                    await client.queues.submit(queue.id, item.item.id, who, {"verdict": "good"})
                    done.append(item.item.id)
                return done

            handed = await asyncio.gather(*(annotator(f"w{n}") for n in range(4)))
            flat = [item for items in handed for item in items]
            assert sorted(flat) == sorted(set(flat))
            assert len(flat) == len(spans)
            assert (await client.queues.progress(queue.id)).done
            listed = [item async for item in client.queues.items(queue.id, status="completed")]
            assert len(listed) == len(spans)
            with pytest.raises(APIError) as missing:
                await client.queues.get("que_00000000000000000000")
            assert missing.value.status_code == 404

    asyncio.run(work())
