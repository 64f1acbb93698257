"""`annotrace annotations`, `annotrace notes` and `annotrace corrections`: what people (and
scripts) say about a span, over a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from annotrace.cli.common import JsonOption, console, print_json
from annotrace.cli.remote import ApiKeyOption, BaseUrlOption, SecretKeyOption, connect, dump, fail
from annotrace.cli.remote_common import (
    AnnotatorOption,
    SpanArgument,
    TraceOption,
    read_text_option,
    short,
    when,
)
from annotrace.schemas.annotations import AnnotationRead

app = typer.Typer(help="Annotations of spans, over a server.", no_args_is_help=True)
notes_app = typer.Typer(help="Notes on spans, over a server.", no_args_is_help=True)
corrections_app = typer.Typer(
    help="Corrected outputs of spans, over a server.", no_args_is_help=True
)

AnnotationArgument = Annotated[
    str,
    typer.Argument(metavar="ANNOTATION_ID", help="Annotation id (ann_…).", show_default=False),
]
LabelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--label",
        help="The Label, e.g. good; repeat for a label of several choices.",
        show_default=False,
    ),
]
ScoreOption = Annotated[float | None, typer.Option("--score", help="The Score.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why this label and score.")]


def _label(labels: list[str] | None) -> str | list[str] | None:
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else labels


def _value(annotation: AnnotationRead) -> str:
    parts = [annotation.label or "", "" if annotation.score is None else f"{annotation.score:g}"]
    return " ".join(part for part in parts if part)


def _print_annotation(annotation: AnnotationRead, verb: str) -> None:
    console.print(
        f"{verb} {annotation.id}: {escape(annotation.name)} = {escape(_value(annotation))} "
        f"by {escape(annotation.annotator_id)} on span {annotation.span_id}"
    )
    if annotation.reason:
        console.print(f"  reason: {escape(annotation.reason)}", highlight=False)


@app.command("add")
def add(
    span_id: SpanArgument,
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="A label's name (checked against it), or a free-form name.",
            show_default=False,
        ),
    ],
    annotator: AnnotatorOption,
    label: LabelOption = None,
    score: ScoreOption = None,
    reason: ReasonOption = None,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Annotate a span: Name, Label and/or Score, Reason.

    The annotator's earlier annotation of the same name on the span is updated.
    --json prints the annotation: {id, span_id, trace_id, project_id, name,
    label_id, label_type, value, label, score, reason, annotator_id, source, kind,
    created_at, updated_at}.
    """
    if not label and score is None:
        fail("give --label or --score (or both)")
    with connect(base_url, api_key, secret_key) as client:
        annotation = client.annotations.create(
            span_id,
            name,
            label=_label(label),
            score=score,
            reason=reason,
            annotator_id=annotator,
            trace_id=trace,
        )
    if as_json:
        print_json(dump(annotation))
    else:
        _print_annotation(annotation, "Saved")


@app.command("list")
def list_(
    span_id: SpanArgument,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List a span's annotations and eval scores.

    --json prints a list of annotations (the fields of `annotations add --json`).
    """
    with connect(base_url, api_key, secret_key) as client:
        annotations = client.annotations.list(span_id, trace_id=trace)
    if as_json:
        print_json(dump(annotations))
        return
    if not annotations:
        console.print("No annotations.")
        return
    table = Table("id", "name", "label", "score", "reason", "annotator", "kind", "updated")
    for annotation in annotations:
        table.add_row(
            annotation.id,
            escape(annotation.name),
            escape(annotation.label or ""),
            "" if annotation.score is None else f"{annotation.score:g}",
            escape(short(annotation.reason, 50)),
            escape(annotation.annotator_id),
            annotation.kind,
            when(annotation.updated_at),
        )
    console.print(table)


@app.command("update")
def update(
    annotation_id: AnnotationArgument,
    label: LabelOption = None,
    score: ScoreOption = None,
    reason: ReasonOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Change an annotation's Label, Score or Reason; what is not given stays.

    --json prints the annotation as changed.
    """
    changes: dict[str, Any] = {}
    if label:
        changes["label"] = _label(label)
    if score is not None:
        changes["score"] = score
    if reason is not None:
        changes["reason"] = reason
    if not changes:
        fail("give --label, --score or --reason")
    with connect(base_url, api_key, secret_key) as client:
        annotation = client.annotations.update(annotation_id, **changes)
    if as_json:
        print_json(dump(annotation))
    else:
        _print_annotation(annotation, "Updated")


@app.command("delete")
def delete(
    annotation_id: AnnotationArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Delete an annotation. --json prints {deleted: ANNOTATION_ID}."""
    with connect(base_url, api_key, secret_key) as client:
        client.annotations.delete(annotation_id)
    if as_json:
        print_json({"deleted": annotation_id})
    else:
        console.print(f"Deleted annotation {annotation_id}.")


@notes_app.command("add")
def add_note(
    span_id: SpanArgument,
    text: Annotated[str, typer.Option("--text", help="The note.", show_default=False)],
    annotator: AnnotatorOption,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Add a note to a span (the same text from the same annotator is kept once).

    --json prints the note: {id, span_id, text, annotator_id, created_at}.
    """
    with connect(base_url, api_key, secret_key) as client:
        note = client.annotations.add_note(span_id, text, annotator_id=annotator, trace_id=trace)
    if as_json:
        print_json(dump(note))
    else:
        console.print(f"Added note {note.id} on span {note.span_id}.")


@notes_app.command("list")
def list_notes(
    span_id: SpanArgument,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List a span's notes. --json prints a list of {id, span_id, text,
    annotator_id, created_at}."""
    with connect(base_url, api_key, secret_key) as client:
        notes = client.annotations.notes(span_id, trace_id=trace)
    if as_json:
        print_json(dump(notes))
        return
    if not notes:
        console.print("No notes.")
        return
    table = Table("id", "annotator", "written", "text")
    for note in notes:
        table.add_row(note.id, escape(note.annotator_id), when(note.created_at), escape(note.text))
    console.print(table)


@notes_app.command("delete")
def delete_note(
    span_id: SpanArgument,
    note_id: Annotated[
        str, typer.Argument(metavar="NOTE_ID", help="Note id (note_…).", show_default=False)
    ],
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Delete a note of a span. --json prints {deleted: NOTE_ID}."""
    with connect(base_url, api_key, secret_key) as client:
        client.annotations.delete_note(span_id, note_id, trace_id=trace)
    if as_json:
        print_json({"deleted": note_id})
    else:
        console.print(f"Deleted note {note_id}.")


@corrections_app.command("set")
def set_correction(
    span_id: SpanArgument,
    annotator: AnnotatorOption,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            metavar="TEXT",
            help="The output the span should have given.",
            show_default=False,
        ),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            metavar="F",
            dir_okay=False,
            help="A UTF-8 file holding that output (instead of --output).",
            show_default=False,
        ),
    ] = None,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Record the output a span should have given (replaces the one before).

    --json prints the correction: {id, span_id, output, original_output,
    annotator_id, created_at, updated_at}.
    """
    text = read_text_option(output, output_file, "--output", "--output-file")
    with connect(base_url, api_key, secret_key) as client:
        correction = client.annotations.set_correction(
            span_id, text, annotator_id=annotator, trace_id=trace
        )
    if as_json:
        print_json(dump(correction))
    else:
        console.print(f"Saved correction {correction.id} of span {correction.span_id}.")


@corrections_app.command("show")
def show_correction(
    span_id: SpanArgument,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Show a span's corrected output beside the original (an error when it has none).

    --json prints {id, span_id, output, original_output, annotator_id, created_at,
    updated_at}.
    """
    with connect(base_url, api_key, secret_key) as client:
        correction = client.annotations.correction(span_id, trace_id=trace)
    if as_json:
        print_json(dump(correction))
        return
    console.print(
        f"Correction {correction.id} of span {correction.span_id} by "
        f"{escape(correction.annotator_id)}, {when(correction.updated_at)}"
    )
    console.print("Original output:")
    console.print(escape(correction.original_output or ""), highlight=False)
    console.print("Corrected output:")
    console.print(escape(correction.output), highlight=False)


@corrections_app.command("delete")
def delete_correction(
    span_id: SpanArgument,
    trace: TraceOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Delete a span's corrected output. --json prints {deleted: SPAN_ID}."""
    with connect(base_url, api_key, secret_key) as client:
        client.annotations.delete_correction(span_id, trace_id=trace)
    if as_json:
        print_json({"deleted": span_id})
    else:
        console.print(f"Deleted the correction of span {span_id}.")
