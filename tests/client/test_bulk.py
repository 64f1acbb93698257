"""`client.annotations.bulk` and `client.scores.log` with more records than one request
takes: batches under the server's limit, one merged result, errors at the caller's indexes.

The limit is made small by starting a server of its own with ANNOTRACE_MAX_BULK_RECORDS=3;
the requests are counted with an httpx event hook on the client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import annotrace
from annotrace.client import APIError
from tests.client.conftest import Workspace, count_requests, seed
from tests.support.servers import LiveServer, start_server


@pytest.fixture
def small_limit_server(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """A server taking at most 3 records (or scores) per request, on either database."""
    monkeypatch.setenv("ANNOTRACE_MAX_BULK_RECORDS", "3")
    with start_server(database_url, tmp_path) as server:
        yield server


def records(sdk: annotrace.Client, workspace: Workspace) -> list[dict[str, Any]]:
    """Eight records: one per span (six) and two more on spans 0 and 1 by another
    annotator; record 1 has a value the label refuses, record 6 an unknown span."""
    project = sdk.projects.list()[0].id
    label = sdk.labels.create(project, "Quality", "categorical", settings={"options": ["a", "b"]})

    def record(span: str, value: str, who: str = "ana") -> dict[str, Any]:
        annotation = {
            "annotation_label_id": label.id,
            "annotator_id": who,
            "value_str_list": [value],
        }
        return {"observation_span_id": span, "annotations": [annotation]}

    made = [record(span, "a") for span in workspace.spans]
    made[1] = record(workspace.spans[1], "zzz")
    made.insert(6, record("f" * 16, "a"))
    made.append(record(workspace.spans[0], "b", who="bo"))
    return made


def test_bulk_learns_the_servers_limit_and_merges_the_batches(
    small_limit_server: LiveServer,
) -> None:
    workspace = seed(small_limit_server.base_url, small_limit_server.database_url)
    with workspace.client() as sdk:
        batch = records(sdk, workspace)
        sent = count_requests(sdk)
        result = sdk.annotations.bulk(batch)
        bulk_requests = [r for r in sent if r.url.path == "/tracer/bulk-annotation/"]
        # 8 records refused (413), then batches of 3, 3 and 2.
        assert len(bulk_requests) == 4
        assert (result.succeededCount, result.errorsCount) == (6, 2)
        assert (result.annotationsCreated, result.annotationsUpdated) == (6, 0)
        assert [(e.recordIndex, e.spanId) for e in result.errors] == [
            (1, workspace.spans[1]),
            (6, "f" * 16),
        ]
        assert result.errors[0].annotationError is not None
        assert "8 records processed in 3 requests" in result.message
        assert [a.annotator_id for a in sdk.annotations.list(workspace.spans[0])] == ["ana", "bo"]

        again = sdk.annotations.bulk(batch, dry_run=True, batch_size=2)
        assert again.dryRun
        assert (again.annotationsUnchanged, again.annotationsCreated) == (6, 0)
        assert [e.recordIndex for e in again.errors] == [1, 6]

        scores = [
            {"span_id": span, "name": "judge", "score": n, "evaluator": "llm"}
            for n, span in enumerate(workspace.spans)
        ] + [{"span_id": "e" * 16, "name": "judge", "score": 1, "evaluator": "llm"}]
        before = len(sent)
        logged = sdk.scores.log(scores)
        assert len(sent) - before == 4  # 7 refused, then 3, 3 and 1
        assert (logged.created, [(e.index, e.span_id) for e in logged.errors]) == (
            6,
            [(6, "e" * 16)],
        )

    async def run() -> None:
        async with workspace.async_client() as client:
            result = await client.annotations.bulk(batch)
            assert (result.annotationsUnchanged, [e.recordIndex for e in result.errors]) == (
                6,
                [1, 6],
            )
            logged = await client.scores.log(scores)
            assert (logged.unchanged, [e.index for e in logged.errors]) == (6, [6])

    asyncio.run(run())


def test_bulk_in_batches_of_a_given_size(sdk: annotrace.Client, workspace: Workspace) -> None:
    batch = records(sdk, workspace)
    sent = count_requests(sdk)
    result = sdk.annotations.bulk(batch, batch_size=3)
    assert len(sent) == 3
    assert [e.recordIndex for e in result.errors] == [1, 6]
    assert result.annotationsCreated == 6
    single = sdk.annotations.bulk(batch[:2])
    assert single.errors[0].recordIndex == 1
    assert single.annotationsUnchanged == 1
    assert sdk.annotations.bulk([]).succeededCount == 0


def test_a_batch_refused_whole_says_what_was_applied(
    sdk: annotrace.Client, workspace: Workspace
) -> None:
    batch: list[Any] = [*records(sdk, workspace)[:6], "not a record"]
    with pytest.raises(APIError) as refused:
        sdk.annotations.bulk(batch, batch_size=3)
    assert refused.value.status_code == 422
    assert "the first 6 of 7 records were sent and applied" in str(refused.value.__notes__)
    assert len(sdk.annotations.list(workspace.spans[0])) == 1
