"""Annotation queues at scale: filling queues, handing out and submitting items, a queue far
along, and many annotators at once.

Uses the project of bench/filter_export.py (--spans spans, default 100,000, in traces of
10, built through the ingest service) and, per database:

1. fills a queue with every span of the project by filter (`services.queues.create_queue`),
   and adds a random sample of 10,000 spans to another (`add_items`): wall time;
2. on the fresh queue (one annotator per item), `queue_work.next_item` for --calls distinct
   annotators, then their `submit`s, each in a write transaction of its own as the API
   runs them: median, p95 and max;
3. on a queue far along (two annotators per item, gold items among them; annotator "fast"
   has completed the first half of the items, "second" the first 20,000 of those, written
   set-based and then `recount_completion`): next_item and submit for "fast", who has to
   pass over everything they did, and next_item and submit for new annotators;
4. on that queue: progress, agreement, disagreements, accuracy on the gold items, the
   queue read and list, and pages of its items (first, deep, by status);
5. --threads threads working the fresh queue (next, then submit) as distinct annotators
   for --seconds seconds against one Database object, after one thread alone for half as
   long: items per second, and a check that no item was handed to two annotators.

Then every statement slower than --slow-ms, once per distinct SQL, with its plan (SQLite:
EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE in a transaction that is rolled back).

On PostgreSQL the queue tables are ANALYZEd once the queues are filled and once the
set-based work is written, as autovacuum would do soon after (--no-analyze leaves the
statistics as they were, e.g. on a server without autovacuum). A series of calls is cut
short once it has run --budget seconds (and made 20 calls); reads run --runs times after
one warm-up run.

The benchmark's queues, the annotations and gold values of the two labels they fill are
removed at the start of a run (a kept database is reused), and at its end unless
--keep-queues. Annotations written set-based leave the traces' annotation counts alone.

    python bench/queues.py                                   # both databases, 100,000 spans
    python bench/queues.py --sqlite-path /tmp/q.sqlite --postgres-database queues_100k
    python bench/queues.py --databases sqlite --spans 1000000 --sqlite-path /tmp/q1m.sqlite
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from filter_export import LabelInfo, bench_database, find_project  # noqa: E402
from ingest import add_common_options  # noqa: E402

from annotrace.domain.access import Principal  # noqa: E402
from annotrace.domain.cursors import encode_cursor  # noqa: E402
from annotrace.domain.ids import new_id  # noqa: E402
from annotrace.domain.labels import LabelType  # noqa: E402
from annotrace.schemas.labels import LabelCreate  # noqa: E402
from annotrace.schemas.queues import (  # noqa: E402
    GoldItem,
    ItemFilter,
    ItemsAdd,
    LabelValue,
    QueueCreate,
    QueueLabelChoice,
    Submission,
    WorkItem,
)
from annotrace.services import queue_agreement, queue_work, queues  # noqa: E402
from annotrace.services.annotations import refresh_trace_counts  # noqa: E402
from annotrace.services.labels import create_label  # noqa: E402
from annotrace.services.projects import get_project  # noqa: E402
from annotrace.services.queue_context import load_queue  # noqa: E402
from annotrace.services.queue_progress import queue_progress  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402
from annotrace.storage.models import (  # noqa: E402
    Annotation,
    GoldValue,
    Label,
    Queue,
    QueueAssignment,
    QueueItem,
    Trace,
)
from annotrace.storage.models import Span as SpanRow  # noqa: E402
from annotrace.storage.types import utcnow  # noqa: E402
from annotrace.storage.upsert import insert_rows  # noqa: E402

QUEUE_PREFIX = "bench-queue"
VERDICT, STARS = "Queue verdict", "Queue stars"
VERDICTS = ["good", "ok", "bad"]
# The labels the benchmark's queues fill, apart from the project's own (whose annotations
# would otherwise count in the agreement): a required categorical and optional stars.
QUEUE_LABELS = [
    (VERDICT, LabelType.CATEGORICAL, {"options": VERDICTS}),
    (STARS, LabelType.STAR, {"no_of_stars": 5}),
]
SAMPLE = 10_000
GOLD = 200
ROW_BATCH = 20_000
PAGE = 50
MIN_SAMPLES = 20  # a series cut short by its time budget has at least this many calls
SET_BASED = "bench-set-based"  # run_id of the annotations written set-based
# Tables ANALYZEd on PostgreSQL once the queues are filled (empty with --no-analyze).
ANALYZE_TABLES = ["queue_items", "queue_assignments", "annotations", "gold_values"]


# --- statements: which are slow, and their plans ------------------------------------------


@dataclass(slots=True)
class SlowStatement:
    phase: str
    statement: str
    parameters: Any
    executemany: bool
    slowest_ms: float
    count: int = 1


class StatementLog:
    """Every statement slower than `slow_ms` while a phase is set, once per distinct SQL
    (with the parameters of its slowest run)."""

    def __init__(self, database: Database, slow_ms: float) -> None:
        self.database = database
        self.slow_ms = slow_ms
        self.current: str | None = None
        self.slow: dict[str, SlowStatement] = {}
        self._lock = threading.Lock()
        self._engine = database.engine

    def __enter__(self) -> StatementLog:
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)

    @contextmanager
    def phase(self, name: str | None) -> Iterator[None]:
        before, self.current = self.current, name
        try:
            yield
        finally:
            self.current = before

    def _before(self, conn: Any, _cursor: Any, *_: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(
        self,
        conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        ms = (time.perf_counter() - conn.info["bench_started"].pop()) * 1000
        phase = self.current
        if phase is None or ms < self.slow_ms:
            return
        with self._lock:
            known = self.slow.get(statement)
            if known is None:
                self.slow[statement] = SlowStatement(phase, statement, parameters, executemany, ms)
                return
            known.count += 1
            if ms > known.slowest_ms:
                known.slowest_ms, known.parameters, known.phase = ms, parameters, phase

    def report(self, explain: bool) -> None:
        if not self.slow:
            print(f"\n  no statement took {self.slow_ms:.0f} ms or more")
            return
        print(f"\n  statements of {self.slow_ms:.0f} ms or more (slowest run, how many runs):")
        for slow in sorted(self.slow.values(), key=lambda s: -s.slowest_ms):
            sql = " ".join(slow.statement.split())
            rows = f", {len(slow.parameters):,} rows" if slow.executemany else ""
            print(f"\n  [{slow.phase}] {slow.slowest_ms:,.0f} ms, {slow.count} run(s){rows}")
            print(f"    {sql[:2000]}{' …' if len(sql) > 2000 else ''}")
            if explain and not slow.executemany and not sql.startswith("SELECT pg_advisory"):
                print(plan_of(self.database, slow.statement, slow.parameters))


def plan_of(database: Database, statement: str, parameters: Any) -> str:
    """The statement's plan; on PostgreSQL also run (EXPLAIN ANALYZE) and rolled back."""
    try:
        with database.engine.connect() as connection:
            if database.kind == "sqlite":
                rows = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                ).all()
                depth = {0: 0}
                lines = []
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append(f"    {'  ' * depth[node]}{detail}")
                return "\n".join(lines)
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).all()
            connection.rollback()
            return "\n".join(f"      {row[0]}" for row in rows)
    except Exception as error:  # a plan is a nicety: report it and go on
        return f"    (no plan: {type(error).__name__}: {error})"


# --- figures --------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    name: str
    samples_ms: list[float] = field(default_factory=list)
    note: str = ""


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    print(f"  {'operation':<58} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}  note")
    for row in rows:
        samples = sorted(row.samples_ms)
        if not samples:
            print(f"  {row.name:<58} {'':>4} {'':>10} {'':>9} {'':>9}  {row.note}")
            continue
        p95 = percentile(samples, 95)
        median = statistics.median(samples)
        if len(samples) == 1:
            print(f"  {row.name:<58} {1:>4} {median:>10,.1f} {'':>9} {'':>9}  {row.note}")
        else:
            print(
                f"  {row.name:<58} {len(samples):>4} {median:>10,.1f} {p95:>9,.1f} "
                f"{samples[-1]:>9,.1f}  {row.note}"
            )


def join_notes(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def timed_ms(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def series(
    name: str,
    calls: int,
    budget_s: float,
    action: Callable[[int], Any],
    *,
    min_samples: int = MIN_SAMPLES,
) -> Row:
    """`action(i)` for i in range(calls), timed one by one; stops early once the series
    has run `budget_s` seconds and has `min_samples` calls."""
    row = Row(name)
    started = time.perf_counter()
    for index in range(calls):
        ms, _ = timed_ms(lambda index=index: action(index))
        row.samples_ms.append(ms)
        if time.perf_counter() - started > budget_s and len(row.samples_ms) >= min_samples:
            row.note = f"cut to {len(row.samples_ms)} calls by --budget"
            break
    return row


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


# --- setting up -----------------------------------------------------------------------------


def bench_labels(database: Database, principal: Principal, project_id: str) -> list[LabelInfo]:
    """The two labels of the benchmark's queues, created the first time."""
    names = [name for name, _, _ in QUEUE_LABELS]
    with database.write() as session:
        project = get_project(session=session, principal=principal, project_id=project_id)

        def stored() -> dict[str, Any]:
            rows = session.execute(
                select(Label.label_rowid, Label.name, Label.version).where(
                    Label.project_rowid == project.project_rowid,
                    Label.name.in_(names),
                    Label.archived_at.is_(None),
                )
            ).all()
            return {row.name: row for row in rows}

        found = stored()
        for name, kind, settings in QUEUE_LABELS:
            if name not in found:
                create_label(
                    session=session,
                    principal=principal,
                    project_id=project_id,
                    data=LabelCreate(name=name, type=kind, settings=settings),
                )
        found = stored()
    return [LabelInfo(found[n].label_rowid, n, found[n].version) for n in names]


def clean(database: Database, project_rowid: int, labels: list[LabelInfo]) -> None:
    """Remove the benchmark's queues, and the annotations and gold values of its labels."""
    label_rowids = [label.rowid for label in labels]
    with database.write() as session:
        queue_rowids = session.scalars(
            select(Queue.queue_rowid).where(
                Queue.project_rowid == project_rowid, Queue.name_key.like(f"{QUEUE_PREFIX}%")
            )
        ).all()
        # The services' annotations counted in their traces; those written set-based not.
        counted = sorted(
            set(
                session.scalars(
                    select(Annotation.span_rowid).where(
                        Annotation.label_rowid.in_(label_rowids),
                        Annotation.run_id.is_(None),
                    )
                )
            )
        )
        session.execute(delete(Annotation).where(Annotation.label_rowid.in_(label_rowids)))
        session.execute(delete(GoldValue).where(GoldValue.label_rowid.in_(label_rowids)))
        if queue_rowids:
            session.execute(
                delete(QueueAssignment).where(QueueAssignment.queue_rowid.in_(queue_rowids))
            )
            session.execute(delete(QueueItem).where(QueueItem.queue_rowid.in_(queue_rowids)))
            session.execute(delete(Queue).where(Queue.queue_rowid.in_(queue_rowids)))
        for start in range(0, len(counted), 5_000):
            refresh_trace_counts(session, set(counted[start : start + 5_000]))


def queue_choice() -> list[QueueLabelChoice]:
    return [QueueLabelChoice(name=VERDICT), QueueLabelChoice(name=STARS, required=False)]


def truth(span_rowid: int) -> str:
    """The verdict a span deserves: the gold answer, and what annotators mostly give."""
    return VERDICTS[(span_rowid * 2654435761 >> 7) % len(VERDICTS)]


def opinion(rng: random.Random, span_rowid: int, right: float) -> str:
    deserved = truth(span_rowid)
    if rng.random() < right:
        return deserved
    return rng.choice([verdict for verdict in VERDICTS if verdict != deserved])


def values_for(rng: random.Random) -> list[LabelValue]:
    values = [LabelValue(name=VERDICT, value=[rng.choice(VERDICTS)])]
    if rng.random() < 0.7:
        values.append(LabelValue(name=STARS, value=rng.randint(1, 5)))
    return values


def analyze(database: Database, rows: list[Row], after: str) -> None:
    """On PostgreSQL, ANALYZE the tables the queues filled, as autovacuum would soon after
    (it is off on some servers): plans are made for their real sizes, and the plans that
    connections have cached for their statements are made again."""
    if database.kind != "postgresql" or not ANALYZE_TABLES:
        return
    started = time.perf_counter()
    with database.engine.connect() as connection:
        connection.exec_driver_sql(f"ANALYZE {', '.join(ANALYZE_TABLES)}")
        connection.commit()
    rows.append(Row(f"(ANALYZE after {after})", [(time.perf_counter() - started) * 1000]))


def queue_row(session: Session, queue_id: str) -> Queue:
    return session.scalars(select(Queue).where(Queue.id == queue_id)).one()


# --- working a queue, as the API does: one write transaction per request ----------------------


def next_for(database: Database, principal: Principal, queue_id: str, annotator: str) -> Any:
    with database.write() as session:
        handed = queue_work.next_item(
            session=session, principal=principal, queue_id=queue_id, annotator_id=annotator
        )
    return handed.item


def submit_for(
    database: Database, principal: Principal, queue_id: str, item: WorkItem, data: Submission
) -> WorkItem:
    with database.write() as session:
        return queue_work.submit(
            session=session,
            principal=principal,
            queue_id=queue_id,
            item_id=item.item.id,
            data=data,
        )


def hand_out_and_submit(
    database: Database,
    principal: Principal,
    queue_id: str,
    annotators: list[str],
    budget_s: float,
    label: str,
    *,
    distinct: bool,
) -> list[Row]:
    """next_item for each annotator in turn (each holds the item handed to them), then a
    submit for each item handed out. With `distinct`, check that no item was handed out
    twice (gold items go to everyone)."""
    rng = random.Random(5)
    handed: list[tuple[str, WorkItem]] = []

    def hand(index: int) -> None:
        item = next_for(database, principal, queue_id, annotators[index])
        assert item is not None, f"nothing handed to {annotators[index]}"
        handed.append((annotators[index], item))

    next_row = series(f"next_item, {label}", len(annotators), budget_s, hand)
    items = [work.item.id for _, work in handed]
    if distinct and len(set(items)) != len(items):
        next_row.note = join_notes("ITEMS HANDED OUT TWICE", next_row.note)
    elif not distinct:
        shown = f"{len(set(items))} distinct items (gold items go to everyone)"
        next_row.note = join_notes(shown, next_row.note)
    submissions = [
        Submission(annotator_id=annotator, values=values_for(rng)) for annotator, _ in handed
    ]
    submit_row = series(
        f"submit, {label}",
        len(handed),
        budget_s,
        lambda i: submit_for(database, principal, queue_id, handed[i][1], submissions[i]),
    )
    return [next_row, submit_row]


def work_alone(
    database: Database,
    principal: Principal,
    queue_id: str,
    annotator: str,
    calls: int,
    budget_s: float,
) -> list[Row]:
    """One annotator's next_item then submit, over and over."""
    rng = random.Random(9)
    next_row, submit_row = Row(f"next_item, {annotator!r}"), Row(f"submit, {annotator!r}")
    started = time.perf_counter()
    for _ in range(calls):
        ms, item = timed_ms(lambda: next_for(database, principal, queue_id, annotator))
        next_row.samples_ms.append(ms)
        if item is None:
            next_row.note = "nothing left"
            break
        data = Submission(annotator_id=annotator, values=values_for(rng))
        ms, _ = timed_ms(
            lambda item=item, data=data: submit_for(database, principal, queue_id, item, data)
        )
        submit_row.samples_ms.append(ms)
        if time.perf_counter() - started > budget_s and len(next_row.samples_ms) >= MIN_SAMPLES:
            next_row.note = f"cut to {len(next_row.samples_ms)} calls by --budget"
            break
    return [next_row, submit_row]


# --- a queue far along, written set-based ---------------------------------------------------


def add_gold(
    database: Database, principal: Principal, queue_id: str, count: int
) -> tuple[float, int]:
    """Make `count` random items of the queue gold (known answers): wall time, added."""
    with database.read() as session:
        queue = queue_row(session, queue_id)
        rows = session.execute(
            select(SpanRow.span_id, Trace.trace_id, SpanRow.span_rowid)
            .join(QueueItem, QueueItem.span_rowid == SpanRow.span_rowid)
            .join(Trace, Trace.trace_rowid == SpanRow.trace_rowid)
            .where(QueueItem.queue_rowid == queue.queue_rowid)
        ).all()
    chosen = random.Random(3).sample(rows, min(count, len(rows)))
    data = ItemsAdd(
        gold=[
            GoldItem(
                span_id=span_id,
                trace_id=trace_id,
                values=[LabelValue(name=VERDICT, value=[truth(span_rowid)])],
            )
            for span_id, trace_id, span_rowid in chosen
        ]
    )

    def add() -> int:
        with database.write() as session:
            queues.add_items(session=session, principal=principal, queue_id=queue_id, data=data)
        return len(chosen)

    return timed_ms(add)


def work_far_along(
    database: Database,
    queue_id: str,
    project_rowid: int,
    labels: list[LabelInfo],
    second_items: int,
) -> tuple[int, int, float]:
    """Annotator "fast" completes the first half of the queue's items, "second" the first
    `second_items` of those: assignments and annotations written set-based, as the
    services would have left them. (fast's items, second's items, ms written)"""
    verdict, stars = labels
    started = time.perf_counter()
    with database.read() as session:
        queue_rowid = queue_row(session, queue_id).queue_rowid
        items = session.execute(
            select(QueueItem.queue_item_rowid, QueueItem.span_rowid)
            .where(QueueItem.queue_rowid == queue_rowid)
            .order_by(QueueItem.position, QueueItem.queue_item_rowid)
        ).all()
    half = len(items) // 2
    second = min(second_items, half)
    rng = random.Random(11)
    now = utcnow()
    assignments: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []

    def annotation(label: LabelInfo, span_rowid: int, annotator: str, value: Any) -> None:
        categorical = label is verdict
        annotations.append(
            {
                "id": new_id("ann"),
                "span_rowid": span_rowid,
                "project_rowid": project_rowid,
                "label_rowid": label.rowid,
                "label_version": label.version,
                "name": label.name,
                "name_key": label.name.casefold(),
                "annotator_id": annotator,
                "source": "api",
                "value": [value] if categorical else float(value),
                "label": value if categorical else None,
                "score": None if categorical else float(value),
                "reason": None,
                "run_id": SET_BASED,
                "user_rowid": None,
                "created_at": now,
                "updated_at": now,
            }
        )

    def flush() -> None:
        with database.write() as session:
            insert_rows(session, QueueAssignment.__table__, assignments)  # type: ignore[arg-type]
            insert_rows(session, Annotation.__table__, annotations)  # type: ignore[arg-type]
        assignments.clear()
        annotations.clear()

    for index, (item_rowid, span_rowid) in enumerate(items[:half]):
        workers = [("fast", 0.85)] + ([("second", 0.8)] if index < second else [])
        for annotator, right in workers:
            assignments.append(
                {
                    "queue_item_rowid": item_rowid,
                    "queue_rowid": queue_rowid,
                    "annotator_id": annotator,
                    "status": "completed",
                    "reserved_until": None,
                    "created_at": now,
                    "finished_at": now,
                }
            )
            annotation(verdict, span_rowid, annotator, opinion(rng, span_rowid, right))
            if rng.random() < 0.7:
                annotation(stars, span_rowid, annotator, rng.randint(1, 5))
        if len(annotations) >= ROW_BATCH:
            flush()
    flush()
    return half, second, (time.perf_counter() - started) * 1000


# --- many annotators at once ----------------------------------------------------------------


@dataclass(slots=True)
class Crowd:
    threads: int
    seconds: float
    submitted: int
    handed_twice: int  # items handed to more than one annotator
    errors: Counter[str]
    next_ms: list[float]
    submit_ms: list[float]


def crowd(
    database: Database, principal: Principal, queue_id: str, threads: int, seconds: float
) -> Crowd:
    """`threads` annotators, one per thread, each next_item then submit until time is up."""
    lock = threading.Lock()
    holders: dict[str, set[str]] = defaultdict(set)
    errors: Counter[str] = Counter()
    next_ms: list[float] = []
    submit_ms: list[float] = []
    submitted = [0]
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def work(number: int) -> None:
        annotator = f"crowd-{threads}-{number}"
        rng = random.Random(number)
        start.wait()
        while time.perf_counter() < deadline[0]:
            try:
                ms, item = timed_ms(lambda: next_for(database, principal, queue_id, annotator))
                if item is None:
                    return
                with lock:
                    next_ms.append(ms)
                    holders[item.item.id].add(annotator)
                data = Submission(annotator_id=annotator, values=values_for(rng))
                ms, _ = timed_ms(
                    lambda item=item, data=data: submit_for(
                        database, principal, queue_id, item, data
                    )
                )
                with lock:
                    submit_ms.append(ms)
                    submitted[0] += 1
            except Exception as error:  # counted and reported, the others go on
                with lock:
                    errors[f"{type(error).__name__}: {str(error)[:80]}"] += 1

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    twice = sum(1 for annotators in holders.values() if len(annotators) > 1)
    return Crowd(threads, elapsed, submitted[0], twice, errors, next_ms, submit_ms)


def shared_items(database: Database, queue_id: str) -> int:
    """Items of a one-annotator queue that more than one annotator has had a turn at."""
    with database.read() as session:
        queue_rowid = queue_row(session, queue_id).queue_rowid
        shared = (
            select(QueueAssignment.queue_item_rowid)
            .where(QueueAssignment.queue_rowid == queue_rowid)
            .group_by(QueueAssignment.queue_item_rowid)
            .having(func.count() > 1)
            .subquery()
        )
        return session.scalar(select(func.count()).select_from(shared)) or 0


# --- the benchmark --------------------------------------------------------------------------


def measure(kind: str, database: Database, principal: Principal, args: argparse.Namespace) -> None:
    project_id = find_project(database, principal)
    assert project_id is not None
    with database.read() as session:
        project = get_project(session=session, principal=principal, project_id=project_id)
        spans = session.scalar(
            select(func.count()).where(SpanRow.project_rowid == project.project_rowid)
        )
    labels = bench_labels(database, principal, project_id)
    ms, _ = timed_ms(lambda: clean(database, project.project_rowid, labels))
    print(f"  removed earlier benchmark queues in {ms / 1000:.1f} s")
    rows: list[Row] = []
    log = StatementLog(database, args.slow_ms)
    with log:
        # 1. Filling queues.
        def create(name: str, per_item: int, items: ItemsAdd | None) -> Any:
            with database.write() as session:
                return queues.create_queue(
                    session=session,
                    principal=principal,
                    data=QueueCreate(
                        project_id=project_id,
                        name=f"{QUEUE_PREFIX} {name}",
                        labels=queue_choice(),
                        annotators_per_item=per_item,
                        items=items,
                    ),
                )

        everything = ItemsAdd(filter=ItemFilter())
        with log.phase("create queue by filter"):
            ms, fresh = timed_ms(lambda: create("fresh", 1, everything))
        rows.append(
            Row(
                "create queue, every span by filter (1 per item)",
                [ms],
                f"{fresh.progress.total:,} items, {fresh.progress.total / ms * 1000:,.0f}/s, "
                f"peak RSS {peak_rss_mib():,.0f} MiB",
            )
        )
        sample = create("sample", 1, None)
        with log.phase("add a random sample"):

            def add_sample() -> tuple[int, int, int]:
                with database.write() as session:
                    return queues.add_items(
                        session=session,
                        principal=principal,
                        queue_id=sample.id,
                        data=ItemsAdd(filter=ItemFilter(), sample=SAMPLE),
                    )

            ms, (added, _, _) = timed_ms(add_sample)
        rows.append(Row(f"add a random sample of {SAMPLE:,} by filter", [ms], f"{added:,} added"))

        analyze(database, rows, "filling the queues")
        # 2. A fresh queue: distinct annotators, each handed the next item.
        with log.phase("fresh queue: next_item, submit"):
            annotators = [f"fresh-{n:04}" for n in range(args.calls)]
            rows += hand_out_and_submit(
                database,
                principal,
                fresh.id,
                annotators,
                args.budget,
                "fresh queue, distinct annotators",
                distinct=True,
            )

        # 3. A queue far along.
        with log.phase("create far-along queue"):
            ms, far = timed_ms(lambda: create("far along", 2, everything))
        rows.append(
            Row("create queue, every span by filter (2 per item)", [ms], f"{far.progress.total:,}")
        )
        with log.phase("add gold items"):
            ms, gold_count = add_gold(database, principal, far.id, GOLD)
        rows.append(
            Row(f"add {gold_count} gold items (known answers)", [ms], "spans already in the queue")
        )
        with log.phase(None):
            half, second, written_ms = work_far_along(
                database, far.id, project.project_rowid, labels, args.second_items
            )
        rows.append(
            Row(
                "(set-based: fast's and second's work written)",
                [written_ms],
                f"fast {half:,} items, second {second:,}",
            )
        )
        analyze(database, rows, "the set-based work")
        with log.phase("recount_completion, whole queue"):

            def recount() -> None:
                with database.write() as session:
                    queue_work.recount_completion(session, queue_row(session, far.id))

            ms, _ = timed_ms(recount)
        rows.append(Row("recount_completion, whole queue", [ms]))
        with log.phase("far along: next_item, submit for fast"):
            rows += work_alone(database, principal, far.id, "fast", args.calls, args.budget)
        with log.phase("far along: next_item, submit for new annotators"):
            annotators = [f"new-{n:04}" for n in range(args.calls)]
            rows += hand_out_and_submit(
                database,
                principal,
                far.id,
                annotators,
                args.budget,
                "far along, new annotators",
                distinct=False,
            )

        # 4. Reading the far-along queue.
        with database.read() as session:
            deep = session.execute(
                select(QueueItem.position, QueueItem.queue_item_rowid, QueueItem.added_at)
                .where(QueueItem.queue_rowid == queue_row(session, far.id).queue_rowid)
                .order_by(QueueItem.position.desc())
                .offset(max(0, far.progress.total // 10))
                .limit(1)
            ).one()
        deep_cursor = encode_cursor(deep.added_at, f"{deep.position}:{deep.queue_item_rowid}")

        def read(action: Callable[[Session], Any]) -> Callable[[int], Any]:
            def run(_: int) -> Any:
                with database.read() as session:
                    return action(session)

            return run

        def items_page(status: Any = None, cursor: str | None = None) -> Callable[[int], Any]:
            return read(
                lambda session: queues.list_items(
                    session=session,
                    principal=principal,
                    queue_id=far.id,
                    status=status,
                    limit=PAGE,
                    cursor=cursor,
                )
            )

        reads: list[tuple[str, Callable[[int], Any]]] = [
            (
                "queue_progress",
                read(
                    lambda session: queue_progress(
                        session,
                        load_queue(session=session, principal=principal, queue_id=far.id).queue,
                    )
                ),
            ),
            (
                "get_queue (queue and its progress)",
                read(
                    lambda session: queues.get_queue(
                        session=session, principal=principal, queue_id=far.id
                    )
                ),
            ),
            (
                "list_queues of the project (3 queues)",
                read(
                    lambda session: queues.list_queues(
                        session=session, principal=principal, project_id=project_id
                    )
                ),
            ),
            (
                "queue_agreement",
                read(
                    lambda session: queue_agreement.queue_agreement(
                        session=session, principal=principal, queue_id=far.id
                    )
                ),
            ),
            (
                "disagreements",
                read(
                    lambda session: queue_agreement.disagreements(
                        session=session, principal=principal, queue_id=far.id
                    )
                ),
            ),
            (
                "accuracy (gold items)",
                read(
                    lambda session: queue_agreement.accuracy(
                        session=session, principal=principal, queue_id=far.id
                    )
                ),
            ),
            (f"list_items, first page of {PAGE}", items_page()),
            (f"list_items, page at position {deep.position:,}", items_page(cursor=deep_cursor)),
            ("list_items, pending, first page", items_page("pending")),
            ("list_items, completed, first page", items_page("completed")),
        ]
        for name, action in reads:
            with log.phase(name):
                warm_ms, result = timed_ms(lambda action=action: action(0))
                row = series(name, args.runs, args.budget, action, min_samples=1)
            row.note = join_notes(f"first run {warm_ms:,.0f} ms", describe(result), row.note)
            rows.append(row)

        # 5. Many annotators at once, on the fresh queue (one annotator per item).
        crowds = []
        with log.phase(None):
            for threads, seconds in ((1, args.seconds / 2), (args.threads, args.seconds)):
                crowds.append(crowd(database, principal, fresh.id, threads, seconds))
        shared = shared_items(database, fresh.id)

    print_table(f"{kind}: {spans:,} spans; queue of {fresh.progress.total:,} items", rows)
    print("\n  next+submit loops on the fresh queue (1 annotator per item), one Database object:")
    print(
        f"  {'threads':>7} {'seconds':>8} {'items':>6} {'items/s':>8} {'next p50':>9} "
        f"{'p95':>7} {'submit p50':>11} {'p95':>7} {'handed twice':>13}  errors"
    )
    for result in crowds:
        print(
            f"  {result.threads:>7} {result.seconds:>8.1f} {result.submitted:>6} "
            f"{result.submitted / result.seconds:>8.1f} {percentile(result.next_ms, 50):>9.1f} "
            f"{percentile(result.next_ms, 95):>7.1f} {percentile(result.submit_ms, 50):>11.1f} "
            f"{percentile(result.submit_ms, 95):>7.1f} {result.handed_twice:>13}  "
            f"{dict(result.errors) or 'none'}"
        )
    print(f"  items of the fresh queue that more than one annotator had a turn at: {shared}")
    log.report(explain=not args.no_explain)
    if not args.keep_queues:
        ms, _ = timed_ms(lambda: clean(database, project.project_rowid, labels))
        print(f"\n  removed the benchmark queues in {ms / 1000:.1f} s")


def percentile(samples: list[float], share: int) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def describe(result: Any) -> str:
    """A few words on what a read returned."""
    if hasattr(result, "items") and hasattr(result, "next_cursor"):
        return f"{len(result.items)} items"
    if hasattr(result, "completed") and hasattr(result, "total"):
        return f"{result.total:,} items, {result.completed:,} completed"
    if hasattr(result, "progress"):
        return f"{result.progress.total:,} items"
    if hasattr(result, "labels") and hasattr(result, "queue_id"):
        return ", ".join(f"{label.name}: {label.items:,} items" for label in result.labels)
    if isinstance(result, list):
        if result and hasattr(result[0], "accuracy"):
            named = [a for a in result if a.annotator_id in ("fast", "second")]
            shown = [
                f"{a.annotator_id} {a.gold_items} gold items, "
                + (f"{a.accuracy:.0%}" if a.accuracy is not None else "-")
                for a in named
            ]
            return ", ".join([*shown, f"{len(result) - len(named)} others"])
        return f"{len(result)} returned"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200, help="calls per next/submit series")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per read")
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds after which a series is cut short"
    )
    parser.add_argument(
        "--second-items", type=int, default=20_000, help="items 'second' has completed"
    )
    parser.add_argument("--threads", type=int, default=8, help="annotators working at once")
    parser.add_argument("--seconds", type=float, default=10, help="how long they work")
    parser.add_argument("--slow-ms", type=float, default=100, help="statements to report")
    parser.add_argument("--no-explain", action="store_true", help="no plans of slow statements")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="no ANALYZE of the queue tables once filled (PostgreSQL without autovacuum)",
    )
    parser.add_argument("--keep-queues", action="store_true", help="leave the queues at the end")
    parser.add_argument("--sqlite-path", help="keep the SQLite database here (and reuse it)")
    parser.add_argument(
        "--postgres-database", help="keep the PostgreSQL database under this name (and reuse it)"
    )
    add_common_options(parser, port=0)
    args = parser.parse_args()
    if args.no_analyze:
        ANALYZE_TABLES.clear()
    for kind in args.databases.split(","):
        print(f"{kind}: a project of {args.spans:,} spans")
        started = time.perf_counter()
        with bench_database(kind, args) as (database, principal):
            measure(kind, database, principal, args)
        print(f"\n{kind}: {time.perf_counter() - started:.0f} s in all\n")


if __name__ == "__main__":
    main()
