"""`annotrace keys`: key pairs of a workspace."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from annotrace.cli.common import DatabaseUrlOption, JsonOption, console, database_from, print_json
from annotrace.services import keys
from annotrace.services.workspaces import get_workspace

app = typer.Typer(help="Create, list and revoke API key pairs.", no_args_is_help=True)

WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace name.")]


@app.command("create")
def create(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Option(help="A label for the key, e.g. 'ci-pipeline'.")] = "",
    as_json: JsonOption = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a key pair in WORKSPACE (created if missing) and print it.

    The secret key is shown only now: annotrace keeps just its hash.
    """
    with database_from(database_url) as database, database.write() as session:
        pair = keys.create_key_pair(session=session, workspace=workspace, name=name)
    if as_json:
        print_json(
            {"workspace": pair.workspace, "api_key": pair.api_key, "secret_key": pair.secret_key}
        )
        return
    console.print(f"Key pair created in workspace [bold]{pair.workspace}[/bold]:")
    console.print(f"  X-Api-Key:    {pair.api_key}", highlight=False)
    console.print(f"  X-Secret-Key: {pair.secret_key}", highlight=False)
    console.print("Store the secret key now: it cannot be shown again.", style="yellow")


@app.command("list")
def list_keys(
    workspace: WorkspaceOption, as_json: JsonOption = False, database_url: DatabaseUrlOption = None
) -> None:
    """List the key pairs of WORKSPACE (never their secrets)."""
    with database_from(database_url) as database, database.read() as session:
        owner = get_workspace(session=session, name=workspace)
        found = keys.list_keys(session=session, workspace_rowid=owner.workspace_rowid)
    if as_json:
        print_json(
            [
                {
                    "id": key.id,
                    "api_key": key.api_key,
                    "name": key.name,
                    "created_at": key.created_at.isoformat(),
                    "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                }
                for key in found
            ]
        )
        return
    table = Table("id", "api_key", "name", "created", "revoked")
    for key in found:
        table.add_row(
            key.id,
            key.api_key,
            key.name,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


@app.command("revoke")
def revoke(
    workspace: WorkspaceOption,
    key: Annotated[str, typer.Argument(help="The key's id (key_…) or its api_key (atk_…).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke a key pair: requests with it are refused from now on."""
    with database_from(database_url) as database, database.write() as session:
        owner = get_workspace(session=session, name=workspace)
        revoked = keys.revoke_key(session=session, workspace_rowid=owner.workspace_rowid, key=key)
    console.print(f"Revoked {revoked.api_key}.", highlight=False)
