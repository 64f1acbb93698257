"""`annotrace scores`: automated evaluation results, one or a file of them, to a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
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
from annotrace.client.common import DEFAULT_BATCH
from annotrace.client.scores import merge
from annotrace.schemas.annotations import ScoreIn, ScoresResult

app = typer.Typer(help="Log automated evaluation scores.", no_args_is_help=True)


def _result(result: ScoresResult, lines: list[int]) -> dict[str, Any]:
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": [
            {"line": lines[error.index], "span_id": error.span_id, "error": error.error}
            for error in result.errors
        ],
    }


def _report(summary: dict[str, Any], *, file: bool) -> None:
    console.print(
        f"Scores created: {summary['created']}, updated: {summary['updated']}, "
        f"unchanged: {summary['unchanged']}, refused: {len(summary['errors'])}."
    )
    for error in summary["errors"]:
        where = f"line {error['line']} " if file else ""
        console.print(f"  {where}(span {escape(error['span_id'])}): {escape(error['error'])}")


@app.command("log")
def log(
    span: Annotated[str, typer.Option("--span", help="Span id (16 hex digits).")],
    name: Annotated[str, typer.Option("--name", help="What was evaluated, e.g. faithfulness.")],
    score: Annotated[float | None, typer.Option("--score", help="The score.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="The verdict, e.g. pass.")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="The evaluator's explanation.")
    ] = None,
    evaluator: Annotated[
        str, typer.Option("--evaluator", help="Name of the evaluator (the score's annotator).")
    ] = "cli",
    trace: Annotated[
        str | None,
        typer.Option("--trace", help="Trace id of the span, needed only when the span id repeats."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Eval run or experiment id.")
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Log one evaluation score of a span.

    A score of the same evaluator and name on the span replaces the earlier one.

    Exit code 1 if the server refused it. --json prints {created, updated,
    unchanged, errors: [{span_id, error}]}.
    """
    if score is None and label is None:
        fail("give --score or --label (or both)")
    given = {
        "span_id": span,
        "trace_id": trace,
        "name": name,
        "score": score,
        "label": label,
        "reason": reason,
        "evaluator": evaluator,
        "run_id": run_id,
    }
    scored = ScoreIn(**{key: value for key, value in given.items() if value is not None})
    with connect(base_url, api_key, secret_key) as client:
        result = client.scores.log(scored)
    summary = _result(result, [0])
    for error in summary["errors"]:
        del error["line"]
    if as_json:
        print_json(summary)
    else:
        _report(summary, file=False)
    if result.errors:
        raise typer.Exit(1)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.jsonl", help="One score a line.", dir_okay=False, show_default=False
        ),
    ],
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=1,
            help="Scores per request (fewer when the server's limit is lower).",
        ),
    ] = DEFAULT_BATCH,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Log many evaluation scores from FILE.jsonl, a score a line:

      {"span_id": "…", "name": "…", "score": 0.9, "label": "pass", "reason": "…",
      "evaluator": "…", "run_id": "…", "trace_id": "…"}

    (span_id, name and evaluator are required.) Lines that are not such objects are
    reported with their line numbers and nothing is sent. Scores go in batches with
    a progress bar on stderr; then a summary with each refused score's line.

    Exit code 1 if any score was refused (the others are stored). --json prints
    {file, scores, created, updated, unchanged, errors: [{line, span_id, error}]}.
    """
    lines = read_jsonl(file)
    scores: list[ScoreIn] = []
    bad: list[str] = []
    for number, value in lines:
        try:
            scores.append(ScoreIn.model_validate(value))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            bad.append(f"line {number}: {where + ': ' if where else ''}{first['msg']}")
    if bad:
        fail(f"{file} has bad lines; nothing was sent:\n  " + "\n  ".join(bad[:20]))
    parts: list[tuple[int, ScoresResult]] = []
    with connect(base_url, api_key, secret_key) as client, progress_bar() as progress:
        task = progress.add_task("Scores", total=len(scores))
        for start in range(0, len(scores), batch_size):
            batch = scores[start : start + batch_size]
            try:
                parts.append((start, client.scores.log(batch, batch_size=batch_size)))
            except APIError as error:
                if start:
                    error.add_note(
                        f"scores of lines {lines[0][0]} to {lines[start - 1][0]} were stored; "
                        f"the rest (from line {lines[start][0]}) were not"
                    )
                fail(describe(error))
            progress.advance(task, len(batch))
    summary = _result(merge(parts), [number for number, _ in lines])
    if as_json:
        print_json({"file": str(file), "scores": len(scores), **summary})
    else:
        _report(summary, file=True)
    if summary["errors"]:
        raise typer.Exit(1)
