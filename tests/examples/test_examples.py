"""The examples in examples/ run as a user would run them (subprocesses, the URL and keys in
the environment) against a real server, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import annotrace
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.support.servers import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def env(live_server: LiveServer) -> dict[str, str]:
    """A fresh workspace's key pair, as the examples read it."""
    database = Database(live_server.database_url)
    pair = make_key_pair(database, f"examples-{uuid.uuid4().hex[:8]}")
    database.dispose()
    return {
        **os.environ,
        "ANNOTRACE_BASE_URL": live_server.base_url,
        "ANNOTRACE_API_KEY": pair.api_key,
        "ANNOTRACE_SECRET_KEY": pair.secret_key,
    }


def run(script: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_send_traces_then_annotate_then_export(env: dict[str, str], tmp_path: Path) -> None:
    trace_ids = run("send_traces.py", "--project", "shop", "--questions", "4", env=env).split()
    assert len(trace_ids) == 4
    with annotrace.Client(
        env["ANNOTRACE_BASE_URL"], env["ANNOTRACE_API_KEY"], env["ANNOTRACE_SECRET_KEY"]
    ) as client:
        (project,) = client.projects.list()
        assert project.name == "shop"
        traces = list(client.traces.list(project.id))
        assert sorted(t.trace_id for t in traces) == sorted(trace_ids)
        tree = client.traces.get(trace_ids[0])
        (agent,) = tree.spans
        assert agent.kind == "AGENT"
        assert sorted(child.kind for child in agent.children) == ["LLM", "RETRIEVER"]
        llm = next(child for child in agent.children if child.kind == "LLM")
        assert llm.model_name == "example-model-1"
        assert llm.input_messages
        assert llm.input_messages[-1]["role"] == "user"
        client.labels.create(
            project.id, "verdict", "categorical", settings={"options": ["good", "bad"]}
        )
        llm_spans = [s for s in client.spans.search({"project_id": project.id}) if s.kind == "LLM"]
        for index, span in enumerate(llm_spans):
            client.annotations.create(
                span.span_id,
                "verdict",
                label="good" if index % 2 == 0 else "bad",
                annotator_id="ana@example.com",
            )
    output = tmp_path / "good.jsonl"
    printed = run(
        "export_dataset.py",
        "shop",
        "--label",
        "verdict",
        "--value",
        "good",
        "--format",
        "openai-chat",
        "-o",
        str(output),
        "--save",
        "good-answers",
        env=env,
    )
    assert "wrote" in printed
    assert "saved good-answers v1: 2 records" in printed
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["messages"][-1]["role"] == "assistant"
