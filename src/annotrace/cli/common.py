"""What every command shares: opening the database, printing, failing cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import is_public_id
from annotrace.domain.names import validate_name
from annotrace.errors import NotFound
from annotrace.services.projects import ensure_projects, get_project, list_projects
from annotrace.services.workspaces import get_workspace
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


def admin_principal(session: Session, workspace: str) -> Principal:
    """The CLI works on the database directly, as an admin of the workspace."""
    owner = get_workspace(session=session, name=workspace)
    return Principal(
        workspace_rowid=owner.workspace_rowid,
        workspace_id=owner.id,
        workspace_name=owner.name,
        role=Role.ADMIN,
    )


def project_id_of(session: Session, principal: Principal, project: str, *, create: bool) -> str:
    """The public id of the project named (or identified) by `project`."""
    if is_public_id(project.strip(), "prj"):
        return get_project(session=session, principal=principal, project_id=project.strip()).id
    name = validate_name(project, field="--project")
    if create:
        ensure_projects(session=session, workspace_rowid=principal.workspace_rowid, names=[name])
    # No service looks a project up by name alone; listing the workspace's projects is
    # cheap enough for a command run by hand.
    for found in list_projects(session=session, principal=principal):
        if found.name == name:
            return found.id
    raise NotFound(f"project {name!r} does not exist in workspace {principal.workspace_name!r}")
