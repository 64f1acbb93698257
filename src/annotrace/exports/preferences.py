"""preference-pairs: chosen / rejected answers to the same input, for RLHF and DPO.

Spans arrive ordered by input, so spans with the same input are consecutive. Two kinds of
pair are made:
- from a correction: the corrected output is chosen over what the span said;
- from judgments: among the answers to one input, the best-judged answer is chosen over
  each answer judged worse. A span's judgment is the mean of its human annotations'
  values scaled to 0..1 (thumbs up 1, down 0; stars and numbers by their range); with
  `label`, only that label counts (its raw scores where the type has no range).

Gold values play no part: judgments are the annotators' own, and a pair carries no labels.
Export jsonl, csv or parquet for gold values.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

import orjson

from annotrace.domain.labels import LabelType
from annotrace.exports.base import ExportWriter
from annotrace.exports.records import ExportAnnotation, ExportSpan

NO_INPUT = "no input"
NO_SIGNAL = "no judgment and no correction"
ALONE = "no other answer to the same input judged differently"
HUMAN_SOURCES = ("human", "api")


class PreferencePairsWriter(ExportWriter):
    extension = "jsonl"
    media_type = "application/x-ndjson"

    def __init__(self, label: str | None = None) -> None:
        super().__init__()
        self.label_key = label.strip().casefold() if label else None
        self._input: str | None = None
        self._group: list[ExportSpan] = []

    def write(self, spans: Sequence[ExportSpan]) -> bytes:
        out = []
        for span in spans:
            if not (span.input or "").strip():
                self.skipped[NO_INPUT] += 1
                continue
            if span.input != self._input:
                out.append(self._flush())
                self._input = span.input
            self._group.append(span)
        return b"".join(out)

    def finish(self) -> bytes:
        return self._flush()

    def _flush(self) -> bytes:
        group, self._group = self._group, []
        if not group:
            return b""
        pairs: list[dict[str, Any]] = []
        paired: set[str] = set()
        for span in group:
            if span.corrected_output is not None and span.corrected_output != span.output:
                pairs.append(_pair(span, span.corrected_output, None, span, None, "correction"))
                paired.add(span.span_id)
        judged = [
            (score, span)
            for span in group
            if span.output and (score := self.judgment(span)) is not None
        ]
        if judged:
            best_score, best = max(judged, key=lambda item: item[0])
            for score, span in judged:
                if score < best_score and span.output != best.output:
                    assert best.output is not None
                    pairs.append(_pair(best, best.output, best_score, span, score, "judgments"))
                    paired.update((best.span_id, span.span_id))
        judged_ids = {span.span_id for _, span in judged}
        for span in group:
            if span.span_id not in paired:
                self.skipped[ALONE if span.span_id in judged_ids else NO_SIGNAL] += 1
        self.records += len(pairs)
        return b"".join(orjson.dumps(pair) + b"\n" for pair in pairs)

    def judgment(self, span: ExportSpan) -> float | None:
        """The span's judgment on a 0..1 scale (raw scores for a named label without a
        range), or None when nobody judged it."""
        values = [
            value
            for annotation in span.annotations
            if annotation.source in HUMAN_SOURCES
            and (self.label_key is None or annotation.name.casefold() == self.label_key)
            and (value := _scaled(annotation, raw_allowed=self.label_key is not None)) is not None
        ]
        return statistics.fmean(values) if values else None


def _scaled(annotation: ExportAnnotation, *, raw_allowed: bool) -> float | None:
    settings = annotation.label_settings or {}
    value = annotation.value
    if annotation.label_type == LabelType.THUMBS and isinstance(value, bool):
        return 1.0 if value else 0.0
    if annotation.label_type == LabelType.STAR and value is not None:
        stars = int(settings.get("no_of_stars", 5))
        return 1.0 if stars <= 1 else (float(value) - 1) / (stars - 1)
    if annotation.label_type == LabelType.NUMERIC and value is not None:
        low, high = float(settings["min"]), float(settings["max"])
        return 1.0 if high <= low else (float(value) - low) / (high - low)
    return annotation.score if raw_allowed else None


def _pair(
    chosen: ExportSpan,
    chosen_text: str,
    chosen_score: float | None,
    rejected: ExportSpan,
    rejected_score: float | None,
    source: str,
) -> dict[str, Any]:
    return {
        "prompt": chosen.input,
        "chosen": chosen_text,
        "rejected": rejected.output,
        "source": source,
        "chosen_span_id": chosen.span_id,
        "chosen_trace_id": chosen.trace_id,
        "chosen_score": chosen_score,
        "rejected_span_id": rejected.span_id,
        "rejected_trace_id": rejected.trace_id,
        "rejected_score": rejected_score,
    }
