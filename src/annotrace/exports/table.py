"""csv: the jsonl record flattened, one column per label.

A label's cell holds the value of each annotator who gave one (the Label view, else the
Score), in annotator order, joined by " | "; one annotator gives a plain value, so a
numeric label read by pandas is a number column. The `annotations_json` column keeps
every annotation whole.

Gold values (one per label and span at most) have a column each, `gold.<label>`, after the
labels' columns, and `gold_json` keeps them whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from annotrace.exports.base import ExportWriter
from annotrace.exports.records import (
    ExportAnnotation,
    ExportGold,
    ExportSpan,
    json_text,
    span_record,
)

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
JSON_COLUMNS = ("notes_json", "annotations_json", "gold_json")
GOLD_PREFIX = "gold."
SEPARATOR = " | "


class CsvWriter(ExportWriter):
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def __init__(self, label_names: Sequence[str], gold_names: Sequence[str] = ()) -> None:
        """`label_names`: a column for each, in this order; `gold_names`: the labels with
        gold values, a `gold.<name>` column for each."""
        super().__init__()
        # A label named like another column gets a prefix rather than hiding the column.
        # Keyed as annotation names are matched: ignoring case.
        self.label_columns = {
            name.casefold(): f"label:{name}" if _taken(name) else name for name in label_names
        }
        self.gold_columns = {name.casefold(): f"{GOLD_PREFIX}{name}" for name in gold_names}

    def start(self) -> bytes:
        return self._rows(
            [
                [
                    *FIXED_COLUMNS,
                    *self.label_columns.values(),
                    *self.gold_columns.values(),
                    *JSON_COLUMNS,
                ]
            ]
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
        gold = {value.name.casefold(): value for value in span.gold}
        return [
            *(record[column] for column in FIXED_COLUMNS),
            *cells,
            *(_shown(gold[key]) if key in gold else "" for key in self.gold_columns),
            json_text(record["notes"]),
            json_text(record["annotations"]),
            json_text(record["gold"]),
        ]

    @staticmethod
    def _rows(rows: list[list[object]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode()


def _taken(name: str) -> bool:
    return (
        name in FIXED_COLUMNS
        or name in JSON_COLUMNS
        or name.startswith("label:")
        or name.casefold().startswith(GOLD_PREFIX)
    )


def _shown(value: ExportAnnotation | ExportGold) -> str:
    """The Label view, else the Score."""
    if value.label is not None:
        return value.label
    if value.score is None:
        return ""
    score = value.score
    return str(int(score)) if score.is_integer() else repr(score)
