"""The `annotrace` command."""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from annotrace import __version__
from annotrace.cli import (
    annotate,
    annotations_remote,
    datasets,
    db,
    demo,
    export,
    keys,
    labels,
    projects,
    queues,
    scores,
    serve,
    spans,
    traces,
    users,
)
from annotrace.errors import AnnotraceError


class _Commands(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except AnnotraceError as error:
            # Domain errors are the user's to fix: "Error: <what is wrong>", exit code 1,
            # no traceback.
            field = getattr(error, "field", None)
            prefix = f"{field}: " if field and not error.message.startswith(field) else ""
            typer.echo(f"Error: {prefix}{error.message}", err=True)
            raise typer.Exit(1) from None
        except OperationalError as error:
            # The database is down or the URL is wrong: the driver's first line says which.
            reason = str(error.orig or error).strip().splitlines()[0]
            typer.echo(f"Error: cannot use the database: {reason}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="annotrace",
    cls=_Commands,
    help="Self-hosted annotation of LLM traces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(users.app, name="users")
app.add_typer(labels.app, name="labels")
app.add_typer(demo.app, name="demo")
app.command("export")(export.export)
app.add_typer(projects.app, name="projects")
app.command("annotate")(annotate.annotate)
app.add_typer(scores.app, name="scores")
app.add_typer(queues.app, name="queues")
app.add_typer(traces.app, name="traces")
app.add_typer(spans.app, name="spans")
app.add_typer(annotations_remote.app, name="annotations")
app.add_typer(annotations_remote.notes_app, name="notes")
app.add_typer(annotations_remote.corrections_app, name="corrections")
app.add_typer(datasets.app, name="datasets")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"annotrace {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Self-hosted annotation of LLM traces."""


def main() -> None:
    app()
