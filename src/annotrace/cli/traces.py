"""`annotrace traces`: a project's traces, and one trace as a tree of spans, from a server."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from annotrace.cli.common import JsonOption, console, print_json
from annotrace.cli.remote import (
    ApiKeyOption,
    BaseUrlOption,
    SecretKeyOption,
    connect,
    dump,
    project_id,
)
from annotrace.cli.remote_common import ProjectOption, parse_time, when
from annotrace.client.traces import PAGE_SIZE
from annotrace.domain.spans import StatusCode
from annotrace.schemas.traces import SpanNode

app = typer.Typer(help="Traces of a project, from a server.", no_args_is_help=True)


@app.command("list")
def list_(
    project: ProjectOption,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="ISO",
            help="Traces starting at or after this time.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="ISO", help="Traces starting before this time.", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many traces.")] = 50,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List the traces of a project, newest first.

    --since/--until take ISO 8601 times (UTC when no zone is given). --json prints
    a list of {trace_id, project_id, start_time, end_time, duration_ms, status,
    span_count, error_count, prompt_tokens, completion_tokens, total_tokens,
    annotation_count, eval_count, root_span: {span_id, name, kind}}.
    """
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    with connect(base_url, api_key, secret_key) as client:
        found = client.traces.list(
            project_id(client, project),
            start_time=start,
            end_time=end,
            page_size=min(limit, PAGE_SIZE),
        )
        traces = list(islice(found, limit))
    if as_json:
        print_json(dump(traces))
        return
    if not traces:
        console.print("No traces.")
        return
    table = Table("trace", "root span", "start", "ms", "spans", "errors", "tokens", "annotations")
    for trace in traces:
        table.add_row(
            trace.trace_id,
            escape(trace.root_span.name) if trace.root_span else "",
            when(trace.start_time),
            f"{trace.duration_ms:.1f}",
            str(trace.span_count),
            str(trace.error_count),
            str(trace.total_tokens),
            str(trace.annotation_count + trace.eval_count),
        )
    console.print(table)


def _lines(node: SpanNode, depth: int) -> list[str]:
    status = " ERROR" if node.status_code == StatusCode.ERROR else ""
    model = f" {node.model_name}" if node.model_name else ""
    line = (
        f"{'  ' * depth}{node.name} [{node.kind.value}]{model}{status} "
        f"{node.duration_ms:.1f} ms  {node.span_id}"
    )
    return [line] + [text for child in node.children for text in _lines(child, depth + 1)]


@app.command("show")
def show(
    trace_id: Annotated[
        str,
        typer.Argument(metavar="TRACE_ID", help="Trace id (32 hex digits).", show_default=False),
    ],
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            help="Project name or id, needed only when the trace id is in several projects.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Show a trace: its spans as a tree, each child indented under its parent.

    Each span: name [kind], model, status when not OK, duration and span id.
    --json prints {trace_id, project_id, start_time, end_time, duration_ms, status,
    span_count, error_count, total_tokens, spans: [span with its children]}.
    """
    with connect(base_url, api_key, secret_key) as client:
        project = project_id(client, project) if project is not None else None
        trace = client.traces.get(trace_id, project)
    if as_json:
        print_json(dump(trace))
        return
    console.print(
        f"Trace {trace.trace_id} ({trace.project_id}): {trace.span_count} spans, "
        f"{trace.error_count} errors, {trace.duration_ms:.1f} ms, {trace.total_tokens} tokens, "
        f"from {when(trace.start_time)}"
    )
    for root in trace.spans:
        for line in _lines(root, 1):
            console.print(escape(line), highlight=False)
