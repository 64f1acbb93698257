"""csv: the jsonl record flattened, one column per label.

A label's cell holds the value of each annotator who gave one (the Label view, else the
Score), in annotator order, joined by " | "; one annotator gives a plain value, so a
numeric label read by pandas is a number column. The `annotations_json` column keeps
every annotation whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from annotrace.exports.base import ExportWriter
from annotrace.exports.records import ExportAnnotation, ExportSpan, json_text, span_record

FIXED_COLUMNS = (
    "project",
    "trace_id",
    "span_id",
    "parent_span_id",
    "kind",
    "name",
    "status",
    "start_time",
    "end_time",
    "model",
    "input",
    "output",
    "corrected_output",
    "corrected_by",
    "corrected_at",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
)
SEPARATOR = " | "


class CsvWriter(ExportWriter):
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def __init__(self, label_names: Sequence[str]) -> None:
        """`label_names`: a column for each, in this order."""
        super().__init__()
        # A label named like a fixed column gets a prefix rather than hiding the column.
        # Keyed as annotation names are matched: ignoring case.
        self.label_columns = {
            name.casefold(): f"label:{name}"
            if name in FIXED_COLUMNS or name.startswith("label:")
            else name
            for name in label_names
        }

    def start(self) -> bytes:
        return self._rows(
            [[*FIXED_COLUMNS, *self.label_columns.values(), "notes_json", "annotations_json"]]
        )

    def write(self, spans: Sequence[ExportSpan]) -> bytes:
        self.records += len(spans)
        return self._rows([self._row(span) for span in spans])

    def _row(self, span: ExportSpan) -> list[object]:
        record = span_record(span)
        by_name: dict[str, list[ExportAnnotation]] = {}
        for annotation in span.annotations:
            by_name.setdefault(annotation.name.casefold(), []).append(annotation)
        cells = [
            SEPARATOR.join(
                _shown(annotation)
                for annotation in sorted(by_name.get(key, []), key=lambda a: a.annotator)
            )
            for key in self.label_columns
        ]
        return [
            *(record[column] for column in FIXED_COLUMNS),
            *cells,
            json_text(record["notes"]),
            json_text(record["annotations"]),
        ]

    @staticmethod
    def _rows(rows: list[list[object]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode()


def _shown(annotation: ExportAnnotation) -> str:
    if annotation.label is not None:
        return annotation.label
    if annotation.score is None:
        return ""
    score = annotation.score
    return str(int(score)) if score.is_integer() else repr(score)
