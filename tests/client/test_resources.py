"""`annotrace.Client`'s resources against a real server process on both databases:
projects, traces, labels, annotations, notes, corrections and scores."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import annotrace
from annotrace.client import APIError
from annotrace.schemas.annotations import ScoreIn
from tests.client.conftest import Workspace
from tests.support.spans import BASE_TIME


def project_of(sdk: annotrace.Client) -> str:
    return sdk.projects.list()[0].id


def test_projects_and_traces(sdk: annotrace.Client, workspace: Workspace) -> None:
    projects = sdk.projects.list()
    assert [(p.name, p.trace_count, p.span_count) for p in projects] == [("bot", 2, 6)]
    project = projects[0].id
    listed = list(sdk.traces.list(project, page_size=1))
    assert [t.trace_id for t in listed] == workspace.trace_ids[::-1]  # newest first
    assert listed[0].span_count == 3
    page = sdk.traces.page(project, limit=1)
    assert len(page.items) == 1
    assert page.next_cursor is not None
    assert sdk.traces.page(project, cursor=page.next_cursor, limit=1).next_cursor is None
    later = list(sdk.traces.list(project, start_time=BASE_TIME + timedelta(hours=12)))
    assert [t.trace_id for t in later] == [workspace.trace_ids[1]]
    earlier = list(sdk.traces.list(project, end_time=BASE_TIME + timedelta(hours=12)))
    assert [t.trace_id for t in earlier] == [workspace.trace_ids[0]]

    trace = sdk.traces.get(workspace.trace_ids[0])
    assert trace.span_count == 3
    (root,) = trace.spans
    assert root.span_id == workspace.traces[0][0]
    assert sorted(child.span_id for child in root.children) == sorted(workspace.traces[0][1:])
    llm = sdk.traces.get_span(workspace.traces[0][1], trace_id=workspace.trace_ids[0])
    assert (llm.kind, llm.model_name, llm.output_value) == ("LLM", "gpt-4o-mini", "30 days.")
    with pytest.raises(APIError) as missing:
        sdk.traces.get("1" * 32)
    assert missing.value.status_code == 404


def test_labels(sdk: annotrace.Client) -> None:
    project = project_of(sdk)
    quality = sdk.labels.create(
        project, "Quality", "categorical", settings={"options": ["good", "bad"]}
    )
    stars = sdk.labels.create(project, "Stars", "star", description="How good")
    assert (quality.type, quality.version, stars.settings["no_of_stars"]) == ("categorical", 1, 5)
    assert [label.name for label in sdk.labels.list(project)] == ["Quality", "Stars"]
    assert sdk.labels.get(stars.id).description == "How good"
    # The compatible API's list: options as {"label": ...} objects.
    compatible = {label.name: label for label in sdk.labels.compatible(project)}
    assert compatible["Quality"].settings["options"] == [{"label": "good"}, {"label": "bad"}]
    assert {label.id for label in sdk.labels.compatible()} == {quality.id, stars.id}
    renamed = sdk.labels.update(stars.id, name="Rating", description="Out of five")
    assert (renamed.name, renamed.description, renamed.version) == ("Rating", "Out of five", 1)
    resized = sdk.labels.update(stars.id, settings={"no_of_stars": 10})
    assert (resized.settings["no_of_stars"], resized.version) == (10, 2)
    assert sdk.labels.archive(stars.id).archived_at is not None
    assert [label.name for label in sdk.labels.list(project)] == ["Quality"]
    assert len(sdk.labels.list(project, include_archived=True)) == 2
    with pytest.raises(APIError) as taken:
        sdk.labels.create(project, "quality", "text")
    assert taken.value.status_code == 409
    with pytest.raises(APIError) as invalid:
        sdk.labels.create(project, "Score", "numeric", settings={"min": 5, "max": 1})
    assert invalid.value.status_code == 422


def test_annotations_notes_and_corrections(sdk: annotrace.Client, workspace: Workspace) -> None:
    project = project_of(sdk)
    sdk.labels.create(project, "Quality", "categorical", settings={"options": ["good", "bad"]})
    span = workspace.traces[0][1]
    made = sdk.annotations.create(
        span, "Quality", label="good", reason="cites the policy", annotator_id="ana"
    )
    assert (made.name, made.label, made.reason, made.annotator_id) == (
        "Quality",
        "good",
        "cites the policy",
        "ana",
    )
    free = sdk.annotations.create(span, "tone", score=0.5, annotator_id="ana")
    assert (free.label_id, free.score) == (None, 0.5)
    again = sdk.annotations.create(span, "Quality", label="bad", annotator_id="ana")
    assert again.id == made.id
    assert sorted(a.name for a in sdk.annotations.list(span)) == ["Quality", "tone"]
    changed = sdk.annotations.update(made.id, reason="too short")
    assert (changed.label, changed.reason) == ("bad", "too short")
    cleared = sdk.annotations.update(made.id, reason=None)
    assert (cleared.label, cleared.reason) == ("bad", None)
    with pytest.raises(APIError) as refused:
        sdk.annotations.create(span, "Quality", label="great", annotator_id="bo")
    assert refused.value.status_code == 422
    sdk.annotations.delete(free.id)
    assert [a.id for a in sdk.annotations.list(span)] == [made.id]

    note = sdk.annotations.add_note(span, "check the date", annotator_id="ana")
    assert sdk.annotations.add_note(span, "check the date", annotator_id="ana").id == note.id
    assert [n.text for n in sdk.annotations.notes(span)] == ["check the date"]
    sdk.annotations.delete_note(span, note.id)
    assert sdk.annotations.notes(span) == []

    correction = sdk.annotations.set_correction(span, "30 days, with receipt.", annotator_id="ana")
    assert (correction.output, correction.original_output) == ("30 days, with receipt.", "30 days.")
    assert sdk.annotations.correction(span).id == correction.id
    replaced = sdk.annotations.set_correction(span, "Thirty days.", annotator_id="bo")
    assert (replaced.output, replaced.annotator_id) == ("Thirty days.", "bo")
    sdk.annotations.delete_correction(span)
    with pytest.raises(APIError) as gone:
        sdk.annotations.correction(span)
    assert gone.value.status_code == 404


def test_scores_one_or_many(sdk: annotrace.Client, workspace: Workspace) -> None:
    one = sdk.scores.log(
        {"span_id": workspace.spans[0], "name": "faithfulness", "score": 0.9, "evaluator": "ragas"}
    )
    assert (one.created, one.errors) == (1, [])
    many = sdk.scores.log(
        [
            ScoreIn(span_id=span, name="faithfulness", score=0.5, evaluator="ragas", run_id="r2")
            for span in workspace.spans[:2]
        ]
        + [ScoreIn(span_id="f" * 16, name="faithfulness", score=1, evaluator="ragas")]
    )
    assert (many.created, many.updated) == (1, 1)
    assert [(e.index, e.span_id) for e in many.errors] == [(2, "f" * 16)]
    (stored,) = sdk.annotations.list(workspace.spans[1])
    assert (stored.kind, stored.score, stored.run_id) == ("eval", 0.5, "r2")


def test_the_async_client_reads_and_annotates(workspace: Workspace) -> None:
    async def run() -> None:
        async with workspace.async_client() as sdk:
            (project,) = await sdk.projects.list()
            traces = [t.trace_id async for t in sdk.traces.list(project.id, page_size=1)]
            assert traces == workspace.trace_ids[::-1]
            trace = await sdk.traces.get(traces[0])
            span = trace.spans[0].span_id
            assert (await sdk.traces.get_span(span)).name == "agent"
            label = await sdk.labels.create(project.id, "Ok", "thumbs_up_down")
            assert [x.id for x in await sdk.labels.list(project.id)] == [label.id]
            made = await sdk.annotations.create(span, "Ok", label="thumbs_up", annotator_id="a")
            assert (made.value, made.score) == (True, 1.0)
            await sdk.annotations.update(made.id, reason="fine")
            assert [a.reason for a in await sdk.annotations.list(span)] == ["fine"]
            await sdk.annotations.add_note(span, "n", annotator_id="a")
            assert len(await sdk.annotations.notes(span)) == 1
            await sdk.annotations.set_correction(span, "better", annotator_id="a")
            assert (await sdk.annotations.correction(span)).output == "better"
            result = await sdk.scores.log(
                [
                    {"span_id": s, "name": "judge", "label": "pass", "evaluator": "llm"}
                    for s in workspace.spans
                ]
            )
            assert result.created == 6
            with pytest.raises(APIError) as missing:
                await sdk.labels.get("lbl_00000000000000000000")
            assert missing.value.status_code == 404

    asyncio.run(run())
