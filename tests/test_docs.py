"""The README keeps up with the code: its two commands, every setting, every command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from annotrace.cli.app import app
from annotrace.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    serve, test = blocks[0].strip(), blocks[1].strip()
    assert serve.endswith("annotrace serve --demo")
    assert "pytest" in test
    # Nothing but prose before the first command.
    assert README.index("```bash") < README.index("\n## ")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    test = re.findall(r"```bash\n(.*?)```", README, flags=re.S)[1].strip()
    assert test in ci


def test_readme_names_every_setting() -> None:
    for name in Settings.model_fields:
        assert f"ANNOTRACE_{name.upper()}" in README, name


def test_readme_names_every_command() -> None:
    root = get_command(app)
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for sub in subcommands:
                assert f"annotrace {name} {sub}" in README, f"{name} {sub}"
        else:
            assert f"annotrace {name}" in README, name


def test_every_command_has_help() -> None:
    root = get_command(app)
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        assert command.help, name
        for sub_name, sub in getattr(command, "commands", {}).items():
            assert sub.help, f"{name} {sub_name}"
