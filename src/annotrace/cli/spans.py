"""`annotrace spans`: one span with all its fields, and the spans a filter selects, from a
server."""

from __future__ import annotations

import json
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
from annotrace.cli.remote_common import (
    FilterOption,
    ProjectOption,
    SpanArgument,
    TraceOption,
    read_filter,
    short,
    when,
)
from annotrace.client.spans import PAGE_SIZE
from annotrace.schemas.search import SpanResult

app = typer.Typer(help="Spans: one, or a search, from a server.", no_args_is_help=True)

_FIELDS = (
    "span_id", "trace_id", "parent_span_id", "project_id", "name", "kind", "otel_kind",
    "status_code", "status_message", "start_time", "end_time", "duration_ms", "model_name",
    "prompt_tokens", "completion_tokens", "total_tokens", "scope_name", "scope_version",
)  # fmt: skip


@app.command("show")
def show(
    span_id: SpanArgument,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Show a span: its fields, input, output and attributes.

    --json prints the span as the API returns it: {span_id, trace_id,
    parent_span_id, project_id, name, kind, …, input_value, output_value,
    attributes, events, links, resource_attributes}.
    """
    with connect(base_url, api_key, secret_key) as client:
        span = client.traces.get_span(span_id, trace)
    data = dump(span)
    if as_json:
        print_json(data)
        return
    table = Table("field", "value", show_header=False)
    for field in _FIELDS:
        value = data.get(field)
        if value not in (None, ""):
            table.add_row(field, escape(str(value)))
    console.print(table)
    for title, value in (("Input", span.input_value), ("Output", span.output_value)):
        if value is not None:
            console.print(f"{title} ({data.get(title.lower() + '_mime_type') or 'text'}):")
            console.print(escape(value), highlight=False)
    if span.attributes:
        console.print("Attributes:")
        console.print(escape(json.dumps(span.attributes, indent=2, default=str)), highlight=False)


def _labels(span: SpanResult) -> str:
    shown = [
        f"{item.name}={item.label if item.label is not None else item.score}"
        for item in span.annotations
    ]
    return short(", ".join(shown), 50)


@app.command("search")
def search(
    project: ProjectOption,
    filter_file: FilterOption = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="At most this many spans (default: every match)."),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Search the spans of a project, newest first.

    --filter F.json: the filter of the search API without its project_id, e.g.
    {"start_time": "2026-01-01T00:00:00Z", "where": {"type": "annotation",
    "label": "Quality"}}; without it, every span of the project.

    --json prints JSON lines, one span a line, as they come: each span's fields
    with its annotations, notes, correction and gold values.
    """
    with connect(base_url, api_key, secret_key) as client:
        span_filter = read_filter(filter_file, project_id(client, project))
        page_size = min(limit, PAGE_SIZE) if limit else PAGE_SIZE
        found: list[SpanResult] = []
        for span in islice(client.spans.search(span_filter, page_size=page_size), limit):
            if as_json:
                typer.echo(json.dumps(dump(span), default=str))
            else:
                found.append(span)
    if as_json:
        return
    if not found:
        console.print("No spans match.")
        return
    table = Table("span", "trace", "name", "kind", "status", "start", "output", "annotations")
    for span in found:
        table.add_row(
            span.span_id,
            span.trace_id,
            escape(short(span.name, 40)),
            span.kind.value,
            span.status_code.value,
            when(span.start_time),
            escape(short(span.output_value, 40)),
            escape(_labels(span)),
        )
    console.print(table)
    console.print(f"{len(found)} spans.")
