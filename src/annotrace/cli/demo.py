"""`annotrace demo`: fill the `demo` workspace with realistic traces."""

from __future__ import annotations

import typer
from rich.progress import Progress

from annotrace.cli.common import DatabaseUrlOption, console, database_from
from annotrace.domain.demo_annotations import REVIEWERS
from annotrace.services.demo import DemoAccess, annotate_demo, demo_spans, ensure_demo_access
from annotrace.services.demo_queue import ensure_demo_queue
from annotrace.services.ingest import store_spans
from annotrace.storage.engine import Database
from annotrace.storage.types import utcnow

app = typer.Typer(help="Demo data to explore annotrace with.", no_args_is_help=True)

BATCH = 500


def load_demo(database: Database) -> DemoAccess:
    """Create the demo workspace, user and keys, and store the demo traces (idempotent)."""
    with database.write() as session:
        access, principal = ensure_demo_access(session=session)
    spans = demo_spans(now=utcnow())
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Loading demo traces", total=len(spans))
        for offset in range(0, len(spans), BATCH):
            batch = spans[offset : offset + BATCH]
            with database.write() as session:
                store_spans(session=session, principal=principal, spans=batch)
            progress.advance(task, len(batch))
    with database.write() as session:
        annotations = annotate_demo(session=session, principal=principal, spans=spans)
        ensure_demo_queue(session=session, principal=principal)
    console.print(
        f"Demo workspace ready: {len(spans):,} spans, {annotations:,} annotations and eval "
        "scores, and an annotation queue.",
        highlight=False,
    )
    return access


def print_access(access: DemoAccess, base_url: str) -> None:
    console.print(
        f"""Dashboard: {base_url}/ (sign in as {access.email}, an admin, or as
{" or ".join(REVIEWERS)}, annotators; password {access.password})
API documentation: {base_url}/docs
API keys of the demo workspace (published, for trying things out only):
  X-Api-Key:    {access.api_key}
  X-Secret-Key: {access.secret_key}
Try: curl -H 'X-Api-Key: {access.api_key}' -H 'X-Secret-Key: {access.secret_key}' \\
       {base_url}/api/v1/projects""",
        highlight=False,
    )


@app.command("load")
def load(database_url: DatabaseUrlOption = None) -> None:
    """Load the demo workspace: a few hundred traces, an admin user and a key pair."""
    with database_from(database_url) as database:
        access = load_demo(database)
    print_access(access, "http://127.0.0.1:6180")
