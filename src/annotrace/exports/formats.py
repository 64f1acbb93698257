"""The export formats by name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from annotrace.domain.export_formats import ExportFormat
from annotrace.exports.base import ExportWriter
from annotrace.exports.chat import OpenAIChatWriter
from annotrace.exports.jsonl import JsonlWriter
from annotrace.exports.parquet import ParquetWriter
from annotrace.exports.preferences import PreferencePairsWriter
from annotrace.exports.table import CsvWriter

WRITERS: dict[ExportFormat, type[ExportWriter]] = {
    "jsonl": JsonlWriter,
    "csv": CsvWriter,
    "parquet": ParquetWriter,
    "openai-chat": OpenAIChatWriter,
    "preference-pairs": PreferencePairsWriter,
}
MEDIA_TYPES = sorted({writer.media_type for writer in WRITERS.values()})


def writer_for(
    export_format: ExportFormat,
    *,
    label_names: Sequence[str] = (),
    gold_names: Sequence[str] = (),
    preference_label: str | None = None,
) -> ExportWriter:
    if export_format == "csv":
        return CsvWriter(label_names, gold_names)
    if export_format == "preference-pairs":
        return PreferencePairsWriter(preference_label)
    return WRITERS[export_format]()


def media_type_of(export_format: ExportFormat) -> str:
    return WRITERS[export_format].media_type


def extension_of(export_format: ExportFormat) -> str:
    return WRITERS[export_format].extension


def file_name(stem: str, extension: str) -> str:
    """A download name made of ASCII letters, digits and `._-` only: it goes in headers."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "export"
    return f"{safe}.{extension}"
