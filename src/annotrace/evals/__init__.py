"""Automated evals: run a Python function over the spans of a project and store what it
returns as eval scores.

    import annotrace
    from annotrace.evals import ExactMatch, JsonValid, Result, run

    def concise(span) -> Result | None:
        if span.output_value is None:
            return None                      # abstain: nothing stored
        words = len(span.output_value.split())
        return Result(1.0 if words <= 50 else 0.0, reason=f"{words} words")

    with annotrace.Client() as client:
        print(run(client, "bot", concise))   # EvalSummary: seen, scored, skipped, …
        print(run(client, "bot", JsonValid(required_keys=["answer"]),
                  filter={"where": {"type": "span", "field": "kind", "op": "eq",
                                    "value": "LLM"}}))

An evaluator takes a `SpanResult` and returns a `Result(score, label, reason)`, a number,
a bool (pass / fail) or None (abstain); it may be `async def`. Its `name` attribute (or
function name) names the scores. A second run skips spans it already scored.
"""

from annotrace.evals.builtin import ExactMatch, JsonValid
from annotrace.evals.judge import AsyncLLMJudge, LLMJudge, parse_verdict
from annotrace.evals.results import NotAResult, Result, as_result
from annotrace.evals.runner import EvalSummary, Evaluator, arun, run

__all__ = [
    "AsyncLLMJudge",
    "EvalSummary",
    "Evaluator",
    "ExactMatch",
    "JsonValid",
    "LLMJudge",
    "NotAResult",
    "Result",
    "arun",
    "as_result",
    "parse_verdict",
    "run",
]
