"""Span filters at scale: a project of a million spans and two million annotations.

Builds one project of --spans spans (default 1,000,000) in traces of 10 through the ingest
service, with labels of every common type, two annotations per span on average (people
through the dashboard and the API, automated evaluators), notes on a few percent of the
spans and some rare values; then prints, per database, the median time of the first page
(50 spans, through `services.search.search_spans`, without HTTP) of typical filters.

Building a million spans takes minutes: give --sqlite-path and --postgres-database to
keep the databases and reuse them on the next run (a database that already holds the
project is migrated to the newest schema and measured as it is).

    python bench/filter_export.py                              # both databases, 1,000,000 spans
    python bench/filter_export.py --spans 100000 --databases sqlite
    python bench/filter_export.py --sqlite-path /tmp/fe.sqlite --postgres-database fe_1m
    python bench/filter_export.py --spans 100000 --explain     # and each filter's query plan
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import add_common_options, postgres_database  # noqa: E402

from annotrace.domain.access import Principal  # noqa: E402
from annotrace.domain.ids import new_id  # noqa: E402
from annotrace.domain.labels import LabelType  # noqa: E402
from annotrace.domain.spans import IncomingSpan, Span, SpanKind, StatusCode  # noqa: E402
from annotrace.schemas.filters import SpanFilter  # noqa: E402
from annotrace.schemas.labels import LabelCreate  # noqa: E402
from annotrace.services import projects  # noqa: E402
from annotrace.services.ingest import store_spans  # noqa: E402
from annotrace.services.keys import authenticate_key_pair, create_key_pair  # noqa: E402
from annotrace.services.labels import create_label  # noqa: E402
from annotrace.services.search import search_spans  # noqa: E402
from annotrace.storage import migrate  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402
from annotrace.storage.models import Annotation, Label, Note  # noqa: E402
from annotrace.storage.models import Project as ProjectRow  # noqa: E402
from annotrace.storage.models import Span as SpanRow  # noqa: E402
from annotrace.storage.upsert import insert_rows  # noqa: E402

PROJECT = "support-bot"
WORKSPACE = "bench-filters"
BATCH_TRACES = 1_000
ROW_BATCH = 20_000
PAGE = 50
START = datetime(2026, 6, 1, tzinfo=UTC)
SECONDS_PER_TRACE = 30
# Kinds of the spans of a trace after its CHAIN root.
CHILD_KINDS = [SpanKind.LLM] * 6 + [SpanKind.TOOL] * 2 + [SpanKind.RETRIEVER]
# One word in a thousand spans' inputs, and one span in 100,000: the rare search terms.
COMMON_WORD, UNCOMMON_WORD, RARE_WORD = "refund", "chargeback", "zanzibarite"
WORDS = """the a to of and in is for on with my your order account please help can you how
when where why shipping delivery invoice payment card password reset login email address
change cancel subscription plan upgrade price discount coupon late damaged missing package
tracking number return exchange warranty store hours agent human support thanks sorry
apologize understand check look into"""
VOCABULARY = WORDS.split()

# name, type, settings
LABELS = [
    ("Response Quality", LabelType.CATEGORICAL, {"options": ["good", "bad", "ok", "escalate"]}),
    ("Rating", LabelType.STAR, {"no_of_stars": 5}),
    ("Helpful", LabelType.THUMBS, {}),
    (
        "Topics",
        LabelType.CATEGORICAL,
        {"options": ["billing", "shipping", "refunds", "account", "legal"], "multi_choice": True},
    ),
    ("Faithfulness", LabelType.NUMERIC, {"min": 0, "max": 1}),
    ("Toxicity", LabelType.NUMERIC, {"min": 0, "max": 1}),
]
PEOPLE = ["ana", "ben", "chloe", "dev"]
RARE_ANNOTATOR = "zoe"  # about one annotation in 20,000
EVALUATOR = "judge-gpt"


# --- building -----------------------------------------------------------------------------


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, k=words))


def span_batch(rng: random.Random, first_trace: int, count: int) -> list[IncomingSpan]:
    spans = []
    for number in range(first_trace, first_trace + count):
        trace_id = secrets.token_hex(16)
        start = START + timedelta(seconds=number * SECONDS_PER_TRACE)
        root = secrets.token_hex(8)
        for index, kind in enumerate([SpanKind.CHAIN, *CHILD_KINDS]):
            question = sentence(rng, rng.randint(8, 30))
            if rng.random() < 0.3:
                question += f" {COMMON_WORD}"
            if rng.random() < 0.001:
                question += f" {UNCOMMON_WORD}"
            if rng.random() < 0.00001:
                question += f" {RARE_WORD.capitalize()}"
            spans.append(
                IncomingSpan(
                    project_name=PROJECT,
                    span=Span(
                        trace_id=trace_id,
                        span_id=root if index == 0 else secrets.token_hex(8),
                        parent_span_id=None if index == 0 else root,
                        name="handle_request" if index == 0 else f"{kind.value.lower()}-{index}",
                        kind=kind,
                        start_time=start + timedelta(milliseconds=index * 10),
                        end_time=start + timedelta(milliseconds=index * 10 + 800),
                        status_code=StatusCode.ERROR if rng.random() < 0.02 else StatusCode.OK,
                        input_value=question,
                        output_value=sentence(rng, rng.randint(10, 40)),
                        model_name="gpt-4o-mini" if kind is SpanKind.LLM else None,
                        total_tokens=rng.randint(100, 2000) if kind is SpanKind.LLM else None,
                    ),
                )
            )
    return spans


@dataclass(frozen=True, slots=True)
class LabelInfo:
    rowid: int
    name: str
    version: int


def annotation_values(rng: random.Random) -> list[tuple[int, str, Any, str | None, float | None]]:
    """(label index, annotator, value, Label view, Score view) of one span's annotations:
    two per span on average."""
    chosen: list[tuple[int, str, Any, str | None, float | None]] = []
    person = RARE_ANNOTATOR if rng.random() < 0.0001 else rng.choice(PEOPLE)
    if rng.random() < 0.5:
        draw = rng.random()
        verdict = (
            "escalate" if draw < 0.0002 else "good" if draw < 0.6 else "bad" if draw < 0.9 else "ok"
        )
        chosen.append((0, person, [verdict], verdict, None))
    if rng.random() < 0.3:
        stars = float(rng.choice([1, 2, 3, 4, 4, 5, 5, 5]))
        chosen.append((1, person, stars, None, stars))
    if rng.random() < 0.3:
        up = rng.random() < 0.8
        chosen.append((2, person, up, "thumbs_up" if up else "thumbs_down", 1.0 if up else 0.0))
    if rng.random() < 0.2:
        topics = rng.sample(["billing", "shipping", "refunds", "account"], rng.randint(1, 2))
        if rng.random() < 0.001:
            topics.append("legal")
        chosen.append((3, person, topics, ", ".join(topics), None))
    if rng.random() < 0.5:
        score = round(rng.betavariate(5, 1.5), 3)
        chosen.append((4, EVALUATOR, score, None, score))
    if rng.random() < 0.2:
        score = round(rng.betavariate(1, 30), 4)
        chosen.append((5, EVALUATOR, score, None, score))
    return chosen


def annotate_all(database: Database, project_rowid: int, labels: list[LabelInfo]) -> int:
    """Annotation and note rows for every span of the project, written set-based."""
    rng = random.Random(7)
    with database.read() as session:
        span_rowids = session.scalars(
            select(SpanRow.span_rowid)
            .where(SpanRow.project_rowid == project_rowid)
            .order_by(SpanRow.span_rowid)
        ).all()
    written = 0
    annotations: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    now = datetime.now(UTC)

    def flush() -> None:
        with database.write() as session:
            insert_rows(session, Annotation.__table__, annotations)  # type: ignore[arg-type]
            insert_rows(session, Note.__table__, notes)  # type: ignore[arg-type]
        annotations.clear()
        notes.clear()

    for span_rowid in span_rowids:
        for index, annotator, value, label_view, score in annotation_values(rng):
            label = labels[index]
            source = "eval" if annotator == EVALUATOR else rng.choice(("human", "api"))
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
                    "source": source,
                    "value": value,
                    "label": label_view,
                    "score": score,
                    "reason": "looks right" if rng.random() < 0.1 else None,
                    "run_id": "nightly" if source == "eval" else None,
                    "user_rowid": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if rng.random() < 0.03:
            note = f"follow up on span {span_rowid}"
            notes.append(
                {
                    "id": new_id("note"),
                    "span_rowid": span_rowid,
                    "project_rowid": project_rowid,
                    "annotator_id": rng.choice(PEOPLE),
                    "text": note,
                    "text_hash": secrets.token_hex(32),
                    "user_rowid": None,
                    "created_at": now,
                }
            )
        if len(annotations) >= ROW_BATCH:
            written += len(annotations)
            flush()
            if written % (10 * ROW_BATCH) < ROW_BATCH:
                print(f"  stored {written:,} annotations", flush=True)
    written += len(annotations)
    flush()
    return written


def build(database: Database, principal: Principal, spans: int) -> None:
    rng = random.Random(42)
    started = time.perf_counter()
    traces = spans // (1 + len(CHILD_KINDS))
    for first in range(0, traces, BATCH_TRACES):
        with database.write() as session:
            store_spans(
                session=session,
                principal=principal,
                spans=span_batch(rng, first, min(BATCH_TRACES, traces - first)),
            )
        if (first + BATCH_TRACES) % (10 * BATCH_TRACES) == 0:
            print(f"  stored {(first + BATCH_TRACES) * 10:,} spans", flush=True)
    print(f"  spans stored in {time.perf_counter() - started:.0f} s")
    project = find_project(database, principal)
    assert project is not None
    with database.write() as session:
        created = [
            create_label(
                session=session,
                principal=principal,
                project_id=project,
                data=LabelCreate(name=name, type=kind, settings=settings),
            )
            for name, kind, settings in LABELS
        ]
        rows = session.execute(
            select(Label.label_rowid, Label.project_rowid, Label.name, Label.version).where(
                Label.id.in_([label.id for label in created])
            )
        ).all()
    by_name = {row.name: row for row in rows}
    labels = [LabelInfo(by_name[n].label_rowid, n, by_name[n].version) for n, _, _ in LABELS]
    project_rowid = rows[0].project_rowid
    started = time.perf_counter()
    annotate_all(database, project_rowid, labels)
    print(f"  annotated in {time.perf_counter() - started:.0f} s")


def find_project(database: Database, principal: Principal) -> str | None:
    with database.read() as session:
        found = projects.list_projects(session=session, principal=principal)
    return next((p.id for p in found if p.name == PROJECT), None)


@contextmanager
def bench_database(kind: str, args: argparse.Namespace) -> Iterator[tuple[Database, Principal]]:
    """A migrated database holding the project: kept ones are reused, others built and
    removed afterwards."""
    admin: Any = None
    if kind == "sqlite":
        path = args.sqlite_path or f"{tempfile.mkdtemp()}/filters.sqlite"
        url = f"sqlite:///{path}"
    elif args.postgres_database:
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": args.postgres_database},
            )
            if not found:
                connection.execute(text(f"CREATE DATABASE {args.postgres_database}"))
        url = make_url(args.postgres_url).set(database=args.postgres_database)
        url = url.render_as_string(hide_password=False)
        admin.dispose()
        admin = None
    else:
        url, admin = postgres_database(args.postgres_url)
    database = Database(url)
    try:
        before = migrate.current_revision(database)
        started = time.perf_counter()
        migrate.upgrade(database)
        if before not in (None, migrate.head_revision()):
            print(f"  migrated from {before} in {time.perf_counter() - started:.0f} s")
        with database.write() as session:
            pair = create_key_pair(session=session, workspace=WORKSPACE)
        with database.read() as session:
            principal = authenticate_key_pair(
                session=session, api_key=pair.api_key, secret_key=pair.secret_key
            )
        if find_project(database, principal) is None:
            build(database, principal, args.spans)
        else:
            print("  reusing the project already stored")
        if kind == "postgresql":
            with database.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        yield database, principal
    finally:
        database.dispose()
        if admin is not None:
            with admin.connect() as connection:
                name = make_url(url).database
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


# --- filters --------------------------------------------------------------------------------


def quality(value: str) -> dict[str, Any]:
    match = {"op": "eq", "value": value}
    return {"type": "annotation", "label": "Response Quality", "value": match}


def typical_filters(first_start: datetime, last_start: datetime) -> dict[str, dict[str, Any]]:
    """Name → the `where` (and time range) of a filter, as a client would send it."""
    spread = last_start - first_start
    recent = {"start_time": (last_start - spread / 5).isoformat()}
    window = {
        "start_time": (last_start - spread / 2).isoformat(),
        "end_time": (last_start - spread / 2 + spread / 30).isoformat(),
    }
    return {
        "no filter": {},
        "label = value (common: good)": {"where": quality("good")},
        "label = value (rare: escalate)": {"where": quality("escalate")},
        "label is one of (bad, ok)": {
            "where": {
                "type": "annotation",
                "label": "Response Quality",
                "value": {"op": "in", "values": ["bad", "ok"]},
            }
        },
        "multi-choice contains (refunds)": {
            "where": {
                "type": "annotation",
                "label": "Topics",
                "value": {"op": "contains", "value": "refunds"},
            }
        },
        "multi-choice contains (rare: legal)": {
            "where": {
                "type": "annotation",
                "label": "Topics",
                "value": {"op": "contains", "value": "legal"},
            }
        },
        "score range (Faithfulness < 0.3)": {
            "where": {"type": "annotation", "label": "Faithfulness", "score": {"lte": 0.3}}
        },
        "score range (stars 4-5)": {
            "where": {"type": "annotation", "label": "Rating", "score": {"gte": 4, "lte": 5}}
        },
        "annotator (common: ana)": {"where": {"type": "annotation", "annotator": "ana"}},
        "annotator (rare: zoe)": {"where": {"type": "annotation", "annotator": RARE_ANNOTATOR}},
        "source eval": {"where": {"type": "annotation", "source": "eval"}},
        "no annotation for label": {
            "where": {"type": "annotation", "label": "Response Quality", "exists": False}
        },
        "not annotated at all": {"where": {"type": "annotation", "exists": False}},
        "notes present": {"where": {"type": "notes"}},
        "good and thumbs down": {
            "where": {
                "type": "and",
                "conditions": [
                    quality("good"),
                    {
                        "type": "annotation",
                        "label": "Helpful",
                        "value": {"op": "eq", "value": "thumbs_down"},
                    },
                ],
            }
        },
        "escalate or legal": {
            "where": {
                "type": "or",
                "conditions": [
                    quality("escalate"),
                    {
                        "type": "annotation",
                        "label": "Topics",
                        "value": {"op": "contains", "value": "legal"},
                    },
                ],
            }
        },
        "bad and not by eval": {
            "where": {
                "type": "and",
                "conditions": [
                    quality("bad"),
                    {"type": "not", "condition": {"type": "annotation", "source": "eval"}},
                ],
            }
        },
        "kind LLM and good": {
            "where": {
                "type": "and",
                "conditions": [
                    {"type": "span", "field": "kind", "op": "eq", "value": "LLM"},
                    quality("good"),
                ],
            }
        },
        "kind TOOL and escalate": {
            "where": {
                "type": "and",
                "conditions": [
                    {"type": "span", "field": "kind", "op": "eq", "value": "TOOL"},
                    quality("escalate"),
                ],
            }
        },
        "last fifth of the time and bad": {**recent, "where": quality("bad")},
        "a 30th of the time, mid-way, and ok": {**window, "where": quality("ok")},
        f"text contains common ({COMMON_WORD})": {
            "where": {"type": "text", "contains": COMMON_WORD}
        },
        f"text contains uncommon ({UNCOMMON_WORD})": {
            "where": {"type": "text", "contains": UNCOMMON_WORD}
        },
        f"text contains rare ({RARE_WORD})": {"where": {"type": "text", "contains": RARE_WORD}},
        "text contains absent (qwxzv)": {"where": {"type": "text", "contains": "qwxzv"}},
        "text (rare) and good": {
            "where": {
                "type": "and",
                "conditions": [{"type": "text", "contains": UNCOMMON_WORD}, quality("good")],
            }
        },
    }


# Filters timed on later pages too: (filter name, page number).
DEEP_PAGES = [("no filter", 2), ("no filter", 21), ("label = value (common: good)", 2)]
DEEP_PAGES += [("label = value (common: good)", 21), ("label is one of (bad, ok)", 21)]


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    median_ms: float
    slowest_ms: float
    found: int
    sql: str


def time_filters(
    database: Database, principal: Principal, runs: int, explain: bool, only: str | None
) -> list[Timing]:
    project_id = find_project(database, principal)
    assert project_id is not None
    with database.read() as session:
        first_start, last_start = session.execute(
            select(func.min(SpanRow.start_time), func.max(SpanRow.start_time))
        ).one()
    filters = typical_filters(first_start, last_start)

    def search(body: dict[str, Any], cursor: str | None = None) -> Any:
        span_filter = SpanFilter.model_validate({"project_id": project_id, **body})
        with database.read() as session:
            return search_spans(
                session=session,
                principal=principal,
                span_filter=span_filter,
                limit=PAGE,
                cursor=cursor,
            )

    cases: list[tuple[str, dict[str, Any], str | None]] = [
        (name, body, None) for name, body in filters.items()
    ]
    for name, page in DEEP_PAGES:
        cursor = None
        for _ in range(page - 1):
            cursor = search(filters[name], cursor).next_cursor
        cases.append((f"{name}, page {page}", filters[name], cursor))
    timings = []
    for name, body, cursor in cases:
        if only is not None and only not in name:
            continue
        with captured_statements(database) as statements:
            result = search(body, cursor)  # also warms the cache
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            search(body, cursor)
            samples.append((time.perf_counter() - started) * 1000)
        sql = explain_first(database, statements) if explain else ""
        timings.append(
            Timing(name, statistics.median(samples), max(samples), len(result.items), sql)
        )
    return timings


@contextmanager
def captured_statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def explain_first(database: Database, statements: list[tuple[str, Any]]) -> str:
    """The plan of the span query (the first statement that reads spans in order)."""
    statement, parameters = next(
        (s, p) for s, p in statements if "ORDER BY spans.start_time DESC" in s
    )
    prefix = "EXPLAIN QUERY PLAN " if database.kind == "sqlite" else "EXPLAIN ANALYZE "
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    if database.kind == "sqlite":
        return "\n".join(f"    {row[3]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


def print_filter_table(kind: str, spans: int, annotations: int, timings: list[Timing]) -> None:
    print(f"\n{kind}: first page of {PAGE} spans, {spans:,} spans, {annotations:,} annotations")
    print(f"  {'filter':<52} {'median ms':>10} {'slowest':>9} {'found':>6}")
    for timing in timings:
        print(
            f"  {timing.name:<52} {timing.median_ms:>10.1f} {timing.slowest_ms:>9.1f} "
            f"{timing.found:>6}"
        )
        if timing.sql:
            print(timing.sql)


def counts(database: Database) -> tuple[int, int]:
    with database.read() as session:
        spans = session.scalar(select(func.count()).select_from(SpanRow)) or 0
        annotations = session.scalar(select(func.count()).select_from(Annotation)) or 0
    return spans, annotations


# --- exports --------------------------------------------------------------------------------

EXPORT_SIZES = (20_000, 100_000)


def _memory_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process. Not getrusage: on Linux its peak
    survives exec, so a spawned child would report its parent's."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def _export_once(url: str, principal: Principal, span_filter: dict[str, Any], fmt: str) -> dict:
    """One export in a process of its own, so its peak memory is its own."""
    from annotrace.schemas.exports import ExportRequest
    from annotrace.services.exports import SpanExport

    database = Database(url)
    before = _memory_mib("VmRSS")
    started = time.perf_counter()
    size = 0
    with database.read() as session:
        export = SpanExport(
            session=session,
            principal=principal,
            request=ExportRequest.model_validate({"filter": span_filter, "format": fmt}),
        )
        for chunk in export.chunks():
            size += len(chunk)
    seconds = time.perf_counter() - started
    peak = _memory_mib("VmHWM")
    database.dispose()
    summary = export.summary()
    return {
        "seconds": seconds,
        "bytes": size,
        "spans": summary.spans,
        "records": summary.records,
        "skipped": sum(summary.skipped.values()),
        "rss_before": before,
        "rss_peak": peak,
    }


def newest_spans_filter(database: Database, project_id: str, count: int) -> dict[str, Any]:
    """A filter of the project's newest `count` spans (a time range)."""
    with database.read() as session:
        start = session.scalar(
            select(SpanRow.start_time)
            .join(ProjectRow, ProjectRow.project_rowid == SpanRow.project_rowid)
            .where(ProjectRow.id == project_id)
            .order_by(SpanRow.start_time.desc())
            .offset(count - 1)
            .limit(1)
        )
    if start is None:  # fewer spans than that: all of them
        return {"project_id": project_id}
    return {"project_id": project_id, "start_time": start.isoformat()}


def export_figures(database: Database, principal: Principal, project_id: str) -> None:
    """Time and peak memory of exporting the newest 20,000 and 100,000 spans to each format,
    each in a fresh process (the memory a server would add for one export)."""
    import multiprocessing

    from annotrace.domain.export_formats import FORMATS

    url = database.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    print(f"\n  exports ({database.kind}), each in a fresh process:")
    print(
        f"  {'format':<17} {'spans':>8} {'records':>8} {'skipped':>8} {'MiB':>8} "
        f"{'seconds':>8} {'spans/s':>8} {'RSS before':>10} {'peak':>6} {'growth':>6}"
    )
    for count in EXPORT_SIZES:
        span_filter = newest_spans_filter(database, project_id, count)
        for fmt in FORMATS:
            with context.Pool(1) as pool:
                result = pool.apply(_export_once, (url, principal, span_filter, fmt))
            growth = result["rss_peak"] - result["rss_before"]
            print(
                f"  {fmt:<17} {result['spans']:>8,} {result['records']:>8,} "
                f"{result['skipped']:>8,} {result['bytes'] / 2**20:>8.1f} "
                f"{result['seconds']:>8.2f} {result['spans'] / result['seconds']:>8,.0f} "
                f"{result['rss_before']:>10.0f} {result['rss_peak']:>6.0f} {growth:>6.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per filter")
    parser.add_argument("--sqlite-path", help="keep the SQLite database here (and reuse it)")
    parser.add_argument(
        "--postgres-database", help="keep the PostgreSQL database under this name (and reuse it)"
    )
    parser.add_argument("--explain", action="store_true", help="print each filter's plan")
    parser.add_argument("--only", help="time only the filters whose name contains this")
    parser.add_argument("--no-filters", action="store_true", help="skip the filter timings")
    parser.add_argument("--no-exports", action="store_true", help="skip the export timings")
    add_common_options(parser, port=0)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        print(f"{kind}: {args.spans:,} spans in traces of {1 + len(CHILD_KINDS)}")
        with bench_database(kind, args) as (database, principal):
            spans, annotations = counts(database)
            # 1. Filters: the first page (and a few later pages) of typical filters.
            if not args.no_filters:
                timings = time_filters(database, principal, args.runs, args.explain, args.only)
                print_filter_table(kind, spans, annotations, timings)
            # 2. Exports of the newest spans to each format, on the same database.
            project_id = find_project(database, principal)
            if not args.no_exports and project_id is not None:
                export_figures(database, principal, project_id)


if __name__ == "__main__":
    main()
