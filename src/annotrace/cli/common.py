"""What every command shares: opening the database, printing, failing cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from annotrace.settings import Settings, load_settings
from annotrace.storage import migrate
from annotrace.storage.engine import Database

# soft_wrap: long lines (keys, URLs) stay whole when the output is not a terminal.
console = Console(soft_wrap=True)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL (postgresql://… or sqlite:///…). "
        "Default: $ANNOTRACE_DATABASE_URL, else a SQLite file in $ANNOTRACE_DATA_DIR.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def open_database(settings: Settings) -> Database:
    """Open the configured database and bring its schema up to date."""
    database = Database(settings.resolved_database_url())
    migrate.upgrade(database)
    return database


@contextmanager
def database_from(database_url: str | None) -> Iterator[Database]:
    """The database named by the flag (or the environment), closed when the command ends."""
    database = open_database(load_settings(database_url=database_url))
    try:
        yield database
    finally:
        database.dispose()


def print_json(data: Any) -> None:
    # Plain print, not rich: scripts parse this output.
    typer.echo(json.dumps(data, indent=2, default=str))
