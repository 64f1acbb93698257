"""`annotrace export`: the spans a filter selects, written to a file with a progress bar."""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from annotrace.cli.common import (
    DatabaseUrlOption,
    JsonOption,
    admin_principal,
    console,
    database_from,
    print_json,
    project_id_of,
)
from annotrace.domain.export_formats import ExportFormat
from annotrace.errors import InvalidInput, NotFound
from annotrace.schemas.exports import ExportRequest, ExportSummary
from annotrace.services.exports import SpanExport
from annotrace.services.projects import workspaces_with_project

# The bar goes to stderr, so `-o -` can send the file itself to stdout.
_progress_console = Console(stderr=True)


def export(
    project: Annotated[str, typer.Option("--project", help="Project name or id (prj_…).")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; - for standard output.")
    ],
    filter_file: Annotated[
        Path | None,
        typer.Option(
            "--filter",
            help="JSON file with the filter of POST /api/v1/spans/search: a whole filter "
            '({"where": …, "start_time": …}), a search body ({"filter": …}) or one condition '
            '({"type": …}). Its project_id may be left out. Default: every span.',
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="File format.", case_sensitive=False)
    ] = "jsonl",
    preference_label: Annotated[
        str | None,
        typer.Option(
            "--preference-label",
            help="preference-pairs: judge answers by this label alone "
            "(default: every thumbs, star and numeric label).",
        ),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", help="Workspace name; needed only when several hold the project."
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the spans a filter selects, with their annotations, notes and corrections.

    Formats: jsonl (one span a line), csv (a column per label), parquet (a fixed schema),
    openai-chat (fine-tuning lines from LLM spans), preference-pairs (chosen / rejected
    answers to the same input). Spans that cannot become a record are counted by reason.
    """
    conditions = _read_filter(filter_file)
    with database_from(database_url) as database, database.read() as session:
        principal = admin_principal(session, workspace or _only_workspace(session, project))
        conditions["project_id"] = _checked_project(
            conditions, project_id_of(session, principal, project, create=False)
        )
        try:
            request = ExportRequest.model_validate(
                {
                    "filter": conditions,
                    "format": export_format,
                    "preference_label": preference_label,
                }
            )
        except ValidationError as error:
            raise _filter_error(error) from None
        spans = SpanExport(session=session, principal=principal, request=request)
        _write(spans, output)
    summary = spans.summary()
    if as_json and output == "-":
        # Standard output holds the file itself.
        typer.echo(json.dumps(summary.model_dump()), err=True)
    elif as_json:
        print_json({**summary.model_dump(), "output": output})
    else:
        _report(summary, output)


def _read_filter(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"{path} is not a JSON document: {error}", field="--filter", expected="JSON"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("filter"), dict):
        data = data["filter"]
    if isinstance(data, dict) and "type" in data:
        data = {"where": data}
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{path} must hold a JSON object", field="--filter", expected="a filter object"
        )
    return data


def _only_workspace(session: Any, project: str) -> str:
    found = workspaces_with_project(session=session, project=project)
    if not found:
        raise NotFound(f"project {project.strip()!r} does not exist")
    if len(found) > 1:
        raise InvalidInput(
            f"project {project.strip()!r} is in several workspaces ({', '.join(found)}); "
            "say which with --workspace",
            field="--workspace",
            expected="a workspace name",
        )
    return found[0]


def _checked_project(conditions: dict[str, Any], project_id: str) -> str:
    given = conditions.get("project_id")
    if given is not None and given != project_id:
        raise InvalidInput(
            f"the filter's project_id {given!r} is not the project of --project ({project_id})",
            field="--filter",
            expected=f"project_id {project_id} or none",
        )
    return project_id


def _filter_error(error: ValidationError) -> InvalidInput:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return InvalidInput(f"{where}: {problem['msg']}", field="--filter", expected="a valid filter")


def _write(spans: SpanExport, output: str) -> None:
    # A file appears whole or not at all: an export that fails leaves no half file.
    target = None if output == "-" else Path(output)
    partial = None if target is None else target.with_name(target.name + ".partial")
    progress = Progress(
        TextColumn("Exporting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("spans"),
        TimeRemainingColumn(),
        console=_progress_console,
        transient=True,
    )
    task = progress.add_task("export", total=spans.span_count)
    try:
        sink_context = nullcontext(sys.stdout.buffer) if partial is None else partial.open("wb")
        with progress, sink_context as sink:
            for chunk in spans.chunks(lambda count: progress.advance(task, count)):
                sink.write(chunk)
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    if target is not None and partial is not None:
        os.replace(partial, target)


def _report(summary: ExportSummary, output: str) -> None:
    where = "standard output" if output == "-" else output
    report = console if output != "-" else _progress_console
    report.print(
        f"Exported {summary.spans:,} spans as {summary.records:,} {summary.format} records "
        f"to {where}",
        markup=False,
        highlight=False,
    )
    for reason, count in sorted(summary.skipped.items()):
        report.print(f"  skipped {count:,}: {reason}", markup=False, highlight=False)
