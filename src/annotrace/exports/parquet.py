"""parquet: the jsonl record in a fixed Arrow schema, one row group per batch.

The schema does not depend on the labels or the data, so every export of every project
reads the same way; typed values keep one column per type.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotrace.exports.base import ExportWriter
from annotrace.exports.records import ExportSpan, span_record

_TIME = pa.timestamp("us", tz="UTC")
MESSAGE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        ("name", pa.string()),
        ("tool_call_id", pa.string()),
        ("tool_calls_json", pa.string()),
    ]
)
ANNOTATION = pa.struct(
    [
        ("name", pa.string()),
        ("label_type", pa.string()),
        ("label", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("value", pa.string()),
        ("value_float", pa.float64()),
        ("value_str_list", pa.list_(pa.string())),
        ("value_bool", pa.bool_()),
        ("annotator", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("created_at", _TIME),
        ("updated_at", _TIME),
    ]
)
NOTE = pa.struct([("text", pa.string()), ("annotator", pa.string()), ("created_at", _TIME)])
GOLD = pa.struct(
    [
        ("name", pa.string()),
        ("label_id", pa.string()),
        ("value", pa.string()),
        ("value_float", pa.float64()),
        ("value_str_list", pa.list_(pa.string())),
        ("value_bool", pa.bool_()),
        ("label", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("decided_by", pa.string()),
        ("decided_at", _TIME),
    ]
)
SCHEMA = pa.schema(
    [
        ("project", pa.string()),
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("kind", pa.string()),
        ("name", pa.string()),
        ("status", pa.string()),
        ("start_time", _TIME),
        ("end_time", _TIME),
        ("model", pa.string()),
        ("input", pa.string()),
        ("output", pa.string()),
        ("corrected_output", pa.string()),
        ("corrected_by", pa.string()),
        ("corrected_at", _TIME),
        ("input_messages", pa.list_(MESSAGE)),
        ("output_messages", pa.list_(MESSAGE)),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("total_tokens", pa.int64()),
        ("annotations", pa.list_(ANNOTATION)),
        ("notes", pa.list_(NOTE)),
        ("gold", pa.list_(GOLD)),
        ("attributes_json", pa.string()),
    ]
)


class _Drain(io.RawIOBase):
    """A write-only file whose bytes are taken away after each row group."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        taken, self._chunks = b"".join(self._chunks), []
        return taken


class ParquetWriter(ExportWriter):
    extension = "parquet"
    media_type = "application/vnd.apache.parquet"

    def __init__(self) -> None:
        super().__init__()
        self._sink = _Drain()
        self._writer = pq.ParquetWriter(self._sink, SCHEMA, compression="zstd")

    def write(self, spans: Sequence[ExportSpan]) -> bytes:
        if not spans:
            return b""
        self.records += len(spans)
        table = pa.Table.from_pylist([_row(span) for span in spans], schema=SCHEMA)
        self._writer.write_table(table)
        return self._sink.take()

    def finish(self) -> bytes:
        self._writer.close()
        return self._sink.take()


def _row(span: ExportSpan) -> dict[str, Any]:
    # The jsonl record, with times as times rather than text.
    row = span_record(span)
    row.update(start_time=span.start_time, end_time=span.end_time, corrected_at=span.corrected_at)
    for record, annotation in zip(row["annotations"], span.annotations, strict=True):
        record.update(created_at=annotation.created_at, updated_at=annotation.updated_at)
    for record, note in zip(row["notes"], span.notes, strict=True):
        record["created_at"] = note.created_at
    for record, gold in zip(row["gold"], span.gold, strict=True):
        record["decided_at"] = gold.decided_at
    return row
