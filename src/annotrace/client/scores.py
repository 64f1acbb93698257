"""`client.scores`: automated evaluation results (source eval), one or many at once.

client.scores.log({"span_id": span_id, "name": "faithfulness", "score": 0.9,
                   "evaluator": "ragas", "run_id": "exp-7"})
client.scores.log([ScoreIn(...), ScoreIn(...), ...])   # any number: sent in batches
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from annotrace.client.common import (
    DEFAULT_BATCH,
    incomplete,
    items_of,
    read,
    smaller_batch,
    to_json,
)
from annotrace.client.errors import APIError
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.schemas.annotations import ScoreError, ScoreIn, ScoresResult

Score = ScoreIn | Mapping[str, Any]
ScoreList = Score | Iterable[Score]


def _log(scores: Sequence[Any]) -> Call[ScoresResult]:
    return Call(
        "POST",
        "/api/v1/scores",
        read(ScoresResult),
        json={"scores": [to_json(score) for score in scores]},
    )


def merge(parts: Sequence[tuple[int, ScoresResult]]) -> ScoresResult:
    """One result of the batches' (offset of the first score, result): counts summed,
    each error's `index` its score's position in the caller's list."""
    return ScoresResult(
        created=sum(result.created for _, result in parts),
        updated=sum(result.updated for _, result in parts),
        unchanged=sum(result.unchanged for _, result in parts),
        errors=[
            ScoreError(index=error.index + offset, span_id=error.span_id, error=error.error)
            for offset, result in parts
            for error in result.errors
        ],
    )


class Scores:
    """Scores through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def log(self, scores: ScoreList, *, batch_size: int = DEFAULT_BATCH) -> ScoresResult:
        """Store evaluation results: one score ({span_id, name, score, label, reason,
        evaluator, run_id, trace_id} or a ScoreIn) or any number of them, sent
        `batch_size` at a time (fewer when the server's limit is lower). A score of an
        evaluator replaces its earlier one of the same name on the span. The answer
        counts them all; each error's `index` is the score's position in `scores`.
        A batch refused as a whole raises APIError (earlier batches stay stored)."""
        listed = items_of(scores)
        parts: list[tuple[int, ScoresResult]] = []
        start = 0
        while start < len(listed) or not parts:
            end = min(start + batch_size, len(listed))
            try:
                parts.append((start, self._send(_log(listed[start:end]))))
            except APIError as error:
                smaller = smaller_batch(error, end - start, "scores")
                if smaller is None:
                    raise incomplete(error, start, len(listed), "scores") from None
                batch_size = smaller
                continue
            start = end
        return merge(parts)


class AsyncScores:
    """Scores through an async client: the same methods, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def log(self, scores: ScoreList, *, batch_size: int = DEFAULT_BATCH) -> ScoresResult:
        """Store evaluation results, one or many, in batches: `Scores.log`."""
        listed = items_of(scores)
        parts: list[tuple[int, ScoresResult]] = []
        start = 0
        while start < len(listed) or not parts:
            end = min(start + batch_size, len(listed))
            try:
                parts.append((start, await self._send(_log(listed[start:end]))))
            except APIError as error:
                smaller = smaller_batch(error, end - start, "scores")
                if smaller is None:
                    raise incomplete(error, start, len(listed), "scores") from None
                batch_size = smaller
                continue
            start = end
        return merge(parts)
