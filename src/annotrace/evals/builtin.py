"""Ready evaluators that need no model and no network: `ExactMatch` and `JsonValid`."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from annotrace.evals.results import Result
from annotrace.schemas.search import SpanResult

_SPACES = re.compile(r"\s+")


def normalized(text: str) -> str:
    """Text compared loosely: case folded, surrounding space stripped, runs of white
    space made one space."""
    return _SPACES.sub(" ", text.strip()).casefold()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class ExactMatch:
    """Does the span's output equal its expected output (the span attribute
    `expected_attribute`), or, given `pattern`, does the pattern match the output
    (`re.search`; with `normalize`, ignoring case)?

    Score 1.0 and label "match", or 0.0 and "no_match". Abstains (no score) on spans
    without the expected attribute, when no pattern is given. With `normalize` (the
    default) case and white space do not count."""

    def __init__(
        self,
        expected_attribute: str = "expected_output",
        normalize: bool = True,
        *,
        pattern: str | re.Pattern[str] | None = None,
        name: str = "exact_match",
    ) -> None:
        self.expected_attribute = expected_attribute
        self.normalize = normalize
        self.name = name
        flags = re.IGNORECASE if normalize else 0
        self.pattern = (
            None
            if pattern is None
            else pattern
            if isinstance(pattern, re.Pattern)
            else re.compile(pattern, flags)
        )

    def __call__(self, span: SpanResult) -> Result | None:
        output = span.output_value
        if self.pattern is not None:
            if output is None:
                return Result(0.0, "no_match", "the span has no output")
            found = self.pattern.search(output)
            if found:
                return Result(1.0, "match", f"{self.pattern.pattern!r} matches")
            return Result(0.0, "no_match", f"{self.pattern.pattern!r} does not match")
        if self.expected_attribute not in span.attributes:
            return None
        expected = _text(span.attributes[self.expected_attribute])
        if output is None:
            return Result(0.0, "no_match", "the span has no output")
        same = normalized(output) == normalized(expected) if self.normalize else output == expected
        if same:
            return Result(1.0, "match", "the output is the expected output")
        return Result(0.0, "no_match", f"expected {_clip(expected)}, got {_clip(output)}")


class JsonValid:
    """Is the span's output valid JSON (and, given `required_keys`, an object with
    those keys)? Score 1.0 and label "valid", or 0.0 and "invalid" with the reason."""

    def __init__(self, required_keys: Sequence[str] = (), *, name: str = "json_valid") -> None:
        self.required_keys = tuple(required_keys)
        self.name = name

    def __call__(self, span: SpanResult) -> Result:
        return self.check(span.output_value)

    def check(self, output: str | None) -> Result:
        """The verdict on one output text."""
        if output is None:
            return Result(0.0, "invalid", "the span has no output")
        try:
            parsed = json.loads(output)
        except ValueError as error:
            return Result(0.0, "invalid", f"not JSON: {error}")
        if self.required_keys:
            if not isinstance(parsed, dict):
                return Result(0.0, "invalid", f"a JSON {type(parsed).__name__}, not an object")
            missing = [key for key in self.required_keys if key not in parsed]
            if missing:
                return Result(0.0, "invalid", f"missing keys: {', '.join(missing)}")
        return Result(1.0, "valid", "valid JSON")


def _clip(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
