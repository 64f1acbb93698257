"""An LLM-as-judge evaluator, written against any function `judge(prompt) -> str`.

Any model client fits in a line, and tests pass a fake:

    from openai import OpenAI
    openai = OpenAI()

    def judge(prompt: str) -> str:
        answer = openai.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
        )
        return answer.choices[0].message.content or ""

    helpful = LLMJudge(judge, criteria="Does the answer address the question?",
                       name="helpfulness")
    annotrace.evals.run(client, "bot", helpful)

With an `async def` judge use `AsyncLLMJudge`: the runner then awaits it, `concurrency`
at a time.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from annotrace.evals.results import Result
from annotrace.schemas.search import SpanResult

TEMPLATE = """You are grading the output of an AI application.

Criteria: {criteria}

Input:
{input}

Output:
{output}

Answer in exactly this form:
SCORE: <a number from 0 to 1>
REASON: <one sentence>
"""

_SCORE = re.compile(r"score\s*[:=]\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_REASON = re.compile(r"reason\s*[:=]\s*(.+)", re.IGNORECASE | re.DOTALL)
_VERDICT = re.compile(r"\b(pass|fail)\b", re.IGNORECASE)


def parse_verdict(answer: str, threshold: float = 0.5) -> Result | None:
    """Read `SCORE: x` / `REASON: …` (or a bare PASS / FAIL) from the judge's answer: the
    score, label "pass" at or above `threshold` else "fail", and the reason. None (the
    judge abstains) when there is neither. Raises ValueError for a score outside 0..1."""
    reason_match = _REASON.search(answer)
    reason = reason_match.group(1).strip() if reason_match else None
    score_match = _SCORE.search(answer)
    if score_match:
        score = float(score_match.group(1))
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"the judge's score {score} is not between 0 and 1")
        return Result(score, "pass" if score >= threshold else "fail", reason)
    verdict = _VERDICT.search(answer)
    if verdict:
        passed = verdict.group(1).casefold() == "pass"
        return Result(1.0 if passed else 0.0, "pass" if passed else "fail", reason)
    return None


class _Judging:
    def __init__(
        self,
        criteria: str,
        *,
        parse: Callable[[str], Result | None] | None,
        template: str,
        name: str,
        evaluator_id: str | None,
    ) -> None:
        self.criteria = criteria
        self.parse = parse or parse_verdict
        self.template = template
        self.name = name
        if evaluator_id is not None:
            self.evaluator_id = evaluator_id

    def prompt(self, span: SpanResult) -> str:
        """The prompt for one span: the template with the criteria, input and output."""
        return self.template.format(
            criteria=self.criteria,
            input=span.input_value or "(none)",
            output=span.output_value or "(none)",
        )


class LLMJudge(_Judging):
    """Grade each span with `judge(prompt) -> answer`: the prompt is `template` filled
    with `criteria` and the span's input and output; the answer is read by `parse`
    (default `parse_verdict`) into a Result, or None to abstain. An exception in the
    judge or the parser counts as a failure on that span."""

    def __init__(
        self,
        judge: Callable[[str], str],
        criteria: str,
        *,
        parse: Callable[[str], Result | None] | None = None,
        template: str = TEMPLATE,
        name: str = "llm_judge",
        evaluator_id: str | None = None,
    ) -> None:
        super().__init__(
            criteria, parse=parse, template=template, name=name, evaluator_id=evaluator_id
        )
        self.judge = judge

    def __call__(self, span: SpanResult) -> Result | None:
        return self.parse(self.judge(self.prompt(span)))


class AsyncLLMJudge(_Judging):
    """`LLMJudge` with an `async def judge(prompt) -> answer`."""

    def __init__(
        self,
        judge: Callable[[str], Awaitable[str]],
        criteria: str,
        *,
        parse: Callable[[str], Result | None] | None = None,
        template: str = TEMPLATE,
        name: str = "llm_judge",
        evaluator_id: str | None = None,
    ) -> None:
        super().__init__(
            criteria, parse=parse, template=template, name=name, evaluator_id=evaluator_id
        )
        self.judge = judge

    async def __call__(self, span: SpanResult) -> Result | None:
        return self.parse(await self.judge(self.prompt(span)))
