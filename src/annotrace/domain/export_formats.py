"""The names of the export formats (their encoders are in `annotrace.exports`)."""

from __future__ import annotations

from typing import Literal, get_args

ExportFormat = Literal["jsonl", "csv", "parquet", "openai-chat", "preference-pairs"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
