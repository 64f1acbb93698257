"""`annotrace annotate FILE.jsonl`: annotations and notes of many spans, from a file, over
the compatible bulk endpoint of a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from annotrace.cli.common import JsonOption, console, print_json
from annotrace.cli.remote import (
    ApiKeyOption,
    BaseUrlOption,
    SecretKeyOption,
    connect,
    describe,
    fail,
    progress_bar,
    read_jsonl,
)
from annotrace.client import APIError
from annotrace.client.annotations import merge
from annotrace.client.common import DEFAULT_BATCH
from annotrace.schemas.compat import BulkResult


def annotate(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.jsonl", help="One record a line.", dir_okay=False, show_default=False
        ),
    ],
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=1,
            help="Records per request (fewer when the server's limit is lower).",
        ),
    ] = DEFAULT_BATCH,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check every record on the server; store nothing."),
    ] = False,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Annotate many spans from FILE.jsonl, a record of the bulk endpoint a line:

      {"observation_span_id": "…", "annotations": [{"annotation_label_id": "…",
      "annotator_id": "…", "value" | "value_float" | "value_bool" |
      "value_str_list": …, "reason": "…"}], "notes": [{"text": "…",
      "annotator_id": "…"}]}

    Lines that are not JSON objects are reported with their line numbers and
    nothing is sent. Records go in batches of --batch-size, with a progress bar on
    stderr; then a summary: annotations created, updated and unchanged, notes
    created, and each record refused with its line number.

    Exit code 1 if any record failed (the others are stored), or the server
    refused a batch as a whole (the earlier batches stay stored).

    --json prints {file, records, dry_run, created, updated, unchanged, notes,
    succeeded, errors: [{line, span_id, annotation_error, note_error}]}.
    """
    lines = read_jsonl(file)
    records = [record for _, record in lines]
    parts: list[tuple[int, BulkResult]] = []
    with connect(base_url, api_key, secret_key) as client, progress_bar() as progress:
        task = progress.add_task("Dry run" if dry_run else "Annotating", total=len(records))
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            try:
                result = client.annotations.bulk(batch, dry_run=dry_run, batch_size=batch_size)
            except APIError as error:
                if start and not dry_run:
                    error.add_note(
                        f"records of lines {lines[0][0]} to {lines[start - 1][0]} were "
                        f"stored; the rest (from line {lines[start][0]}) were not"
                    )
                fail(describe(error))
            parts.append((start, result))
            progress.advance(task, len(batch))
    total = merge(parts, len(records))
    errors = [
        {
            "line": lines[error.recordIndex][0],
            "span_id": error.spanId,
            "annotation_error": error.annotationError,
            "note_error": error.noteError,
        }
        for error in total.errors
    ]
    if as_json:
        print_json(
            {
                "file": str(file),
                "records": len(records),
                "dry_run": total.dryRun,
                "created": total.annotationsCreated,
                "updated": total.annotationsUpdated,
                "unchanged": total.annotationsUnchanged,
                "notes": total.notesCreated,
                "succeeded": total.succeededCount,
                "errors": errors,
            }
        )
    else:
        _report(total, len(records), errors)
    if errors:
        raise typer.Exit(1)


def _report(total: BulkResult, records: int, errors: list[dict[str, Any]]) -> None:
    verb = "would be" if total.dryRun else "were"
    if total.dryRun:
        console.print("Dry run: nothing was stored.")
    console.print(
        f"{records} records, {total.succeededCount} without errors, {len(errors)} with errors."
    )
    console.print(
        f"Annotations {verb} created: {total.annotationsCreated}, updated: "
        f"{total.annotationsUpdated}, unchanged: {total.annotationsUnchanged}. "
        f"Notes {verb} created: {total.notesCreated}."
    )
    for error in errors:
        why = "; ".join(
            f"{kind}: {error[key]}"
            for kind, key in (("annotations", "annotation_error"), ("notes", "note_error"))
            if error[key]
        )
        console.print(
            f"  line {error['line']} (span {escape(str(error['span_id']))}): {escape(why)}"
        )
