"""`annotrace db`: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from annotrace.cli.common import DatabaseUrlOption, console
from annotrace.settings import load_settings
from annotrace.storage import migrate
from annotrace.storage.engine import Database

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Apply schema migrations (the server also does this when it starts)."""
    database = Database(load_settings(database_url=database_url).resolved_database_url())
    try:
        before = migrate.current_revision(database)
        migrate.upgrade(database, revision)
        after = migrate.current_revision(database)
    finally:
        database.dispose()
    console.print(
        f"{database.display_url}: schema at {after}"
        + (" (already up to date)" if before == after else f" (was {before or 'empty'})"),
        highlight=False,
    )


@app.command("current")
def current(database_url: DatabaseUrlOption = None) -> None:
    """Print the schema revision of the database and the newest one annotrace knows."""
    database = Database(load_settings(database_url=database_url).resolved_database_url())
    try:
        revision = migrate.current_revision(database)
    finally:
        database.dispose()
    head = migrate.head_revision()
    state = "up to date" if revision == head else f"behind; newest is {head}"
    console.print(f"{database.display_url}: {revision or 'empty'} ({state})", highlight=False)
