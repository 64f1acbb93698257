"""`annotrace users`: dashboard users and their roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from annotrace.cli.common import DatabaseUrlOption, JsonOption, console, database_from, print_json
from annotrace.domain.access import Role
from annotrace.services import users

app = typer.Typer(help="Create and list dashboard users.", no_args_is_help=True)


@app.command("create")
def create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace name.")],
    email: Annotated[str, typer.Option("--email", help="Sign-in email.")],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            help="Sign-in password (at least 8 characters); asked for when left out.",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
        ),
    ],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")] = Role.ANNOTATOR,
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a user with a role in WORKSPACE (created if missing)."""
    with database_from(database_url) as database, database.write() as session:
        user = users.create_user(
            session=session, workspace=workspace, email=email, password=password, role=role
        )
    if as_json:
        print_json(
            {
                "id": user.id,
                "email": user.email,
                "workspace": user.workspace,
                "role": user.role.value,
            }
        )
        return
    console.print(
        f"User {user.email} created in workspace {user.workspace} as {user.role.value}.",
        highlight=False,
    )


@app.command("list")
def list_users(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace name.")],
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List the users of WORKSPACE and their roles."""
    with database_from(database_url) as database, database.read() as session:
        found = users.list_users(session=session, workspace=workspace)
    if as_json:
        print_json([{"id": u.id, "email": u.email, "role": u.role.value} for u in found])
        return
    table = Table("id", "email", "role")
    for user in found:
        table.add_row(user.id, user.email, user.role.value)
    console.print(table)
