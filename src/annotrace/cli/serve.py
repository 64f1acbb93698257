"""`annotrace serve`: the server."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
import uvicorn

from annotrace.cli.common import DatabaseUrlOption, console, open_database
from annotrace.cli.demo import load_demo, print_access
from annotrace.settings import load_settings
from annotrace.web.app import create_app, tune_garbage_collector

# What each worker process of `--workers N` imports to build its own application.
WORKER_FACTORY = "annotrace.web.app:app_from_environment"


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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes sharing the port. They keep nothing of their own: "
            "sessions, queue reservations and throttles live in the database, so any "
            "worker, or another server on the same database, can answer any request.",
        ),
    ] = 1,
) -> None:
    """Run the server: the API, OTLP ingest at /v1/traces and the dashboard.

    Migrations are applied first, once. SIGTERM or Ctrl-C stops it gracefully: requests
    in flight finish, then the database is closed.
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
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        # Seconds to let requests in flight finish after SIGTERM.
        "timeout_graceful_shutdown": 30,
    }
    if workers == 1:
        app = create_app(settings, database)
        tune_garbage_collector()
        uvicorn.run(app, **options)
        return
    database.dispose()
    # Each worker is a new interpreter that reads its settings from the environment.
    os.environ["ANNOTRACE_DATABASE_URL"] = settings.resolved_database_url()
    os.environ["ANNOTRACE_LOG_LEVEL"] = settings.log_level
    console.print(f"{workers} worker processes", highlight=False)
    uvicorn.run(WORKER_FACTORY, factory=True, workers=workers, **options)
