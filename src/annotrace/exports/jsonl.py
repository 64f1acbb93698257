"""jsonl: one span per line, with everything an export knows of it."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from annotrace.exports.base import ExportWriter
from annotrace.exports.records import ExportSpan, span_record


class JsonlWriter(ExportWriter):
    extension = "jsonl"
    media_type = "application/x-ndjson"

    def write(self, spans: Sequence[ExportSpan]) -> bytes:
        self.records += len(spans)
        return b"".join(orjson.dumps(span_record(span)) + b"\n" for span in spans)
