"""Reads at scale: list a project's traces and fetch a trace at a million spans.

Builds a workspace of --spans spans (default 1,000,000) in traces of 10 over two
projects through the ingest service (the same set-based writes as OTLP ingest), then
prints the median time of the reads the API and the dashboard make, on SQLite and
PostgreSQL. The reads go through the services, without HTTP.

    python bench/read_scale.py                       # both databases, 1,000,000 spans
    python bench/read_scale.py --spans 200000 --databases sqlite
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import add_common_options, postgres_database  # noqa: E402

from annotrace.domain.access import Principal  # noqa: E402
from annotrace.domain.spans import IncomingSpan, Span, SpanKind, StatusCode  # noqa: E402
from annotrace.services import projects, traces  # noqa: E402
from annotrace.services.ingest import store_spans  # noqa: E402
from annotrace.services.keys import authenticate_key_pair, create_key_pair  # noqa: E402
from annotrace.services.traces import TraceFilters  # noqa: E402
from annotrace.storage import migrate  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402

BATCH_TRACES = 500
START = datetime(2026, 1, 1, tzinfo=UTC)


def batch(first_trace: int, count: int, trace_size: int) -> list[IncomingSpan]:
    spans = []
    for number in range(first_trace, first_trace + count):
        trace_id = secrets.token_hex(16)
        start = START + timedelta(seconds=number * 3)
        root = secrets.token_hex(8)
        for index in range(trace_size):
            spans.append(
                IncomingSpan(
                    project_name="bot" if number % 4 else "rag",
                    span=Span(
                        trace_id=trace_id,
                        span_id=root if index == 0 else secrets.token_hex(8),
                        parent_span_id=None if index == 0 else root,
                        name="agent" if index == 0 else f"step-{index}",
                        kind=SpanKind.AGENT if index == 0 else SpanKind.LLM,
                        start_time=start + timedelta(milliseconds=index),
                        end_time=start + timedelta(milliseconds=index + 500),
                        input_value=f"question {number}",
                        output_value=f"answer {number}",
                        total_tokens=100 if index else None,
                        attributes={"input.value": f"question {number}"},
                    ),
                )
            )
    return spans


def fill(database: Database, principal: Principal, spans: int, trace_size: int) -> float:
    started = time.perf_counter()
    total = spans // trace_size
    for first in range(0, total, BATCH_TRACES):
        with database.write() as session:
            store_spans(
                session=session,
                principal=principal,
                spans=batch(first, min(BATCH_TRACES, total - first), trace_size),
            )
        done = min(first + BATCH_TRACES, total) * trace_size
        print(f"\r  stored {done:,} spans", end="", flush=True)
    print()
    return time.perf_counter() - started


def median_ms(read: Callable[[], object], runs: int = 20) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(url: str, spans: int, trace_size: int) -> None:
    database = Database(url)
    migrate.upgrade(database)
    with database.write() as session:
        pair = create_key_pair(session=session, workspace="bench")
    with database.read() as session:
        principal = authenticate_key_pair(
            session=session, api_key=pair.api_key, secret_key=pair.secret_key
        )
    seconds = fill(database, principal, spans, trace_size)
    print(f"  built in {seconds:.0f} s ({spans / seconds:,.0f} spans/s)")
    if database.kind == "postgresql":
        with database.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    with database.read() as session:
        project = next(
            p
            for p in projects.list_projects(session=session, principal=principal)
            if p.name == "bot"
        )

    def page(**options: object) -> object:
        with database.read() as session:
            return traces.list_traces(
                session=session, principal=principal, project_id=project.id, **options
            )

    deep = None
    with database.read() as session:
        for _ in range(50):  # the cursor of page 51
            deep = traces.list_traces(
                session=session, principal=principal, project_id=project.id, cursor=deep
            ).next_cursor
    middle = START + timedelta(seconds=spans // trace_size * 3 // 2)
    some_trace = page(start_time=middle).items[0]  # type: ignore[attr-defined]

    def trace() -> object:
        with database.read() as session:
            return traces.get_trace(
                session=session, principal=principal, trace_id=some_trace.trace_id
            )

    def span() -> object:
        with database.read() as session:
            return traces.get_span(
                session=session, principal=principal, span_id=some_trace.root_span.span_id
            )

    def project_list() -> object:
        with database.read() as session:
            return projects.list_projects(session=session, principal=principal)

    reads = {
        "first page of traces (50)": lambda: page(),
        "page 51 by cursor": lambda: page(cursor=deep),
        "page in a time range": lambda: page(
            start_time=middle, end_time=middle + timedelta(hours=1)
        ),
        "page, errors only": lambda: page(filters=TraceFilters(status=StatusCode.ERROR)),
        "page, not annotated": lambda: page(filters=TraceFilters(annotated=False)),
        "page, search (common word)": lambda: page(filters=TraceFilters(search="answer")),
        "page, search (rare word)": lambda: page(
            filters=TraceFilters(search=f"question {spans // trace_size // 2}")
        ),
        "page, root kind AGENT": lambda: page(filters=TraceFilters(root_kind=SpanKind.AGENT)),
        "one trace with its spans": trace,
        "one span by span id": span,
        "projects with counts": project_list,
    }
    for name, read in reads.items():
        runs = 3 if "search" in name else 20
        print(f"  {name:<28} {median_ms(read, runs):8.1f} ms (median of {runs})")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--trace-size", type=int, default=10)
    add_common_options(parser, port=0)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        print(f"{kind}: {args.spans:,} spans in traces of {args.trace_size}")
        if kind == "sqlite":
            measure(f"sqlite:///{tempfile.mkdtemp()}/scale.sqlite", args.spans, args.trace_size)
            continue
        url, admin = postgres_database(args.postgres_url)
        try:
            measure(url, args.spans, args.trace_size)
        finally:
            with admin.connect() as connection:  # type: ignore[attr-defined]
                connection.execute(
                    text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")
                )


if __name__ == "__main__":
    main()
