"""`annotrace labels`, through Typer's CliRunner, on both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotrace.cli.app import app

runner = CliRunner()
OPTIONS = [arg for option in "abcdef" for arg in ("--option", option)]


def run(*args: str, columns: int = 200) -> tuple[int, str, str]:
    # rich sizes tables to $COLUMNS when the output is no terminal.
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def url(database_url: str) -> str:
    """A database with the workspace acme (made by `keys create`, as a user would)."""
    code, _, err = run("keys", "create", "--workspace", "acme", "--database-url", database_url)
    assert code == 0, err
    return database_url


def create(url: str, *args: str, project: str = "bot") -> tuple[int, str, str]:
    return run(
        "labels",
        "create",
        "--workspace",
        "acme",
        "--project",
        project,
        *args,
        "--database-url",
        url,
    )


def created(url: str, *args: str, project: str = "bot") -> dict[str, Any]:
    code, out, err = create(url, *args, "--json", project=project)
    assert code == 0, err
    return json.loads(out)


def listed(url: str, *args: str) -> list[dict[str, Any]]:
    code, out, err = run(
        "labels", "list", "--workspace", "acme", *args, "--json", "--database-url", url
    )
    assert code == 0, err
    return json.loads(out)


def archive(url: str, label_id: str) -> None:
    code, _, err = run("labels", "archive", label_id, "--workspace", "acme", "--database-url", url)
    assert code == 0, err


@pytest.mark.parametrize(
    ("kind", "args", "settings"),
    [
        (
            "text",
            ["--placeholder", "Why?", "--min-length", "2", "--max-length", "300"],
            {"placeholder": "Why?", "min_length": 2, "max_length": 300},
        ),
        (
            "numeric",
            ["--min", "0", "--max", "10", "--step-size", "0.5"],
            {"min": 0, "max": 10, "step_size": 0.5, "display_type": "slider"},
        ),
        (
            "numeric",
            ["--min", "-1.5", "--max", "1.5"],
            {"min": -1.5, "max": 1.5, "step_size": None, "display_type": "slider"},
        ),
        (
            "categorical",
            ["--option", "good", "--option", " bad ", "--multi-choice"],
            {"options": ["good", "bad"], "multi_choice": True},
        ),
        (
            "categorical",
            ["--option", "good", "--option", "bad", "--single-choice"],
            {"options": ["good", "bad"], "multi_choice": False},
        ),
        ("star", ["--stars", "7"], {"no_of_stars": 7}),
        ("star", [], {"no_of_stars": 5}),
        ("thumbs_up_down", [], {}),
        ("THUMBS_UP_DOWN", [], {}),
    ],
)
def test_create_each_type_with_its_settings_flags(
    url: str, kind: str, args: list[str], settings: dict[str, Any]
) -> None:
    label = created(url, "--name", "judged", "--type", kind, *args, "--description", "Be fair.")
    assert label["id"].startswith("lbl_")
    assert label["project_name"] == "bot"
    assert (label["name"], label["type"], label["description"]) == (
        "judged",
        kind.lower(),
        "Be fair.",
    )
    assert label["settings"] == settings
    assert label["version"] == 1
    assert listed(url) == [label]


def test_whole_numbers_stay_whole(url: str) -> None:
    code, out, _ = create(
        url, "--name", "n", "--type", "numeric", "--min", "0", "--max", "10", "--json"
    )
    assert code == 0
    # As the API would store `{"min": 0, "max": 10}`: no 0.0 creeping in.
    assert '"min": 0,' in out
    assert '"max": 10,' in out


def test_create_prints_a_readable_label(url: str) -> None:
    code, out, err = create(
        url, "--name", "tone", "--type", "categorical", "--option", "[calm]", "--option", "curt"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Label created in project bot (prj_")
    assert lines[1].startswith("  id:       lbl_")
    assert lines[2:] == [
        "  name:     tone",
        "  type:     categorical",
        '  settings: {"options": ["[calm]", "curt"], "multi_choice": false}',
    ]


def test_the_project_is_made_once_and_can_be_named_by_id(url: str) -> None:
    first = created(url, "--name", "one", "--type", "star")
    second = created(url, "--name", "two", "--type", "star")
    by_id = created(url, "--name", "three", "--type", "star", project=first["project_id"])
    assert first["project_id"] == second["project_id"] == by_id["project_id"]
    elsewhere = created(url, "--name", "one", "--type", "star", project="rag")
    assert elsewhere["project_id"] != first["project_id"]
    code, _, err = create(url, "--name", "x", "--type", "star", project="prj_00000000000000000000")
    assert code == 1
    assert err == "Error: project 'prj_00000000000000000000' not found\n"
    code, _, err = create(url, "--name", "x", "--type", "star", project="  ")
    assert code == 1
    assert err == "Error: --project must not be empty\n"


def test_settings_from_a_file(url: str, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"options": [{"label": "good"}, "bad"], "multi_choice": True}))
    label = created(url, "--name", "tone", "--type", "categorical", "--settings-file", str(path))
    assert label["settings"] == {"options": ["good", "bad"], "multi_choice": True}


@pytest.mark.parametrize(
    ("kind", "file", "args", "settings"),
    [
        (
            "numeric",
            {"min": 0, "max": 5, "step_size": 1},
            ["--max", "10"],
            {"min": 0, "max": 10, "step_size": 1, "display_type": "slider"},
        ),
        (
            "categorical",
            {"options": ["a", "b", "c"], "multi_choice": True},
            ["--option", "x", "--option", "y", "--single-choice"],
            {"options": ["x", "y"], "multi_choice": False},
        ),
        ("star", {"no_of_stars": 3}, ["--stars", "4"], {"no_of_stars": 4}),
        (
            "text",
            {"placeholder": "file", "max_length": 50},
            ["--placeholder", "flag"],
            {"placeholder": "flag", "min_length": 0, "max_length": 50},
        ),
    ],
)
def test_flags_override_the_settings_file(
    url: str,
    tmp_path: Path,
    kind: str,
    file: dict[str, Any],
    args: list[str],
    settings: dict[str, Any],
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(file))
    label = created(url, "--name", "l", "--type", kind, "--settings-file", str(path), *args)
    assert label["settings"] == settings


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "must hold a JSON object of settings, not a list"),
        ('"min"', "must hold a JSON object of settings, not a str"),
        ("{min: 0}", "is not JSON"),
        (None, "cannot be read"),
    ],
)
def test_an_unusable_settings_file_is_a_clear_error(
    url: str, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "settings.json"
    if content is not None:
        path.write_text(content)
    code, _, err = create(url, "--name", "n", "--type", "star", "--settings-file", str(path))
    assert code == 1
    assert err.startswith(f"Error: --settings-file {str(path)!r} ")
    assert message in err
    assert listed(url) == []


@pytest.mark.parametrize(
    ("kind", "args", "flag", "takes"),
    [
        ("star", ["--min", "1"], "--min", "star labels take --stars"),
        (
            "numeric",
            ["--min", "0", "--max", "1", "--stars", "3"],
            "--stars",
            "numeric labels take --min, --max, --step-size",
        ),
        ("thumbs_up_down", ["--option", "a"], "--option", "thumbs_up_down labels take no settings"),
        (
            "text",
            ["--single-choice"],
            "--multi-choice/--single-choice",
            "text labels take --placeholder, --min-length, --max-length",
        ),
        (
            "categorical",
            ["--option", "a", "--option", "b", "--max-length", "5"],
            "--max-length",
            "categorical labels take --option, --multi-choice/--single-choice",
        ),
        ("star", ["--step-size", "1"], "--step-size", "star labels take --stars"),
        (
            "numeric",
            ["--min", "0", "--max", "1", "--placeholder", "x"],
            "--placeholder",
            "numeric labels take --min, --max, --step-size",
        ),
    ],
)
def test_a_settings_flag_of_another_type_is_an_error_naming_it(
    url: str, kind: str, args: list[str], flag: str, takes: str
) -> None:
    code, out, err = create(url, "--name", "l", "--type", kind, *args)
    assert code == 1
    assert err.startswith(f"Error: {flag} is a setting of ")
    assert f"not of {kind} labels" in err
    assert takes in err
    assert out == ""
    assert listed(url) == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--type", "numeric", "--min", "5", "--max", "1"], "settings.max"),
        (["--type", "numeric", "--max", "1"], "settings.min"),
        (["--type", "categorical", "--option", "only"], "settings.options"),
        (["--type", "categorical", "--option", "a", "--option", "A"], "settings.options[1]"),
        (["--type", "star", "--stars", "11"], "settings.no_of_stars"),
        (["--type", "text", "--min-length", "9", "--max-length", "3"], "settings.max_length"),
    ],
)
def test_invalid_settings_are_refused_by_the_domain_rules(
    url: str, args: list[str], field: str
) -> None:
    code, _, err = create(url, "--name", "l", *args)
    assert code == 1
    assert err.startswith(f"Error: {field}")
    assert listed(url) == []


def test_a_duplicate_name_is_a_clear_error(url: str) -> None:
    created(url, "--name", "Tone", "--type", "star")
    code, _, err = create(url, "--name", "tone", "--type", "text")
    assert code == 1
    assert "already has a label named 'tone'" in err


def test_an_unknown_type_is_a_usage_error(url: str) -> None:
    code, _, err = create(url, "--name", "l", "--type", "rating")
    assert code == 2
    assert "rating" in err


@pytest.mark.parametrize("command", ["create", "list"])
def test_an_unknown_workspace_is_a_clear_error(url: str, command: str) -> None:
    args = ["--project", "bot", "--name", "l", "--type", "star"] if command == "create" else []
    code, _, err = run("labels", command, "--workspace", "nope", *args, "--database-url", url)
    assert code == 1
    assert err == "Error: workspace 'nope' does not exist\n"
    # Unlike `keys create`, labels commands never make a workspace.
    assert run("keys", "list", "--workspace", "nope", "--database-url", url)[0] == 1


def test_list_as_json(url: str) -> None:
    stars = created(url, "--name", "stars", "--type", "star")
    tone = created(url, "--name", "Tone", "--type", "categorical", "--option", "a", "--option", "b")
    faithful = created(url, "--name", "faithful", "--type", "thumbs_up_down", project="rag")
    old = created(url, "--name", "old", "--type", "text")
    archive(url, old["id"])

    # By project, then by name ignoring case.
    assert [label["id"] for label in listed(url)] == [stars["id"], tone["id"], faithful["id"]]
    assert [label["id"] for label in listed(url, "--project", "bot")] == [stars["id"], tone["id"]]
    assert [label["id"] for label in listed(url, "--project", faithful["project_id"])] == [
        faithful["id"]
    ]
    everything = listed(url, "--project", "bot", "--include-archived")
    assert [label["name"] for label in everything] == ["old", "stars", "Tone"]
    assert everything[0]["archived_at"] is not None
    assert everything[1] == stars
    code, _, err = run(
        "labels", "list", "--workspace", "acme", "--project", "nope", "--database-url", url
    )
    assert code == 1
    assert err == "Error: project 'nope' does not exist in workspace 'acme'\n"


def table_cells(out: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a rich table, with cells wrapped over several lines joined."""
    header: list[str] = []
    rows: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("┃"):
            parts = [part.strip() for part in line.split("┃")[1:-1]]
            # Headers are single words, folded mid-word when the screen is narrow.
            header = [a + b for a, b in zip(header, parts, strict=True)] if header else parts
        elif line.startswith("│"):
            parts = [part.strip() for part in line.split("│")[1:-1]]
            if parts[0]:
                rows.append(parts)
            else:
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], parts, strict=True)]
    return header, rows


def test_list_as_a_table(url: str) -> None:
    stars = created(url, "--name", "stars", "--type", "star", "--stars", "3")
    choice = created(url, "--name", "[tone]", "--type", "categorical", *OPTIONS, project="rag")
    old = created(url, "--name", "old", "--type", "star")
    archive(url, old["id"])

    code, out, _ = run("labels", "list", "--workspace", "acme", "--database-url", url)
    assert code == 0
    header, rows = table_cells(out)
    assert header == ["id", "project", "name", "type", "version", "annotations", "settings"]
    assert rows == [
        [stars["id"], "bot", "stars", "star", "1", "0", "3 stars"],
        [choice["id"], "rag", "[tone]", "categorical", "1", "0", "one of: a, b, c, d, e (+1 more)"],
    ]

    code, out, _ = run(
        "labels", "list", "--workspace", "acme", "--include-archived", "--database-url", url
    )
    _, rows = table_cells(out)
    assert rows[0][:3] == [old["id"], "bot", "old (archived)"]


def test_a_narrow_table_folds_cells_but_keeps_ids_and_types_whole(url: str) -> None:
    label = created(url, "--name", "helpfulness", "--type", "thumbs_up_down", project="support")
    code, out, _ = run("labels", "list", "--workspace", "acme", "--database-url", url, columns=80)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    _, rows = table_cells(out)
    assert rows[0][0] == label["id"]
    assert rows[0][3] == "thumbs_up_down"


@pytest.mark.parametrize("command", ["create", "list"])
def test_help_of_each_command(command: str) -> None:
    code, out, _ = run("labels", command, "--help")
    assert code == 0
    assert f"Usage: annotrace labels {command}" in out
    assert "--workspace" in out
    assert "--database-url" in out
    if command == "create":
        for flag in ("--min-length", "--step-size", "--option", "--stars", "--settings-file"):
            assert flag in out


def test_update_renames_and_new_settings_make_a_version(url: str, tmp_path: Path) -> None:
    label = created(url, "--name", "tone", "--type", "categorical", *OPTIONS)
    code, out, err = run(
        "labels",
        "update",
        label["id"],
        "--workspace",
        "acme",
        "--name",
        "Tone",
        "--description",
        "How it sounds",
        "--json",
        "--database-url",
        url,
    )
    assert code == 0, err
    renamed = json.loads(out)
    code, out, err = run(
        "labels", "show", label["id"], "--workspace", "acme", "--json", "--database-url", url
    )
    assert code == 0, err
    assert json.loads(out)["name"] == "Tone"
    assert (renamed["name"], renamed["description"], renamed["version"]) == (
        "Tone",
        "How it sounds",
        1,
    )
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"options": ["warm", "cold"], "multi_choice": True}))
    code, out, err = run(
        "labels",
        "update",
        label["id"],
        "--workspace",
        "acme",
        "--settings-file",
        str(settings),
        "--json",
        "--database-url",
        url,
    )
    assert code == 0, err
    changed = json.loads(out)
    assert (changed["version"], changed["settings"]["options"]) == (2, ["warm", "cold"])
    code, _, err = run(
        "labels", "update", label["id"], "--workspace", "acme", "--database-url", url
    )
    assert code == 1
    assert "give --name, --description or --settings-file" in err
    code, _, err = run(
        "labels",
        "update",
        "lbl_00000000000000000000",
        "--workspace",
        "acme",
        "--name",
        "x",
        "--database-url",
        url,
    )
    assert code == 1
    assert "not found" in err


def test_archive_hides_a_label_and_frees_its_name(url: str) -> None:
    label = created(url, "--name", "old", "--type", "star")
    code, out, err = run(
        "labels", "archive", label["id"], "--workspace", "acme", "--json", "--database-url", url
    )
    assert code == 0, err
    assert json.loads(out)["archived_at"] is not None
    assert [found["id"] for found in listed(url)] == []
    assert created(url, "--name", "old", "--type", "star")["id"] != label["id"]
