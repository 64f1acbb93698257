"""`annotrace datasets` against a live server on both databases."""

from __future__ import annotations

import hashlib
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


def test_datasets_save_list_show_download_delete(remote: Remote, tmp_path: Path) -> None:
    saved = remote.json(
        "datasets", "save", "--project", "bot", "--name", "all", "--description", "everything"
    )
    assert (saved["name"], saved["version"], saved["format"]) == ("all", 1, "jsonl")
    assert saved["span_count"] == 6
    dataset = saved["dataset_id"]
    llm = tmp_path / "llm.json"
    llm.write_text(
        json.dumps({"where": {"type": "span", "field": "kind", "op": "eq", "value": "LLM"}})
    )
    code, out, err = remote.run(
        "datasets", "save", "--project", remote.project, "--name", "all", "--filter", str(llm),
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    assert "version 2: csv" in out

    listed = remote.json("datasets", "list", "--project", "bot")
    assert [(d["id"], len(d["versions"])) for d in listed] == [(dataset, 2)]
    assert [d["id"] for d in remote.json("datasets", "list")] == [dataset]
    code, out, _ = remote.run("datasets", "list")
    assert code == 0
    assert dataset in out

    shown = remote.json("datasets", "show", dataset)
    assert shown["description"] == "everything"
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    code, out, _ = remote.run("datasets", "show", dataset)
    assert code == 0
    assert "version 1: jsonl" in out

    target = tmp_path / "all.jsonl"
    written = remote.json("datasets", "download", dataset, "1", "-o", str(target))
    assert written["sha256"] == saved["sha256"]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == saved["sha256"]
    assert len(target.read_text().splitlines()) == 6
    code, out, err = remote.run(
        "datasets", "download", dataset, "2", "--output", str(tmp_path / "llm.csv")
    )
    assert code == 0, err
    assert "Wrote" in out
    assert (tmp_path / "llm.csv").exists()

    assert remote.json("datasets", "delete", dataset) == {"deleted": dataset}
    assert remote.json("datasets", "list") == []


def test_dataset_refusals(remote: Remote, tmp_path: Path) -> None:
    code, out, err = remote.run("datasets", "show", "ds_missing")
    assert code == 1
    assert err.startswith("Error: ")
    assert "404" in err
    assert "Traceback" not in out + err
    code, _, err = remote.run("datasets", "delete", "ds_missing")
    assert code == 1
    assert "404" in err
    code, _, err = remote.run("datasets", "download", "ds_missing", "1", "-o", str(tmp_path / "x"))
    assert code == 1
    assert "404" in err
    assert not (tmp_path / "x").exists()
    code, _, err = remote.run("datasets", "save", "--project", "bot", "--name", "")
    assert code == 1
    assert err.startswith("Error: ")
    code, _, err = remote.run("datasets", "save", "--project", "bot", "--name", "x",
                              "--format", "xml")  # fmt: skip
    assert code != 0
    assert "--format" in err
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"project_id": "prj_other"}))
    code, _, err = remote.run(
        "datasets", "save", "--project", "bot", "--name", "x", "--filter", str(other)
    )
    assert code == 1
    assert "is of project 'prj_other'" in err
    code, _, err = remote.run("datasets", "list", "--project", "nope")
    assert code == 1
    assert "--project: no project 'nope'" in err


def test_datasets_export_now_and_dry_run(remote: Remote, tmp_path: Path) -> None:
    target = tmp_path / "now.csv"
    written = remote.json(
        "datasets", "export", "--project", "bot", "--format", "csv", "-o", str(target)
    )
    assert written["span_count"] == 6
    assert hashlib.sha256(target.read_bytes()).hexdigest() == written["sha256"]
    summary = remote.json(
        "datasets", "export", "--project", "bot", "--format", "openai-chat", "--dry-run"
    )
    assert summary["spans"] == 6
    assert summary["records"] + sum(summary["skipped"].values()) == 6
    code, out, err = remote.run("datasets", "export", "--project", "bot", "--dry-run")
    assert code == 0, err
    assert "6 spans, 6 records" in out
    code, _, err = remote.run("datasets", "export", "--project", "bot")
    assert code == 1
    assert "give -o FILE, or --dry-run" in err


COMMANDS = [["datasets"], *[["datasets", name] for name in
                            ("save", "export", "list", "show", "download", "delete")]]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Usage: annotrace " + " ".join(command) in result.stdout
    if len(command) > 1:
        assert "--base-url" in result.stdout
