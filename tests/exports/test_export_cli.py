"""`annotrace export`, through Typer's CliRunner, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet
import pytest
from typer.testing import CliRunner

from annotrace.cli.app import app
from annotrace.exports import chat
from tests.exports.conftest import Shop
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_span

pytestmark = pytest.mark.anyio
runner = CliRunner()
GOOD = {"type": "annotation", "label": "verdict", "value": {"op": "eq", "value": "good"}}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


async def test_export_writes_each_format_and_reports_it(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "all.parquet"
    code, stdout, stderr = run(
        "export",
        "--project",
        "shop",
        "--format",
        "parquet",
        "-o",
        str(out),
        "--database-url",
        database_url,
    )
    assert code == 0, stderr
    assert "Exported 7 spans as 7 parquet records" in stdout
    assert pyarrow.parquet.read_table(out).num_rows == 7

    out = tmp_path / "chat.jsonl"
    code, stdout, stderr = run(
        "export",
        "--project",
        shop.project_id,
        "--format",
        "openai-chat",
        "-o",
        str(out),
        "--database-url",
        database_url,
        "--json",
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary == {
        "format": "openai-chat",
        "spans": 7,
        "records": 3,
        "skipped": {chat.NOT_LLM: 2, chat.JSON_INPUT: 1, chat.NO_OUTPUT: 1},
        "output": str(out),
    }
    assert len(out.read_text().splitlines()) == 3


@pytest.mark.parametrize(
    "shape",
    [
        lambda project: {"where": GOOD},
        lambda project: {"filter": {"project_id": project, "where": GOOD}},
        lambda project: GOOD,
    ],
    ids=["filter", "search-body", "condition"],
)
async def test_the_filter_file_takes_three_shapes(
    shop: Shop, database_url: str, tmp_path: Path, shape
) -> None:
    path = write(tmp_path / "f.json", shape(shop.project_id))
    code, stdout, stderr = run(
        "export",
        "--project",
        "shop",
        "--filter",
        str(path),
        "-o",
        "-",
        "--database-url",
        database_url,
    )
    assert code == 0, stderr
    assert [json.loads(line)["span_id"] for line in stdout.splitlines()] == [shop.spans["chat"]]
    assert "Exported 1 spans as 1 jsonl records to standard output" in stderr


async def test_errors_name_the_part_and_write_no_file(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"

    def export(*args: str) -> tuple[int, str]:
        code, _, stderr = run(
            "export", "--project", "shop", "-o", str(out), "--database-url", database_url, *args
        )
        return code, stderr

    bad = write(tmp_path / "bad.json", {"type": "annotation", "score": {"gte": "high"}})
    code, err = export("--filter", str(bad))
    assert code == 1
    assert (
        "Error: --filter: filter.where.annotation.score.gte: Input should be a valid number" in err
    )
    (tmp_path / "broken.json").write_text("{")
    code, err = export("--filter", str(tmp_path / "broken.json"))
    assert (code, "is not a JSON document" in err) == (1, True)
    other = write(tmp_path / "other.json", {"project_id": "prj_00000000000000000000"})
    code, err = export("--filter", str(other))
    assert (code, "is not the project of --project" in err) == (1, True)
    code, err = export("--format", "xml")
    assert code == 2
    code, _, err = run(
        "export", "--project", "nope", "-o", str(out), "--database-url", database_url
    )
    assert (code, err) == (1, "Error: project 'nope' does not exist\n")
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))


async def test_a_project_name_in_two_workspaces_needs_the_workspace(
    shop: Shop, database, database_url: str, tmp_path: Path
) -> None:
    store(database, principal_of(database, "elsewhere"), [make_span(project="shop")])
    out = tmp_path / "out.jsonl"
    code, _, err = run(
        "export", "--project", "shop", "-o", str(out), "--database-url", database_url
    )
    assert code == 1
    assert "in several workspaces (acme, elsewhere); say which with --workspace" in err
    code, _, err = run(
        "export",
        "--project",
        "shop",
        "--workspace",
        "elsewhere",
        "-o",
        str(out),
        "--database-url",
        database_url,
    )
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 1
