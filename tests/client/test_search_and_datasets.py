"""`client.spans.search` (every page, to_pandas) and `client.datasets` (exports to a file
and as a stream, dry runs, saved datasets) against the live server on both databases."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from pathlib import Path

import pytest

import annotrace
from annotrace.client import APIError, ClientError
from annotrace.schemas.filters import SpanFilter
from tests.client.conftest import Workspace, count_requests


def annotate(sdk: annotrace.Client, workspace: Workspace) -> str:
    """Quality on every span of the first trace (two annotators on its root), a score
    on one span, a correction and a note: the project id."""
    project = sdk.projects.list()[0].id
    sdk.labels.create(project, "Quality", "categorical", settings={"options": ["good", "bad"]})
    sdk.labels.create(project, "name", "text")  # named like a span column
    for span in workspace.traces[0]:
        sdk.annotations.create(span, "Quality", label="good", annotator_id="ana")
    root = workspace.traces[0][0]
    sdk.annotations.create(root, "quality", label="bad", annotator_id="bo")
    sdk.annotations.create(root, "name", label="agent step", annotator_id="ana")
    sdk.scores.log({"span_id": root, "name": "judge", "score": 0.25, "evaluator": "llm"})
    sdk.annotations.set_correction(workspace.traces[0][1], "Thirty days.", annotator_id="ana")
    sdk.annotations.add_note(root, "look", annotator_id="ana")
    return project


def test_search_follows_every_page(sdk: annotrace.Client, workspace: Workspace) -> None:
    project = annotate(sdk, workspace)
    sent = count_requests(sdk)
    found = sdk.spans.search({"project_id": project}, page_size=4)
    spans = list(found)
    assert sorted(span.span_id for span in spans) == sorted(workspace.spans)
    assert len(sent) == 2
    assert [len(page.items) for page in found.pages()] == [4, 2]
    quality = sdk.spans.search(
        SpanFilter.model_validate(
            {"project_id": project, "where": {"type": "annotation", "label": "quality"}}
        ),
        page_size=1,
    )
    assert sorted(span.span_id for span in quality) == sorted(workspace.traces[0])
    with pytest.raises(APIError) as missing:
        list(sdk.spans.search({"project_id": "prj_00000000000000000000"}))
    assert missing.value.status_code == 404


def test_to_pandas_has_a_column_per_label(sdk: annotrace.Client, workspace: Workspace) -> None:
    project = annotate(sdk, workspace)
    frame = sdk.spans.search({"project_id": project}, page_size=2).to_pandas()
    assert len(frame) == 6
    columns = list(frame.columns)
    assert columns[:3] == ["span_id", "trace_id", "parent_span_id"]
    assert columns[-3:] == ["judge", "label:name", "Quality"]
    assert "corrected_output" in columns
    rows = frame.set_index("span_id")
    root, llm, _ = workspace.traces[0]
    assert rows.loc[root, "Quality"] == ["good", "bad"]  # ana, bo
    assert rows.loc[llm, "Quality"] == "good"
    assert rows.loc[root, "judge"] == 0.25
    assert rows.loc[root, "label:name"] == "agent step"
    assert rows.loc[root, "name"] == "agent"
    assert rows.loc[root, "notes"] == ["look"]
    assert rows.loc[llm, "corrected_output"] == "Thirty days."
    assert rows.loc[workspace.traces[1][0], "Quality"] is None
    nothing = {"type": "annotation", "label": "nothing"}
    empty = sdk.spans.search({"project_id": project, "where": nothing}).to_pandas()
    assert empty.empty
    assert "span_id" in empty.columns


def test_exports_to_a_file_and_as_a_stream(
    sdk: annotrace.Client, workspace: Workspace, tmp_path: Path
) -> None:
    project = annotate(sdk, workspace)
    span_filter = {"project_id": project}
    written = sdk.datasets.export(span_filter, tmp_path / "spans.jsonl")
    lines = (tmp_path / "spans.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["span_id"] for line in lines) == sorted(workspace.spans)
    assert (written.span_count, written.path) == (6, tmp_path / "spans.jsonl")
    assert written.byte_size == (tmp_path / "spans.jsonl").stat().st_size
    assert written.filename.endswith(".jsonl")
    assert not list(tmp_path.glob("*.part"))

    streamed = b"".join(sdk.datasets.stream(span_filter))
    assert streamed == (tmp_path / "spans.jsonl").read_bytes()

    buffer = io.BytesIO()
    csv = sdk.datasets.export(span_filter, buffer, format="csv")
    assert csv.path is None
    assert buffer.getvalue().decode().splitlines()[0].startswith("project,trace_id,span_id")

    summary = sdk.datasets.dry_run(span_filter, format="openai-chat")
    assert (summary.format, summary.spans, summary.records) == ("openai-chat", 6, 2)
    assert sum(summary.skipped.values()) == 4

    with pytest.raises(APIError) as refused:
        sdk.datasets.export({"project_id": "prj_00000000000000000000"}, tmp_path / "no.jsonl")
    assert refused.value.status_code == 404
    assert not list(tmp_path.glob("no.jsonl*"))


def test_saved_datasets(sdk: annotrace.Client, workspace: Workspace, tmp_path: Path) -> None:
    project = annotate(sdk, workspace)
    first = sdk.datasets.save(
        {"project_id": project}, "all spans", format="csv", description="everything"
    )
    second = sdk.datasets.save({"project_id": project}, "all spans", format="jsonl")
    assert (first.version, second.version, second.dataset_id) == (1, 2, first.dataset_id)
    (listed,) = sdk.datasets.list(project)
    assert (listed.name, listed.description) == ("all spans", "everything")
    assert [v.version for v in sdk.datasets.get(first.dataset_id).versions] == [2, 1]
    assert sdk.datasets.version(first.dataset_id, 1).format == "csv"
    written = sdk.datasets.download(first.dataset_id, 1, tmp_path / "v1.csv")
    data = (tmp_path / "v1.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == first.sha256 == written.sha256
    assert written.byte_size == first.byte_size
    sdk.datasets.delete(first.dataset_id)
    assert sdk.datasets.list() == []
    with pytest.raises(APIError) as gone:
        sdk.datasets.download(first.dataset_id, 1, tmp_path / "gone.csv")
    assert gone.value.status_code == 404


def test_a_download_that_does_not_match_its_checksum_is_refused(
    sdk: annotrace.Client, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = annotate(sdk, workspace)
    saved = sdk.datasets.save({"project_id": project}, "d")
    # Corrupt the bytes on their way in.
    real = sdk._transport.http.send

    def send(request, **options):  # type: ignore[no-untyped-def]
        response = real(request, **options)
        response.headers["ETag"] = '"' + "0" * 64 + '"'
        return response

    monkeypatch.setattr(sdk._transport.http, "send", send)
    with pytest.raises(ClientError, match="download corrupted"):
        sdk.datasets.download(saved.dataset_id, saved.version, tmp_path / "d.jsonl")
    assert not list(tmp_path.iterdir())


def test_the_async_client_searches_and_exports(workspace: Workspace, tmp_path: Path) -> None:
    with workspace.client() as setup:
        project = annotate(setup, workspace)

    async def run() -> None:
        async with workspace.async_client() as sdk:
            found = sdk.spans.search({"project_id": project}, page_size=5)
            assert sorted([span.span_id async for span in found]) == sorted(workspace.spans)
            frame = await found.to_pandas()
            assert "Quality" in frame.columns
            chunks = [chunk async for chunk in sdk.datasets.stream({"project_id": project})]
            assert len(b"".join(chunks).splitlines()) == 6
            written = await sdk.datasets.export({"project_id": project}, tmp_path / "a.csv")
            assert written.span_count == 6
            assert (await sdk.datasets.dry_run({"project_id": project})).records == 6
            saved = await sdk.datasets.save({"project_id": project}, "async")
            assert [d.id for d in await sdk.datasets.list()] == [saved.dataset_id]
            got = await sdk.datasets.download(saved.dataset_id, 1, tmp_path / "saved.jsonl")
            assert got.sha256 == saved.sha256
            await sdk.datasets.delete(saved.dataset_id)

    asyncio.run(run())
