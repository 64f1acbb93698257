"""`annotrace projects`: the projects of a key's workspace, from a server."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from annotrace.cli.common import JsonOption, console, print_json
from annotrace.cli.remote import ApiKeyOption, BaseUrlOption, SecretKeyOption, connect, dump

app = typer.Typer(help="Projects of the workspace, from a server.", no_args_is_help=True)


@app.command("list")
def list_(
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List the projects of the key's workspace, with their trace and span counts.

    --json prints a list of {id, name, trace_count, span_count, created_at,
    last_trace_at}.
    """
    with connect(base_url, api_key, secret_key) as client:
        projects = client.projects.list()
    if as_json:
        print_json(dump(projects))
        return
    if not projects:
        console.print("No projects yet.")
        return
    table = Table("id", "name", "traces", "spans", "last trace")
    for project in projects:
        table.add_row(
            project.id,
            escape(project.name),
            str(project.trace_count),
            str(project.span_count),
            project.last_trace_at.isoformat(timespec="seconds") if project.last_trace_at else "",
        )
    console.print(table)
