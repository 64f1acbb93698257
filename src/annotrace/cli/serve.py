"""`annotrace serve`: the server."""

from __future__ import annotations

import gc
from typing import Annotated

import typer
import uvicorn

from annotrace.cli.common import DatabaseUrlOption, console, open_database
from annotrace.cli.demo import load_demo, print_access
from annotrace.settings import load_settings
from annotrace.web.app import create_app


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on. [env ANNOTRACE_HOST; default 127.0.0.1]"),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on. [env ANNOTRACE_PORT; default 6180]")
    ] = None,
    database_url: DatabaseUrlOption = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo workspace before serving.")
    ] = False,
) -> None:
    """Run the server: the API, OTLP ingest at /v1/traces and the dashboard.

    Migrations are applied first. SIGTERM or Ctrl-C stops it gracefully: requests in
    flight finish, then the database is closed.
    """
    settings = load_settings(host=host, port=port, database_url=database_url)
    database = open_database(settings)
    base_url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"annotrace on {base_url} with {database.kind} ({database.display_url})",
        highlight=False,
    )
    if demo:
        print_access(load_demo(database), base_url)
    app = create_app(settings, database)
    # Everything allocated so far lives as long as the process: freezing it spares every
    # later full collection a walk over it. Ingest allocates millions of short-lived
    # objects, so young collections run often; the larger first threshold makes them rarer.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Seconds to let requests in flight finish after SIGTERM.
        timeout_graceful_shutdown=30,
    )
