"""`annotrace annotations`, `notes` and `corrections` against a live server on both
databases."""

from __future__ import annotations

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


def test_annotations_add_list_update_delete(remote: Remote) -> None:
    span = remote.spans[1]
    made = remote.json(
        "annotations", "add", span, "--name", "verdict", "--label", "good",
        "--reason", "cites", "--annotator", "ana",
    )  # fmt: skip
    assert (made["name"], made["label"], made["reason"]) == ("verdict", "good", "cites")
    assert made["label_id"] == remote.label
    code, out, err = remote.run(
        "annotations", "add", span, "--name", "helpful", "--score", "0.8", "--annotator", "ana"
    )
    assert code == 0, err
    assert "helpful = 0.8" in out

    listed = remote.json("annotations", "list", span)
    assert sorted(a["name"] for a in listed) == ["helpful", "verdict"]
    code, out, _ = remote.run("annotations", "list", span)
    assert code == 0
    assert made["id"] in out

    changed = remote.json("annotations", "update", made["id"], "--label", "bad")
    assert (changed["label"], changed["reason"]) == ("bad", "cites")
    code, out, _ = remote.run("annotations", "update", made["id"], "--reason", "wrong")
    assert code == 0
    assert "Updated" in out

    assert remote.json("annotations", "delete", made["id"]) == {"deleted": made["id"]}
    assert [a["name"] for a in remote.json("annotations", "list", span)] == ["helpful"]


def test_annotation_refusals(remote: Remote) -> None:
    span = remote.spans[1]
    code, out, err = remote.run(
        "annotations", "add", span, "--name", "verdict", "--label", "great", "--annotator", "a"
    )
    assert code == 1
    assert err.startswith("Error: ")
    assert "422" in err
    assert "Traceback" not in out + err
    code, _, err = remote.run("annotations", "add", span, "--name", "x", "--annotator", "a")
    assert code == 1
    assert "--label or --score" in err
    code, _, err = remote.run("annotations", "update", "ann_missing", "--score", "1")
    assert code == 1
    assert "404" in err
    code, _, err = remote.run("annotations", "update", "ann_missing")
    assert code == 1
    assert "give --label, --score or --reason" in err
    code, _, err = remote.run("annotations", "delete", "ann_missing")
    assert code == 1
    assert "404" in err
    code, _, err = remote.run("annotations", "list", "f" * 16)
    assert code == 1
    assert "404" in err


def test_notes(remote: Remote) -> None:
    span = remote.spans[0]
    note = remote.json("notes", "add", span, "--text", "look again", "--annotator", "ana")
    assert (note["text"], note["annotator_id"]) == ("look again", "ana")
    code, out, err = remote.run("notes", "add", span, "--text", "second", "--annotator", "bo")
    assert code == 0, err
    assert "Added note" in out
    assert sorted(n["text"] for n in remote.json("notes", "list", span)) == ["look again", "second"]
    code, out, _ = remote.run("notes", "list", span)
    assert code == 0
    assert "look again" in out
    assert remote.json("notes", "delete", span, note["id"]) == {"deleted": note["id"]}
    assert [n["text"] for n in remote.json("notes", "list", span)] == ["second"]
    code, _, err = remote.run("notes", "delete", span, note["id"])
    assert code == 1
    assert "404" in err
    code, _, err = remote.run("notes", "add", span, "--text", "x")
    assert code != 0
    assert "--annotator" in err


def test_corrections(remote: Remote, tmp_path: Path) -> None:
    span = remote.spans[1]
    set_ = remote.json("corrections", "set", span, "--output", "Thirty days.", "--annotator", "a")
    assert (set_["output"], set_["original_output"]) == ("Thirty days.", "30 days.")
    answer = tmp_path / "answer.txt"
    answer.write_text("Refunds within 30 days.\nSee the policy.")
    code, out, err = remote.run(
        "corrections", "set", span, "--output-file", str(answer), "--annotator", "a"
    )
    assert code == 0, err
    assert "Saved correction" in out
    shown = remote.json("corrections", "show", span)
    assert shown["output"] == "Refunds within 30 days.\nSee the policy."
    code, out, _ = remote.run("corrections", "show", span)
    assert code == 0
    assert "30 days." in out
    assert "See the policy." in out
    assert remote.json("corrections", "delete", span) == {"deleted": span}
    code, _, err = remote.run("corrections", "show", span)
    assert code == 1
    assert "404" in err

    code, _, err = remote.run("corrections", "set", span, "--annotator", "a")
    assert code == 1
    assert "give --output or --output-file" in err
    code, _, err = remote.run(
        "corrections", "set", span, "--output-file", str(tmp_path / "none"), "--annotator", "a"
    )
    assert code == 1
    assert "--output-file: cannot read" in err


COMMANDS = [
    ["annotations"], *[["annotations", name] for name in ("add", "list", "update", "delete")],
    ["notes"], *[["notes", name] for name in ("add", "list", "delete")],
    ["corrections"], *[["corrections", name] for name in ("set", "show", "delete")],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Usage: annotrace " + " ".join(command) in result.stdout
    if len(command) > 1:
        assert "--base-url" in result.stdout
