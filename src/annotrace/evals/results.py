"""What an evaluator gives back, and how the runner reads it.

An evaluator is a callable taking a `SpanResult` (the span, its annotations, notes…) and
returning one of:

- `Result(score, label=None, reason=None)`: stored as an eval score;
- a float (or an int): the score, with no label or reason;
- a bool: True is score 1.0 and label "pass", False is score 0.0 and label "fail";
- None: the evaluator abstains on this span; nothing is stored.

Anything else (or a `Result` with neither a score nor a label) counts as a failure on
the span, as an exception does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Result:
    """One evaluation of one span: a score, a verdict (label) and why (reason)."""

    score: float | None
    label: str | None = None
    reason: str | None = None


class NotAResult(TypeError):
    """The evaluator returned something the runner cannot store."""


def as_result(value: Any) -> Result | None:
    """The `Result` an evaluator's answer stands for; None when it abstains. Raises
    NotAResult for anything else."""
    if value is None:
        return None
    if isinstance(value, Result):
        if value.score is None and value.label is None:
            raise NotAResult("a Result needs a score or a label")
        if value.score is not None:
            _check_score(value.score)
        return value
    if isinstance(value, bool):
        return Result(1.0 if value else 0.0, "pass" if value else "fail")
    if isinstance(value, int | float):
        score = float(value)
        _check_score(score)
        return Result(score)
    raise NotAResult(f"returned {type(value).__name__}, not a Result, a number, a bool or None")


def _check_score(score: Any) -> None:
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise NotAResult(f"the score is {type(score).__name__}, not a number")
    if not math.isfinite(score):
        raise NotAResult(f"the score {score} is not a finite number")
