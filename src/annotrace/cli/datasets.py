"""`annotrace datasets`: saved datasets (named, versioned exports kept on a server)."""

from __future__ import annotations

from pathlib import Path
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
    fail,
    project_id,
)
from annotrace.cli.remote_common import FilterOption, ProjectOption, read_filter, when
from annotrace.domain.export_formats import ExportFormat
from annotrace.schemas.datasets import DatasetVersionRead

app = typer.Typer(help="Saved datasets, on a server.", no_args_is_help=True)

DatasetArgument = Annotated[
    str, typer.Argument(metavar="DATASET_ID", help="Dataset id (ds_…).", show_default=False)
]


def _version_line(version: DatasetVersionRead) -> str:
    skipped = sum(version.skipped.values())
    left_out = f", {skipped} spans left out" if skipped else ""
    return (
        f"version {version.version}: {version.format}, {version.record_count} records from "
        f"{version.span_count} spans{left_out}, {version.byte_size} bytes, by "
        f"{escape(version.created_by)} at {when(version.created_at)}"
    )


@app.command("save")
def save(
    project: ProjectOption,
    name: Annotated[
        str,
        typer.Option(
            "--name", help="Dataset name; saving it again adds a version.", show_default=False
        ),
    ],
    filter_file: FilterOption = None,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="File format.", case_sensitive=False)
    ] = "jsonl",
    description: Annotated[
        str | None,
        typer.Option("--description", help="What the dataset is for.", show_default=False),
    ] = None,
    preference_label: Annotated[
        str | None,
        typer.Option(
            "--preference-label",
            help="preference-pairs only: judge answers by this label alone.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Save the spans a filter selects as the next version of a dataset.

    --filter F.json: {start_time, end_time, where} as for `spans search`; without
    it, every span of the project. --json prints the version: {id, dataset_id,
    name, project_id, version, format, filter, span_count, record_count, skipped,
    byte_size, sha256, created_by, created_at, download_url}.
    """
    with connect(base_url, api_key, secret_key) as client:
        span_filter = read_filter(filter_file, project_id(client, project))
        saved = client.datasets.save(
            span_filter,
            name,
            format=export_format,
            description=description,
            preference_label=preference_label,
        )
    if as_json:
        print_json(dump(saved))
    else:
        console.print(f"Saved {escape(saved.name)} ({saved.dataset_id}) {_version_line(saved)}")


@app.command("list")
def list_(
    project: Annotated[
        str | None,
        typer.Option(
            "--project", help="Only this project's datasets (name or id).", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List the saved datasets, with their latest version.

    --json prints a list of {id, project_id, name, description, created_at,
    versions: [version, newest first]}.
    """
    with connect(base_url, api_key, secret_key) as client:
        wanted = project_id(client, project) if project is not None else None
        datasets = client.datasets.list(wanted)
    if as_json:
        print_json(dump(datasets))
        return
    if not datasets:
        console.print("No datasets.")
        return
    table = Table("id", "name", "project", "versions", "latest", "format", "records", "saved")
    for dataset in datasets:
        latest = dataset.versions[0] if dataset.versions else None
        table.add_row(
            dataset.id,
            escape(dataset.name),
            dataset.project_id,
            str(len(dataset.versions)),
            str(latest.version) if latest else "",
            latest.format if latest else "",
            str(latest.record_count) if latest else "",
            when(latest.created_at) if latest else "",
        )
    console.print(table)


@app.command("show")
def show(
    dataset_id: DatasetArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Show a dataset and its versions, newest first.

    --json prints {id, project_id, name, description, created_at, versions}.
    """
    with connect(base_url, api_key, secret_key) as client:
        dataset = client.datasets.get(dataset_id)
    if as_json:
        print_json(dump(dataset))
        return
    console.print(f"Dataset {escape(dataset.name)} ({dataset.id}), project {dataset.project_id}")
    if dataset.description:
        console.print(escape(dataset.description), highlight=False)
    for version in dataset.versions:
        console.print(f"  {_version_line(version)}  sha256 {version.sha256}")


@app.command("export")
def export(
    project: ProjectOption,
    filter_file: FilterOption = None,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="File format.", case_sensitive=False)
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            dir_okay=False,
            help="Where to write the file (written whole or not at all).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what the export would hold.")
    ] = False,
    preference_label: Annotated[
        str | None,
        typer.Option(
            "--preference-label",
            help="preference-pairs only: judge answers by this label alone.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Export the spans a filter selects into FILE now, through the server (without
    saving a dataset); --dry-run says how many spans and records it would hold.

    --json prints {path, filename, byte_size, sha256, span_count} (with --dry-run, the
    server's summary).
    """
    if output is None and not dry_run:
        fail("give -o FILE, or --dry-run")
    with connect(base_url, api_key, secret_key) as client:
        span_filter = read_filter(filter_file, project_id(client, project))
        if dry_run:
            summary = client.datasets.dry_run(
                span_filter, format=export_format, preference_label=preference_label
            )
            if as_json:
                print_json(dump(summary))
            else:
                console.print(
                    f"{summary.spans} spans, {summary.records} records"
                    + "".join(f"; {n} skipped: {escape(why)}" for why, n in summary.skipped.items())
                )
            return
        assert output is not None
        written = client.datasets.export(
            span_filter, output, format=export_format, preference_label=preference_label
        )
    if as_json:
        print_json(
            {
                "path": str(written.path),
                "filename": written.filename,
                "byte_size": written.byte_size,
                "sha256": written.sha256,
                "span_count": written.span_count,
            }
        )
    else:
        console.print(
            f"Wrote {written.span_count} spans ({written.byte_size} bytes) to "
            f"{escape(str(output))}."
        )


@app.command("download")
def download(
    dataset_id: DatasetArgument,
    version: Annotated[
        int, typer.Argument(metavar="VERSION", min=1, help="Version number (1, 2, …).")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            dir_okay=False,
            help="Where to write the file.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Download a version's file, byte for byte as saved; its SHA-256 is checked.

    --json prints {path, filename, byte_size, sha256, media_type}.
    """
    with connect(base_url, api_key, secret_key) as client:
        written = client.datasets.download(dataset_id, version, output)
    if as_json:
        print_json(
            {
                "path": str(written.path),
                "filename": written.filename,
                "byte_size": written.byte_size,
                "sha256": written.sha256,
                "media_type": written.media_type,
            }
        )
    else:
        console.print(f"Wrote {written.byte_size} bytes to {escape(str(output))} (sha256 ok).")


@app.command("delete")
def delete(
    dataset_id: DatasetArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Delete a dataset and every version of it. --json prints {deleted: DATASET_ID}."""
    with connect(base_url, api_key, secret_key) as client:
        client.datasets.delete(dataset_id)
    if as_json:
        print_json({"deleted": dataset_id})
    else:
        console.print(f"Deleted dataset {dataset_id}.")
