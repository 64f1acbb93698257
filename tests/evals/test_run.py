"""`annotrace.evals.run` against a live server on both databases: scores stored as eval
scores on the right spans, reruns skipping, rescoring, failures counted, async
evaluators, and the example script."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import annotrace
from annotrace.evals import (
    AsyncLLMJudge,
    EvalSummary,
    ExactMatch,
    JsonValid,
    LLMJudge,
    Result,
    arun,
    run,
)
from annotrace.schemas.search import SpanResult
from tests.evals.conftest import Workspace

ROOT = Path(__file__).resolve().parents[2]


def evals_of(client: annotrace.Client, name: str, annotator: str | None = None) -> dict[str, tuple]:
    """span id -> (score, label, reason, annotator, run id) of the eval scores `name`
    (from `annotator`, if given)."""
    project = client.projects.list()[0].id
    found = {}
    for span in client.spans.search({"project_id": project}):
        for annotation in span.annotations:
            if annotation.name == name and annotator in (None, annotation.annotator_id):
                assert annotation.source == "eval"
                assert annotation.kind == "eval"
                found[span.span_id] = (
                    annotation.score,
                    annotation.label,
                    annotation.reason,
                    annotation.annotator_id,
                    annotation.run_id,
                )
    return found


def test_scores_are_stored_on_the_right_spans_and_a_rerun_skips_them(
    workspace: Workspace, client: annotrace.Client
) -> None:
    match = ExactMatch()
    summary = run(client, "bot", match, run_id="r1", progress=False)
    assert (summary.seen, summary.scored, summary.abstained, summary.failed) == (4, 3, 1, 0)
    assert (summary.skipped, summary.logged, summary.created) == (0, 3, 3)
    assert summary.name == summary.evaluator_id == "exact_match"
    assert summary.elapsed > 0
    stored = evals_of(client, "exact_match")
    first, second, third, _ = workspace.spans
    assert set(stored) == {first, second, third}
    assert stored[first][:2] == (1.0, "match")
    assert stored[second][:2] == (1.0, "match")
    assert stored[third][:2] == (0.0, "no_match")
    assert stored[third][2] == "expected 'yes', got 'nope'"
    assert stored[first][3:] == ("exact_match", "r1")

    again = run(client, "bot", match, progress=False)
    # The three scored are left out by the search; the abstained one is evaluated again.
    assert (again.seen, again.skipped, again.scored, again.logged) == (1, 3, 0, 0)

    project_id = client.projects.list()[0].id
    rescored = run(client, project_id, match, rescore=True, run_id="r2", progress=False)
    assert (rescored.seen, rescored.skipped, rescored.scored) == (4, 0, 3)
    assert rescored.logged == 3
    assert {value[4] for value in evals_of(client, "exact_match").values()} == {"r2"}


def test_another_evaluator_id_or_name_is_not_skipped(client: annotrace.Client) -> None:
    run(client, "bot", JsonValid(), progress=False)
    other = run(client, "bot", JsonValid(), evaluator_id="ci", progress=False)
    assert (other.seen, other.skipped, other.logged) == (4, 0, 4)
    renamed = run(client, "bot", JsonValid(), name="json_ok", progress=False)
    assert (renamed.seen, renamed.skipped) == (4, 0)
    assert run(client, "bot", JsonValid(), progress=False).skipped == 4
    assert len(evals_of(client, "json_valid", "json_valid")) == 4
    assert len(evals_of(client, "json_valid", "ci")) == 4


def test_the_filter_selects_the_spans(workspace: Workspace, client: annotrace.Client) -> None:
    only = {"where": {"type": "text", "contains": "days", "within": ["output"]}}
    summary = run(client, "bot", JsonValid(), filter=only, progress=False)
    assert (summary.seen, summary.scored) == (2, 2)
    stored = evals_of(client, "json_valid")
    assert stored[workspace.spans[0]][:2] == (1.0, "valid")
    assert stored[workspace.spans[1]][:2] == (0.0, "invalid")
    assert run(client, "bot", JsonValid(), filter=only, progress=False).skipped == 2


def test_failures_are_counted_not_fatal(workspace: Workspace, client: annotrace.Client) -> None:
    def flaky(span: SpanResult) -> object:
        if span.output_value == "nope":
            raise RuntimeError("model timed out")
        if span.output_value == "not json":
            return "great"
        return Result(0.5, "meh", "halfway")

    summary = run(client, "bot", flaky, progress=False)
    assert (summary.seen, summary.scored, summary.failed, summary.logged) == (4, 2, 2, 2)
    assert len(summary.errors) == 2
    assert any("RuntimeError: model timed out" in message for message in summary.errors)
    assert any("returned str, not a Result" in message for message in summary.errors)
    assert "2 failed" in str(summary)
    stored = evals_of(client, "flaky")
    assert set(stored) == {workspace.spans[0], workspace.spans[1]}
    assert stored[workspace.spans[0]][:3] == (0.5, "meh", "halfway")


def test_floats_bools_and_lambdas(client: annotrace.Client) -> None:
    assert (
        run(
            client,
            "bot",
            lambda span: len(span.output_value or "") > 5,
            name="long",
            progress=False,
        ).logged
        == 4
    )
    assert {v[:2] for v in evals_of(client, "long").values()} == {(1.0, "pass"), (0.0, "fail")}

    def length(span: SpanResult) -> float:
        return float(len(span.output_value or ""))

    run(client, "bot", length, progress=True)
    assert sorted(v[0] for v in evals_of(client, "length").values()) == [4, 8, 12, 21]


def test_sync_evaluators_run_concurrently_in_threads(client: annotrace.Client) -> None:
    lock = threading.Lock()
    active = [0, 0]  # now, most

    def slow(span: SpanResult) -> float:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return 1.0

    summary = run(client, "bot", slow, concurrency=4, progress=False)
    assert summary.scored == 4
    assert active[1] == 4

    assert run(client, "bot", slow, concurrency=1, rescore=True, progress=False).scored == 4
    assert active[1] == 4


def test_an_async_evaluator_with_concurrency(workspace: Workspace) -> None:
    active = [0, 0]

    async def judged(span: SpanResult) -> Result:
        active[0] += 1
        active[1] = max(active[1], active[0])
        await asyncio.sleep(0.1)
        active[0] -= 1
        return Result(0.9, "good", f"judged {span.span_id}")

    with workspace.client() as client:
        summary = run(client, "bot", judged, concurrency=2, progress=False)
        assert (summary.scored, summary.logged) == (4, 4)
        assert active[1] == 2
        stored = evals_of(client, "judged")
        assert all(stored[s][:3] == (0.9, "good", f"judged {s}") for s in workspace.spans)

    async def with_the_async_client() -> EvalSummary:
        async with workspace.async_client() as client:
            return await arun(client, "bot", judged, concurrency=4, rescore=True, progress=False)

    again = asyncio.run(with_the_async_client())
    assert (again.seen, again.scored, again.unchanged) == (4, 4, 4)
    assert active[1] == 4


def test_llm_judges_with_fake_judges(workspace: Workspace, client: annotrace.Client) -> None:
    prompts: list[str] = []

    def judge(prompt: str) -> str:
        prompts.append(prompt)
        return "SCORE: 1\nREASON: concise" if "days" in prompt.lower() else "SCORE: 0.2"

    grader = LLMJudge(judge, criteria="Is it about refunds?", name="refunds")
    summary = run(client, "bot", grader, progress=False)
    assert summary.logged == 4
    assert all("Is it about refunds?" in p and "What is the refund policy?" in p for p in prompts)
    stored = evals_of(client, "refunds")
    assert stored[workspace.spans[1]][:3] == (1.0, "pass", "concise")
    assert stored[workspace.spans[2]][:3] == (0.2, "fail", None)

    async def async_judge(prompt: str) -> str:
        await asyncio.sleep(0)
        return "I would say PASS"

    verdict = AsyncLLMJudge(async_judge, criteria="ok?", name="ok", evaluator_id="gpt-judge")
    assert run(client, "bot", verdict, progress=False).logged == 4
    assert {v[:2] + v[3:4] for v in evals_of(client, "ok").values()} == {(1.0, "pass", "gpt-judge")}


def test_unknown_projects_and_running_loops(client: annotrace.Client) -> None:
    with pytest.raises(ValueError, match=r"no project 'nope'.*bot"):
        run(client, "nope", JsonValid(), progress=False)

    async def inside() -> None:
        run(client, "bot", JsonValid(), progress=False)

    with pytest.raises(RuntimeError, match="await arun"):
        asyncio.run(inside())


def test_the_example_script_runs(workspace: Workspace) -> None:
    env = {
        **os.environ,
        "ANNOTRACE_BASE_URL": workspace.base_url,
        "ANNOTRACE_API_KEY": workspace.api_key,
        "ANNOTRACE_SECRET_KEY": workspace.secret_key,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_evaluator.py"), "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "json_valid" in done.stdout
    assert "4 spans seen" in done.stdout
    assert "exact_match" in done.stdout
