"""Run an evaluator over the spans of a project and store its results as eval scores.

One implementation for both clients, written with asyncio: the spans are fetched page by
page and each is handed to the evaluator as soon as it arrives, at most `concurrency`
at a time; the results are logged in batches as they come.

- an async evaluator is awaited on the event loop, `concurrency` at a time (a semaphore);
- a sync evaluator runs in a pool of `concurrency` threads, so a slow one (an HTTP call
  to a model) does not hold the others up;
- with the blocking `Client`, its requests run in a worker thread, one at a time, so they
  never stall async evaluators; with `AsyncClient` they are awaited.

`run` is for ordinary (blocking) code; `arun` is its coroutine, for code that already
runs an event loop (a notebook, an async application).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from annotrace.client import AsyncClient, Client
from annotrace.client.common import to_json
from annotrace.evals.results import as_result
from annotrace.schemas.annotations import ScoreIn, ScoresResult
from annotrace.schemas.filters import SpanFilter
from annotrace.schemas.search import SpanResult

MAX_MESSAGES = 5  # failure messages kept in the summary
DEFAULT_BATCH = 100  # scores logged per request

Evaluator = Callable[[SpanResult], Any]


@dataclass
class EvalSummary:
    """What a run did. `seen`: spans the filter selected and the evaluator was given;
    `scored`: of those, the ones it gave a result for; `abstained`: it returned None;
    `failed`: it raised or returned something that is not a result (the first few
    messages in `errors`); `skipped`: spans left out because they already had a score of
    this name from this evaluator (0 with rescore); `logged`: scores the server stored
    (`created` + `updated` + `unchanged`); `refused`: scores the server refused (their
    errors are in `errors` too)."""

    project_id: str
    name: str
    evaluator_id: str
    run_id: str | None
    seen: int = 0
    scored: int = 0
    abstained: int = 0
    failed: int = 0
    skipped: int = 0
    logged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def __str__(self) -> str:
        lines = [
            f"{self.name} (evaluator {self.evaluator_id}) on project {self.project_id}: "
            f"{self.seen} spans seen, {self.scored} scored, {self.abstained} abstained, "
            f"{self.failed} failed, {self.skipped} skipped (already scored); "
            f"{self.logged} scores logged ({self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged), {self.refused} refused; {self.elapsed:.2f}s",
        ]
        lines.extend(f"  {message}" for message in self.errors)
        return "\n".join(lines)

    def _note(self, message: str) -> None:
        if len(self.errors) < MAX_MESSAGES:
            self.errors.append(message)


def name_of(evaluator: Any) -> str:
    """The evaluator's `name` attribute, else its function (or class) name."""
    named = getattr(evaluator, "name", None)
    if isinstance(named, str) and named:
        return named
    function = getattr(evaluator, "__name__", None)
    if isinstance(function, str) and function and function != "<lambda>":
        return function
    return type(evaluator).__name__


def is_async(evaluator: Any) -> bool:
    """An `async def` function, or an object whose `__call__` is one."""
    return inspect.iscoroutinefunction(evaluator) or inspect.iscoroutinefunction(
        getattr(evaluator, "__call__", None)  # noqa: B004 - the method, not callable()
    )


class _Server(Protocol):
    async def projects(self) -> list[tuple[str, str]]: ...
    def spans(self, span_filter: dict[str, Any]) -> AsyncIterator[SpanResult]: ...
    async def count(self, span_filter: dict[str, Any]) -> int: ...
    async def log(self, scores: list[ScoreIn], batch_size: int) -> ScoresResult: ...


class _Blocking:
    """A blocking Client, its requests sent from a worker thread."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def projects(self) -> list[tuple[str, str]]:
        found = await asyncio.to_thread(self.client.projects.list)
        return [(project.id, project.name) for project in found]

    async def spans(self, span_filter: dict[str, Any]) -> AsyncIterator[SpanResult]:
        pages = iter(self.client.spans.search(span_filter).pages())
        while (page := await asyncio.to_thread(next, pages, None)) is not None:
            for span in page.items:
                yield span

    async def count(self, span_filter: dict[str, Any]) -> int:
        dry = await asyncio.to_thread(self.client.datasets.dry_run, span_filter)
        return dry.spans

    async def log(self, scores: list[ScoreIn], batch_size: int) -> ScoresResult:
        return await asyncio.to_thread(self.client.scores.log, scores, batch_size=batch_size)


class _Async:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def projects(self) -> list[tuple[str, str]]:
        return [(project.id, project.name) for project in await self.client.projects.list()]

    async def spans(self, span_filter: dict[str, Any]) -> AsyncIterator[SpanResult]:
        async for span in self.client.spans.search(span_filter):
            yield span

    async def count(self, span_filter: dict[str, Any]) -> int:
        return (await self.client.datasets.dry_run(span_filter)).spans

    async def log(self, scores: list[ScoreIn], batch_size: int) -> ScoresResult:
        return await self.client.scores.log(scores, batch_size=batch_size)


def run(
    client: Client,
    project: str,
    evaluator: Evaluator,
    *,
    filter: SpanFilter | Mapping[str, Any] | None = None,
    name: str | None = None,
    evaluator_id: str | None = None,
    run_id: str | None = None,
    concurrency: int = 8,
    rescore: bool = False,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH,
) -> EvalSummary:
    """Evaluate the spans of `project` (its id or name) that `filter` selects (its
    `where`, `start_time` and `end_time`; every span when left out) with `evaluator`, a
    function (sync or `async def`) of a SpanResult returning a Result, a number, a bool
    or None (see `annotrace.evals.results`), and store the results as eval scores named
    `name` (default: the evaluator's name) from `evaluator_id` (default: the evaluator's
    `evaluator_id` attribute, else the name), under `run_id`.

    Spans that already have a score of that name from that evaluator are left out by the
    search itself, unless `rescore`. At most `concurrency` spans are evaluated at once.
    The evaluator failing on a span (raising, or returning something else) is counted in
    the summary, never raised. A progress bar goes to stderr with `progress`.

    Blocks; from code with a running event loop, `await arun(...)` instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("run() blocks: inside an event loop, use `await arun(...)`")
    return asyncio.run(
        _run(
            _Blocking(client),
            project,
            evaluator,
            filter=filter,
            name=name,
            evaluator_id=evaluator_id,
            run_id=run_id,
            concurrency=concurrency,
            rescore=rescore,
            progress=progress,
            batch_size=batch_size,
        )
    )


async def arun(
    client: Client | AsyncClient,
    project: str,
    evaluator: Evaluator,
    *,
    filter: SpanFilter | Mapping[str, Any] | None = None,
    name: str | None = None,
    evaluator_id: str | None = None,
    run_id: str | None = None,
    concurrency: int = 8,
    rescore: bool = False,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH,
) -> EvalSummary:
    """`run` as a coroutine, with either client."""
    server: _Server = _Async(client) if isinstance(client, AsyncClient) else _Blocking(client)
    return await _run(
        server,
        project,
        evaluator,
        filter=filter,
        name=name,
        evaluator_id=evaluator_id,
        run_id=run_id,
        concurrency=concurrency,
        rescore=rescore,
        progress=progress,
        batch_size=batch_size,
    )


async def _project_id(server: _Server, project: str) -> str:
    projects = await server.projects()
    for project_id, _ in projects:
        if project_id == project:
            return project_id
    for project_id, project_name in projects:
        if project_name == project:
            return project_id
    known = ", ".join(sorted(project_name for _, project_name in projects)) or "none"
    raise ValueError(f"no project {project!r} in the workspace (its projects: {known})")


def selection(
    project_id: str, span_filter: SpanFilter | Mapping[str, Any] | None
) -> dict[str, Any]:
    """The filter's JSON, for the project (checked by the SpanFilter model)."""
    given = dict(to_json(span_filter) if span_filter is not None else {})
    given["project_id"] = project_id
    return SpanFilter.model_validate(given).model_dump(mode="json", exclude_none=True)


def scored_by(name: str, evaluator_id: str) -> dict[str, Any]:
    """The condition: the span has an eval score `name` from `evaluator_id`."""
    return {"type": "annotation", "label": name, "source": "eval", "annotator": evaluator_id}


def with_condition(span_filter: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    where = span_filter.get("where")
    combined = condition if where is None else {"type": "and", "conditions": [where, condition]}
    return {**span_filter, "where": combined}


class _Bar:
    """The rich progress bar on stderr, or nothing."""

    def __init__(self, shown: bool, name: str) -> None:
        self.progress: Progress | None = None
        if shown:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.task = self.progress.add_task(name, total=None, failed=0)

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, summary: EvalSummary, *, done: bool = False) -> None:
        if self.progress is not None:
            evaluated = summary.scored + summary.abstained + summary.failed
            self.progress.update(
                self.task,
                completed=evaluated,
                total=summary.seen if done or summary.seen else None,
                failed=summary.failed,
            )


async def _run(
    server: _Server,
    project: str,
    evaluator: Evaluator,
    *,
    filter: SpanFilter | Mapping[str, Any] | None,
    name: str | None,
    evaluator_id: str | None,
    run_id: str | None,
    concurrency: int,
    rescore: bool,
    progress: bool,
    batch_size: int,
) -> EvalSummary:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.monotonic()
    score_name = name or name_of(evaluator)
    given_id = getattr(evaluator, "evaluator_id", None)
    annotator = evaluator_id or (given_id if isinstance(given_id, str) and given_id else None)
    annotator = annotator or score_name
    project_id = await _project_id(server, project)
    chosen = selection(project_id, filter)
    summary = EvalSummary(project_id, score_name, annotator, run_id)
    if not rescore:
        already = scored_by(score_name, annotator)
        summary.skipped = await server.count(with_condition(chosen, already))
        chosen = with_condition(chosen, {"type": "not", "condition": already})

    pool = None if is_async(evaluator) else ThreadPoolExecutor(concurrency, "annotrace-eval")
    loop = asyncio.get_running_loop()

    def call(span: SpanResult) -> Awaitable[Any]:
        if pool is None:
            awaited: Awaitable[Any] = evaluator(span)
            return awaited
        return loop.run_in_executor(pool, evaluator, span)

    slots = asyncio.Semaphore(concurrency)
    ready: list[ScoreIn] = []
    running: set[asyncio.Task[None]] = set()

    async def evaluate(span: SpanResult, bar: _Bar) -> None:
        try:
            result = as_result(await call(span))
        except Exception as error:
            summary.failed += 1
            summary._note(f"span {span.span_id}: {type(error).__name__}: {error}")
        else:
            if result is None:
                summary.abstained += 1
            else:
                summary.scored += 1
                ready.append(
                    ScoreIn(
                        span_id=span.span_id,
                        trace_id=span.trace_id,
                        name=score_name,
                        score=result.score,
                        label=result.label,
                        reason=result.reason,
                        evaluator=annotator,
                        run_id=run_id,
                    )
                )
        finally:
            slots.release()
            bar.update(summary)

    async def flush() -> None:
        while ready:
            batch = ready[:batch_size]
            del ready[:batch_size]
            stored = await server.log(batch, batch_size)
            summary.created += stored.created
            summary.updated += stored.updated
            summary.unchanged += stored.unchanged
            summary.logged += stored.created + stored.updated + stored.unchanged
            summary.refused += len(stored.errors)
            for refused in stored.errors:
                summary._note(f"span {refused.span_id}: refused: {refused.error}")

    try:
        with _Bar(progress, score_name) as bar:
            async for span in server.spans(chosen):
                summary.seen += 1
                await slots.acquire()
                task = asyncio.create_task(evaluate(span, bar))
                running.add(task)
                task.add_done_callback(running.discard)
                if len(ready) >= batch_size:
                    await flush()
            await asyncio.gather(*running)
            await flush()
            bar.update(summary, done=True)
    finally:
        for task in running:
            task.cancel()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    summary.elapsed = time.monotonic() - started
    return summary
