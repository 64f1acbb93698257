"""`annotrace traces` and `annotrace spans` against a live server on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotrace.cli.app import app
from tests.cli.test_remote_cli import Remote
from tests.support.servers import LiveServer

runner = CliRunner()


@pytest.fixture
def remote(live_server: LiveServer) -> Remote:
    return Remote(live_server)


def test_traces_list_and_show(remote: Remote) -> None:
    traces = remote.json("traces", "list", "--project", "bot")
    assert len(traces) == 2
    assert {trace["span_count"] for trace in traces} == {3}
    assert {trace["root_span"]["name"] for trace in traces} == {"agent"}
    assert len(remote.json("traces", "list", "--project", remote.project, "--limit", "1")) == 1
    assert remote.json("traces", "list", "--project", "bot", "--since", "2100-01-01") == []
    assert len(remote.json("traces", "list", "--project", "bot", "--until", "2100-01-01")) == 2
    code, out, err = remote.run("traces", "list", "--project", "bot")
    assert code == 0, err
    assert traces[0]["trace_id"] in out
    assert "agent" in out

    trace_id = traces[0]["trace_id"]
    trace = remote.json("traces", "show", trace_id)
    assert trace["trace_id"] == trace_id
    (root,) = trace["spans"]
    assert root["name"] == "agent"
    assert len(root["children"]) == 2
    code, out, err = remote.run("traces", "show", trace_id, "--project", "bot")
    assert code == 0, err
    lines = out.splitlines()
    agent = next(line for line in lines if "agent [AGENT]" in line)
    chat = next(line for line in lines if "chat [LLM]" in line)
    indent = len(agent) - len(agent.lstrip())
    assert len(chat) - len(chat.lstrip()) == indent + 2
    assert root["span_id"] in agent


def test_traces_errors(remote: Remote) -> None:
    code, _, err = remote.run("traces", "list", "--project", "nope")
    assert code == 1
    assert "--project: no project 'nope'" in err
    code, _, err = remote.run("traces", "list", "--project", "bot", "--since", "yesterday")
    assert code == 1
    assert "--since: 'yesterday' is not an ISO 8601 time" in err
    code, out, err = remote.run("traces", "show", "1" * 32)
    assert code == 1
    assert err.startswith("Error: ")
    assert "404" in err
    code, _, err = remote.run("traces", "show", "0" * 32)
    assert code == 1
    assert "is not an OpenTelemetry id (HTTP 422)" in err
    assert "Traceback" not in out + err


def test_spans_show(remote: Remote) -> None:
    span_id = remote.spans[1]
    span = remote.json("spans", "show", span_id)
    assert (span["span_id"], span["name"], span["kind"]) == (span_id, "chat", "LLM")
    code, out, err = remote.run("spans", "show", span_id, "--trace", span["trace_id"])
    assert code == 0, err
    assert "gpt-4o-mini" in out
    assert "What is the refund policy?" in out
    assert "30 days." in out
    code, _, err = remote.run("spans", "show", "f" * 16)
    assert code == 1
    assert "404" in err


def test_spans_search(remote: Remote, tmp_path: Path) -> None:
    code, out, err = remote.run("spans", "search", "--project", "bot", "--json")
    assert code == 0, err
    found = [json.loads(line) for line in out.splitlines()]
    assert sorted(span["span_id"] for span in found) == sorted(remote.spans)
    assert all("annotations" in span for span in found)
    code, out, _ = remote.run("spans", "search", "--project", "bot", "--limit", "2", "--json")
    assert len(out.splitlines()) == 2

    llm = tmp_path / "llm.json"
    llm.write_text(json.dumps({"where": {"type": "span", "field": "kind", "op": "eq",
                                         "value": "LLM"}}))  # fmt: skip
    code, out, err = remote.run("spans", "search", "--project", "bot", "--filter", str(llm))
    assert code == 0, err
    assert "2 spans." in out
    assert "chat" in out

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"where": {"type": "nope"}}))
    code, out, err = remote.run("spans", "search", "--project", "bot", "--filter", str(bad))
    assert code == 1
    assert err.startswith("Error: ")
    assert "422" in err
    assert "Traceback" not in out + err
    code, _, err = remote.run("spans", "search", "--project", "bot", "--filter", str(tmp_path))
    assert code != 0


COMMANDS = [["traces"], ["traces", "list"], ["traces", "show"], ["spans"], ["spans", "show"],
            ["spans", "search"]]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Usage: annotrace " + " ".join(command) in result.stdout
    if len(command) > 1:
        assert "--base-url" in result.stdout
