"""The commands that talk to a server (projects, annotate, scores, queues), through
Typer's CliRunner against a real server process on both databases."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import annotrace
from annotrace.cli.app import app
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import make_trace

runner = CliRunner()


class Remote:
    """A fresh workspace on the live server: six spans of project bot, a label verdict."""

    def __init__(self, server: LiveServer) -> None:
        workspace = f"cli-{uuid.uuid4().hex[:8]}"
        database = Database(server.database_url)
        spans = [span for _ in range(2) for span in make_trace(project="bot", size=3)]
        store(database, principal_of(database, workspace), spans)
        pair = make_key_pair(database, workspace)
        database.dispose()
        self.spans = [incoming.span.span_id for incoming in spans]
        self.env = {
            "ANNOTRACE_BASE_URL": server.base_url,
            "ANNOTRACE_API_KEY": pair.api_key,
            "ANNOTRACE_SECRET_KEY": pair.secret_key,
            "COLUMNS": "200",
        }
        with annotrace.Client(server.base_url, pair.api_key, pair.secret_key) as client:
            self.project = client.projects.list()[0].id
            created = client._transport.http.post(
                f"/api/v1/projects/{self.project}/labels",
                json={
                    "name": "verdict",
                    "type": "categorical",
                    "settings": {"options": ["good", "bad"]},
                },
            )
            assert created.status_code == 201
            self.label = created.json()["id"]

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env={**self.env, **(env or {})})
        return result.exit_code, result.stdout, result.stderr

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def remote(live_server: LiveServer) -> Remote:
    return Remote(live_server)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def test_projects_list(remote: Remote) -> None:
    projects = remote.json("projects", "list")
    assert [(p["id"], p["name"], p["span_count"]) for p in projects] == [(remote.project, "bot", 6)]
    code, out, _ = remote.run("projects", "list")
    assert code == 0
    assert remote.project in out
    assert "bot" in out


def test_a_server_that_is_down_is_an_error(remote: Remote) -> None:
    code, out, err = remote.run("projects", "list", "--base-url", f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert err.startswith("Error: could not reach the server")
    assert "Traceback" not in out + err


def test_missing_keys_are_an_error(remote: Remote) -> None:
    code, _, err = remote.run("queues", "list", env={"ANNOTRACE_API_KEY": ""})
    assert code == 1
    assert "--api-key" in err


def test_wrong_keys_are_the_servers_refusal(remote: Remote) -> None:
    code, _, err = remote.run("projects", "list", "--secret-key", "sk-wrong")
    assert code == 1
    assert err.startswith("Error: ")
    assert "401" in err


def record(span: str, value: str, note: str | None = None) -> dict[str, Any]:
    return {
        "observation_span_id": span,
        "annotations": [
            {"annotation_label_id": "LABEL", "annotator_id": "ana", "value_str_list": [value]}
        ],
        "notes": [{"text": note, "annotator_id": "ana"}] if note else [],
    }


def test_annotate_a_file(remote: Remote, tmp_path: Path) -> None:
    lines = [
        json.dumps(record(span, "good", note="fine" if i == 0 else None)).replace(
            "LABEL", remote.label
        )
        for i, span in enumerate(remote.spans[:3])
    ]
    bad = json.dumps(record(remote.spans[3], "great")).replace("LABEL", remote.label)
    path = write_lines(tmp_path / "a.jsonl", [lines[0], "", lines[1], bad, lines[2]])

    code, out, err = remote.run("annotate", str(path), "--dry-run", "--json")
    assert code == 1, err
    dry = json.loads(out)
    assert dry["dry_run"] is True
    assert dry["created"] == 3
    assert [e["line"] for e in dry["errors"]] == [4]

    code, out, err = remote.run("annotate", str(path), "--batch-size", "2", "--json")
    assert code == 1, err
    summary = json.loads(out)
    assert {k: summary[k] for k in ("records", "created", "updated", "notes", "succeeded")} == {
        "records": 4,
        "created": 3,
        "updated": 0,
        "notes": 1,
        "succeeded": 3,
    }
    assert summary["dry_run"] is False
    (error,) = summary["errors"]
    assert (error["line"], error["span_id"]) == (4, remote.spans[3])
    assert "great" in error["annotation_error"]

    good = write_lines(tmp_path / "good.jsonl", [lines[0], lines[1]])
    code, out, err = remote.run("annotate", str(good))
    assert code == 0, err
    assert "unchanged: 2" in out
    code, out, _ = remote.run("annotate", str(path))
    assert code == 1
    assert "line 4 (span " in out


def test_annotate_reports_bad_lines_and_sends_nothing(remote: Remote, tmp_path: Path) -> None:
    good = json.dumps(record(remote.spans[0], "good")).replace("LABEL", remote.label)
    path = write_lines(tmp_path / "bad.jsonl", [good, "{not json", good, "[1, 2]"])
    code, _out, err = remote.run("annotate", str(path))
    assert code == 1
    assert "line 2: not JSON" in err
    assert "line 4: not a JSON object" in err
    assert "nothing was sent" in err
    with annotrace.Client(
        remote.env["ANNOTRACE_BASE_URL"],
        remote.env["ANNOTRACE_API_KEY"],
        remote.env["ANNOTRACE_SECRET_KEY"],
    ) as client:
        assert client.annotations.list(remote.spans[0]) == []
    code, _, err = remote.run("annotate", str(tmp_path / "missing.jsonl"))
    assert code == 1
    assert err.startswith("Error: cannot read")


def test_scores_log_and_import(remote: Remote, tmp_path: Path) -> None:
    logged = remote.json(
        "scores", "log", "--span", remote.spans[0], "--name", "faithful", "--score", "0.9",
        "--label", "pass", "--reason", "cites", "--evaluator", "ragas",
    )  # fmt: skip
    assert logged == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    code, out, _ = remote.run(
        "scores", "log", "--span", remote.spans[0], "--name", "faithful", "--score", "0.5",
        "--evaluator", "ragas",
    )  # fmt: skip
    assert code == 0
    assert "updated: 1" in out
    code, _, err = remote.run("scores", "log", "--span", remote.spans[0], "--name", "x")
    assert code == 1
    assert "--score or --label" in err

    scores = [
        {"span_id": span, "name": "len", "score": i, "evaluator": "cli"}
        for i, span in enumerate(remote.spans[:3])
    ]
    path = write_lines(tmp_path / "s.jsonl", [*scores, {**scores[0], "span_id": "f" * 16}])
    code, out, err = remote.run("scores", "import", str(path), "--batch-size", "2", "--json")
    assert code == 1, err
    summary = json.loads(out)
    assert (summary["scores"], summary["created"]) == (4, 3)
    assert [e["line"] for e in summary["errors"]] == [4]

    wrong = write_lines(tmp_path / "w.jsonl", [scores[0], {"span_id": "x"}])
    code, _, err = remote.run("scores", "import", str(wrong))
    assert code == 1
    assert "line 2: name: Field required" in err
    assert "nothing was sent" in err


def test_a_queue_from_the_command_line(remote: Remote, tmp_path: Path) -> None:
    instructions = tmp_path / "how.md"
    instructions.write_text("Judge the answer.")
    queue = remote.json(
        "queues", "create", "--project", "bot", "--name", "review", "--label", "verdict",
        "--annotator", "a", "--annotator", "b", "--per-item", "2",
        "--reservation-seconds", "60", "--instructions-file", str(instructions),
        "--span-id", remote.spans[0], "--span-id", remote.spans[1],
    )  # fmt: skip
    assert queue["project_id"] == remote.project
    assert queue["annotators"] == ["a", "b"]
    assert queue["annotators_per_item"] == 2
    assert queue["instructions"] == "Judge the answer."
    assert [label["name"] for label in queue["labels"]] == ["verdict"]
    assert queue["progress"]["total"] == 2
    qid = queue["id"]

    everything = tmp_path / "all.json"
    everything.write_text("{}")
    added = remote.json("queues", "add", qid, "--filter", str(everything), "--sample", "3")
    assert added["added"] + added["already_in_queue"] == 3
    assert [q["id"] for q in remote.json("queues", "list", "--project", remote.project)] == [qid]
    assert remote.json("queues", "show", qid)["name"] == "review"
    code, out, _ = remote.run("queues", "show", qid)
    assert code == 0
    assert "review" in out
    assert "Judge the answer." in out

    work = remote.json("queues", "next", qid, "--annotator", "a")
    item = work["item"]["id"]
    done = remote.json("queues", "submit", qid, item, "--annotator", "a", "--value", "verdict=good")
    assert done["assignment"] == "completed"
    work = remote.json("queues", "next", qid, "--annotator", "b")
    assert work["item"]["id"] == item
    code, out, err = remote.run(
        "queues", "submit", qid, item, "--annotator", "b", "--value", 'verdict=["bad"]'
    )
    assert code == 0, err
    assert "Submitted" in out
    following = remote.json("queues", "next", qid, "--annotator", "a")
    skipped = remote.json("queues", "skip", qid, following["item"]["id"], "--annotator", "a")
    assert skipped["assignment"] == "skipped"

    progress = remote.json("queues", "progress", qid)
    assert progress["completed"] == 1
    code, out, _ = remote.run("queues", "progress", qid)
    assert code == 0
    assert "1/" in out
    agreement = remote.json("queues", "agreement", qid)
    assert agreement["labels"][0]["percent_agreement"] == 0.0
    code, out, _ = remote.run("queues", "agreement", qid)
    assert code == 0
    assert "verdict" in out

    assert remote.json("queues", "pause", qid)["status"] == "paused"
    assert remote.json("queues", "next", qid, "--annotator", "b") is None
    code, out, _ = remote.run("queues", "next", qid, "--annotator", "b")
    assert code == 0
    assert "Nothing left" in out
    assert remote.json("queues", "resume", qid)["status"] == "active"
    code, out, _ = remote.run("queues", "archive", qid)
    assert code == 0
    assert "archived" in out


def test_queue_refusals_name_the_field(remote: Remote) -> None:
    queue = remote.json(
        "queues", "create", "--project", remote.project, "--name", "q", "--label",
        "verdict:optional", "--span-id", remote.spans[0],
    )  # fmt: skip
    assert queue["labels"][0]["required"] is False
    work = remote.json("queues", "next", queue["id"], "--annotator", "a")
    code, out, err = remote.run(
        "queues", "submit", queue["id"], work["item"]["id"], "--annotator", "a",
        "--value", "verdict=great",
    )  # fmt: skip
    assert code == 1
    assert err.startswith("Error: values.0.value: ")
    assert "not an option" in err
    assert "422" in err
    assert "Traceback" not in out + err
    code, _, err = remote.run(
        "queues", "create", "--project", "bot", "--name", "q2", "--label", "nope"
    )
    assert code == 1
    assert err.startswith("Error: ")
    code, _, err = remote.run(
        "queues", "create", "--project", "nope", "--name", "q2", "--label", "verdict"
    )
    assert code == 1
    assert "--project: no project 'nope'" in err
    code, _, err = remote.run("queues", "submit", queue["id"], "x", "--annotator", "a",
                              "--value", "novalue")  # fmt: skip
    assert code == 1
    assert "NAME=VALUE" in err
    code, _, err = remote.run("queues", "add", queue["id"], "--sample", "2")
    assert code == 1
    assert "--sample needs --filter" in err
    code, _, err = remote.run("queues", "show", "que_missing")
    assert code == 1
    assert "404" in err


COMMANDS = [
    ["projects"], ["projects", "list"], ["annotate"], ["scores"], ["scores", "log"],
    ["scores", "import"], ["queues"],
    *[["queues", name] for name in (
        "list", "show", "create", "add", "progress", "agreement", "next", "submit", "skip",
        "pause", "resume", "archive", "items", "remove", "disagreements", "gold", "accuracy",
        "update",
    )],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Usage: annotrace " + " ".join(command) in result.stdout
    if len(command) > 1 or command == ["annotate"]:
        assert "--base-url" in result.stdout
        assert "--api-key" in result.stdout


def test_labels_over_the_server(remote: Remote) -> None:
    """Without --workspace, `annotrace labels` talks to the server with the keys."""
    created = remote.json(
        "labels", "create", "--project", "bot", "--name", "stars", "--type", "star", "--stars", "3"
    )
    assert (created["name"], created["settings"]) == ("stars", {"no_of_stars": 3})
    names = [label["name"] for label in remote.json("labels", "list")]
    assert sorted(names) == ["stars", "verdict"]
    assert remote.json("labels", "show", created["id"])["settings"] == {"no_of_stars": 3}
    changed = remote.json("labels", "update", created["id"], "--description", "How good")
    assert changed["description"] == "How good"
    archived = remote.json("labels", "archive", created["id"])
    assert archived["archived_at"] is not None
    assert [label["name"] for label in remote.json("labels", "list", "--project", "bot")] == [
        "verdict"
    ]
    code, _, err = remote.run("labels", "list", "--database-url", "sqlite:///nowhere.sqlite")
    assert code == 1
    assert "--database-url works on the database" in err
    code, _, err = remote.run(
        "labels", "create", "--project", "nope", "--name", "x", "--type", "thumbs_up_down"
    )
    assert code == 1
    assert "no project 'nope'" in err


def test_queue_items_disagreements_gold_and_accuracy(remote: Remote) -> None:
    queue = remote.json(
        "queues", "create", "--project", "bot", "--name", "pairs", "--label", "verdict",
        "--per-item", "2", "--span-id", remote.spans[0], "--span-id", remote.spans[1],
    )  # fmt: skip
    for annotator, verdict in (("a@x", "good"), ("b@x", "bad")):
        while work := remote.json("queues", "next", queue["id"], "--annotator", annotator):
            remote.json(
                "queues", "submit", queue["id"], work["item"]["id"], "--annotator", annotator,
                "--value", f"verdict={verdict}",
            )  # fmt: skip
    items = remote.json("queues", "items", queue["id"], "--status", "completed")
    assert len(items) == 2
    found = remote.json("queues", "disagreements", queue["id"])
    assert [[v["annotator_id"] for v in one["values"]] for one in found] == [["a@x", "b@x"]] * 2
    code, out, _ = remote.run("queues", "disagreements", queue["id"])
    assert code == 0
    assert "a@x: good; b@x: bad" in out
    gold = remote.json(
        "queues", "gold", queue["id"], found[0]["item_id"], "--value", "verdict=good",
        "--annotator", "lead@x",
    )  # fmt: skip
    assert [(g["name"], g["value"]) for g in gold] == [("verdict", ["good"])]
    assert remote.json("queues", "accuracy", queue["id"]) == []  # no gold items
    removed = remote.json("queues", "remove", queue["id"], items[1]["id"])
    assert removed == {"removed": items[1]["id"]}
    assert len(remote.json("queues", "items", queue["id"])) == 1
    changed = remote.json(
        "queues", "update", queue["id"], "--name", "pairs two", "--per-item", "1",
        "--annotator", "a@x",
    )  # fmt: skip
    assert (changed["name"], changed["annotators_per_item"], changed["annotators"]) == (
        "pairs two", 1, ["a@x"],
    )  # fmt: skip
    assert remote.json("queues", "update", queue["id"], "--everyone")["annotators"] is None
    code, _, err = remote.run("queues", "update", queue["id"])
    assert code == 1
    assert "nothing to change" in err
    # No annotator: refused by the option parser, nothing recorded.
    code, _, _ = remote.run("queues", "gold", queue["id"], items[0]["id"], "--value", "x")
    assert code != 0
