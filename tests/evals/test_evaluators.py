"""The ready evaluators, the judge's parser and how answers become results: no server."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from annotrace.evals import (
    ExactMatch,
    JsonValid,
    LLMJudge,
    NotAResult,
    Result,
    as_result,
    parse_verdict,
)
from annotrace.evals.runner import is_async, name_of, selection, with_condition
from annotrace.schemas.search import SpanResult


def span(output: str | None, **attributes: Any) -> SpanResult:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return SpanResult(
        span_id="a" * 16, trace_id="b" * 32, parent_span_id=None, project_id="prj_1",
        name="chat", kind="LLM", otel_kind="INTERNAL", start_time=now, end_time=now,
        duration_ms=0.0, status_code="OK", status_message="", input_value="question?",
        input_mime_type=None, output_value=output, output_mime_type=None,
        input_messages=None, output_messages=None, model_name=None, prompt_tokens=None,
        completion_tokens=None, total_tokens=None, attributes=attributes, events=[],
        links=[], resource_attributes={}, scope_name=None, scope_version=None,
        annotations=[], notes=[], correction=None, gold=[],
    )  # fmt: skip


def test_exact_match_against_the_expected_attribute() -> None:
    match = ExactMatch()
    assert match(span(" Thirty\n days ", expected_output="thirty days")) == Result(
        1.0, "match", "the output is the expected output"
    )
    assert match(span("no", expected_output="yes")) == Result(
        0.0, "no_match", "expected 'yes', got 'no'"
    )
    assert match(span("anything")) is None  # no expected output: abstain
    assert match(span(None, expected_output="x")).label == "no_match"
    strict = ExactMatch(normalize=False)
    assert strict(span("Yes", expected_output="yes")).score == 0.0
    assert strict(span("yes", expected_output="yes")).score == 1.0
    other = ExactMatch("gold", name="gold_match")
    assert other.name == "gold_match"
    assert other(span("42", gold=42)).score == 1.0  # non-text attributes as JSON


def test_exact_match_with_a_pattern() -> None:
    refund = ExactMatch(pattern=r"\b30 days\b")
    assert refund(span("Refunds within 30 DAYS.")).label == "match"
    assert refund(span("Refunds within 14 days.")).label == "no_match"
    assert refund(span(None)).score == 0.0
    assert ExactMatch(pattern="DAYS", normalize=False)(span("30 days")).score == 0.0


def test_json_valid() -> None:
    valid = JsonValid()
    assert valid(span('{"a": 1}')) == Result(1.0, "valid", "valid JSON")
    assert valid(span("[1, 2]")).score == 1.0
    broken = valid(span("{nope"))
    assert (broken.score, broken.label) == (0.0, "invalid")
    assert broken.reason is not None
    assert broken.reason.startswith("not JSON: ")
    assert valid(span(None)).reason == "the span has no output"
    keyed = JsonValid(required_keys=["answer", "sources"])
    assert keyed(span('{"answer": 1, "sources": []}')).score == 1.0
    assert keyed(span('{"answer": 1}')).reason == "missing keys: sources"
    assert keyed(span("[1]")).reason == "a JSON list, not an object"


def test_answers_become_results() -> None:
    assert as_result(None) is None
    assert as_result(True) == Result(1.0, "pass")
    assert as_result(False) == Result(0.0, "fail")
    assert as_result(3) == Result(3.0)
    assert as_result(0.25) == Result(0.25)
    assert as_result(Result(None, "good")) == Result(None, "good")
    for wrong in ("0.5", {"score": 1}, Result(None), math.nan, Result(math.inf)):
        with pytest.raises(NotAResult):
            as_result(wrong)


def test_the_judges_parser_and_prompt() -> None:
    assert parse_verdict("SCORE: 0.8\nREASON: clear and right") == Result(
        0.8, "pass", "clear and right"
    )
    assert parse_verdict("score=0.3") == Result(0.3, "fail", None)
    assert parse_verdict("Verdict: FAIL. Reason: wrong") == Result(0.0, "fail", "wrong")
    assert parse_verdict("no idea") is None
    with pytest.raises(ValueError, match="not between 0 and 1"):
        parse_verdict("SCORE: 7")
    seen: list[str] = []

    def judge(prompt: str) -> str:
        seen.append(prompt)
        return "yes"

    custom = LLMJudge(judge, "Polite?", parse=lambda a: Result(1.0 if a == "yes" else 0.0))
    assert custom(span("Thanks!")) == Result(1.0)
    assert "Polite?" in seen[0]
    assert "question?" in seen[0]
    assert "Thanks!" in seen[0]
    assert custom.name == "llm_judge"
    assert not is_async(custom)


def test_names_async_detection_and_filters() -> None:
    def concise(span: SpanResult) -> None:
        return None

    async def judged(span: SpanResult) -> None:
        return None

    class Judge:
        async def __call__(self, span: SpanResult) -> None:
            return None

    assert name_of(concise) == "concise"
    assert name_of(JsonValid()) == "json_valid"
    assert name_of(Judge()) == "Judge"
    assert name_of(lambda span: None) == "function"
    assert not is_async(concise)
    assert is_async(judged)
    assert is_async(Judge())
    chosen = selection("prj_1", {"where": {"type": "notes"}, "start_time": "2026-01-01T00:00Z"})
    assert chosen["project_id"] == "prj_1"
    assert chosen["where"] == {"type": "notes", "exists": True}
    assert selection("prj_1", None) == {"project_id": "prj_1"}
    condition = {"type": "gold"}
    assert with_condition({"project_id": "p"}, condition)["where"] == condition
    assert with_condition(chosen, condition)["where"] == {
        "type": "and",
        "conditions": [{"type": "notes", "exists": True}, condition],
    }
