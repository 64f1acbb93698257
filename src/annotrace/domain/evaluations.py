"""Evaluations that arrive inside traces, as OpenTelemetry GenAI events or OpenInference
span attributes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from annotrace.domain.spans import Span

GENAI_EVALUATION_EVENT = "gen_ai.evaluation.result"
_OPENINFERENCE_KEY = re.compile(r"^annotations\.(\d+)\.annotation\.(\w+)$")


@dataclass(frozen=True, slots=True)
class EmbeddedEvaluation:
    name: str
    score: float | None
    label: str | None
    explanation: str | None
    annotator_id: str
    source: Literal["human", "eval"]


def embedded_evaluations(span: Span) -> list[EmbeddedEvaluation]:
    """The evaluations a span carries; those without a name, or with neither a score nor
    a label, say nothing and are left out."""
    # Called for every ingested span, nearly none of which carries evaluations.
    if not span.events and not any(key.startswith("annotations.") for key in span.attributes):
        return []
    found = _genai_events(span) + _openinference_attributes(span)
    return [e for e in found if e.name and (e.score is not None or e.label is not None)]


def _genai_events(span: Span) -> list[EmbeddedEvaluation]:
    evaluator = span.scope_name or "otlp"
    return [
        EmbeddedEvaluation(
            name=_text(event.attributes.get("gen_ai.evaluation.name")) or "",
            score=_number(event.attributes.get("gen_ai.evaluation.score.value")),
            label=_text(event.attributes.get("gen_ai.evaluation.score.label")),
            explanation=_text(event.attributes.get("gen_ai.evaluation.explanation")),
            annotator_id=evaluator,
            source="eval",
        )
        for event in span.events
        if event.name == GENAI_EVALUATION_EVENT
    ]


def _openinference_attributes(span: Span) -> list[EmbeddedEvaluation]:
    grouped: dict[int, dict[str, Any]] = {}
    for key, value in span.attributes.items():
        if key.startswith("annotations.") and (match := _OPENINFERENCE_KEY.match(key)):
            grouped.setdefault(int(match.group(1)), {})[match.group(2)] = value
    evaluations = []
    for _, fields in sorted(grouped.items()):
        kind = _text(fields.get("annotator_kind")) or "LLM"
        evaluations.append(
            EmbeddedEvaluation(
                name=_text(fields.get("name")) or "",
                score=_number(fields.get("score")),
                label=_text(fields.get("label")),
                explanation=_text(fields.get("explanation")),
                annotator_id=_text(fields.get("identifier")) or kind.lower(),
                source="human" if kind.upper() == "HUMAN" else "eval",
            )
        )
    return evaluations


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None
