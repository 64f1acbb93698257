"""Bulk annotation throughput: `POST /tracer/bulk-annotation/` against a real `annotrace serve`.

Sets up a fresh database with one project of distinct spans and four labels (numeric,
categorical, star, thumbs), then sends --requests bulk requests of --records records
sequentially over one keep-alive connection. Each record is one span with four
annotations (one per label, by one annotator) and one note. Measured twice:

- create: every annotation is new (and every note);
- update: the same requests again with every value changed (the notes repeat, so they
  are skipped as duplicates).

Prints annotations per second for each phase (notes are written in the same requests
but not counted in the rate), the server's CPU time per annotation (from /proc) and its
peak memory (VmHWM). As a baseline it inserts the same annotation rows (annotations
only, no notes) into the `annotations` table of another fresh database straight through
the DB-API driver (sqlite3 / psycopg executemany, one transaction per request's worth of
rows, values already serialised), and prints annotrace's create rate as a share of that
raw rate against the target of at least 1/10.

    python bench/bulk_annotation.py                       # both databases, 3 runs each
    python bench/bulk_annotation.py --databases sqlite --repeat 1 --requests 5
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from ingest import (  # noqa: E402
    add_common_options,
    cpu_seconds,
    peak_memory_mib,
    postgres_database,
    start_server,
)

from annotrace.domain.access import Principal  # noqa: E402
from annotrace.domain.ids import new_id  # noqa: E402
from annotrace.domain.labels import LabelType  # noqa: E402
from annotrace.domain.spans import IncomingSpan, Span, SpanKind, StatusCode  # noqa: E402
from annotrace.schemas.labels import LabelCreate  # noqa: E402
from annotrace.services.ingest import store_spans  # noqa: E402
from annotrace.services.keys import authenticate_key_pair, create_key_pair  # noqa: E402
from annotrace.services.labels import create_label  # noqa: E402
from annotrace.storage import migrate  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402
from annotrace.storage.models import Label, Project  # noqa: E402
from annotrace.storage.models import Span as SpanRow  # noqa: E402
from annotrace.storage.types import json_dumps  # noqa: E402

PROJECT = "bench-bulk"
ANNOTATOR = "bench_annotator"
TRACE_SIZE = 10
SPAN_BATCH = 1_000  # spans per store_spans call while setting up
OPTIONS = ("billing", "shipping", "returns")
STARS = 5
# The four labels every record annotates, in this order.
LABELS = (
    ("quality", LabelType.NUMERIC, {"min": 0, "max": 10, "step_size": 0.5}),
    ("topic", LabelType.CATEGORICAL, {"options": list(OPTIONS)}),
    ("rating", LabelType.STAR, {"no_of_stars": STARS}),
    ("helpful", LabelType.THUMBS, {}),
)
ANNOTATIONS_PER_RECORD = len(LABELS)
TARGET_RATIO = 0.1


# --- setting up (not timed) -------------------------------------------------------------


def make_spans(count: int) -> list[IncomingSpan]:
    """`count` LLM spans with distinct ids, in traces of TRACE_SIZE."""
    rng = random.Random(42)
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    spans: list[IncomingSpan] = []
    trace_id = ""
    for index in range(count):
        if index % TRACE_SIZE == 0:
            trace_id = f"{rng.getrandbits(128):032x}"
        began = start + timedelta(seconds=index)
        span = Span(
            trace_id=trace_id,
            span_id=f"{rng.getrandbits(64):016x}",
            parent_span_id=None,
            name="ChatCompletion",
            kind=SpanKind.LLM,
            start_time=began,
            end_time=began + timedelta(milliseconds=800),
            status_code=StatusCode.OK,
            input_value=f"question {index}: what is the refund policy?",
            output_value=f"answer {index}: 30 days.",
            model_name="gpt-4o-mini",
        )
        spans.append(IncomingSpan(project_name=PROJECT, span=span))
    assert len({incoming.span.span_id for incoming in spans}) == count, "span ids collide"
    return spans


@dataclass(frozen=True, slots=True)
class Prepared:
    headers: dict[str, str]
    label_ids: list[str]  # in the order of LABELS


def prepare(database_url: str, spans: list[IncomingSpan]) -> Prepared:
    """Migrate a fresh database, create a key pair, store the spans and the labels."""
    database = Database(database_url)
    try:
        migrate.upgrade(database)
        with database.write() as session:
            pair = create_key_pair(session=session, workspace="bench")
            principal = authenticate_key_pair(
                session=session, api_key=pair.api_key, secret_key=pair.secret_key
            )
        for offset in range(0, len(spans), SPAN_BATCH):
            with database.write() as session:
                store_spans(
                    session=session, principal=principal, spans=spans[offset : offset + SPAN_BATCH]
                )
        with database.write() as session:
            label_ids = create_labels(session, principal)
    finally:
        database.dispose()
    return Prepared({"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}, label_ids)


def create_labels(session: Any, principal: Principal) -> list[str]:
    project_id = session.scalar(select(Project.id).where(Project.name == PROJECT))
    return [
        create_label(
            session=session,
            principal=principal,
            project_id=project_id,
            data=LabelCreate(name=name, type=kind, settings=settings),
        ).id
        for name, kind, settings in LABELS
    ]


def values(index: int, *, update: bool) -> list[tuple[str, Any]]:
    """The record's value key and value per label; `update` changes every one of them."""
    shift = 1 if update else 0
    return [
        ("value_float", (index % 20) * 0.5 + 0.5 * shift),  # 0..9.5, then +0.5 (max 10)
        ("value_str_list", [OPTIONS[(index + shift) % len(OPTIONS)]]),
        ("value_float", float(1 + index % (STARS - 1) + shift)),  # 1..4, then 2..5
        ("value_bool", (index % 2 == 0) != update),
    ]


def record(index: int, span_id: str, label_ids: list[str], *, update: bool) -> dict[str, Any]:
    return {
        "observation_span_id": span_id,
        "annotations": [
            {"annotation_label_id": label_id, "annotator_id": ANNOTATOR, key: value}
            for label_id, (key, value) in zip(label_ids, values(index, update=update), strict=True)
        ],
        # The same text in both phases: the update phase's notes are duplicates.
        "notes": [{"annotator_id": ANNOTATOR, "text": f"bench note {index} on span {span_id}"}],
    }


def encode_requests(
    span_ids: list[str], label_ids: list[str], records: int, *, update: bool
) -> list[bytes]:
    """The JSON bodies of the bulk requests, `records` spans each."""
    return [
        orjson.dumps(
            {
                "records": [
                    record(index, span_ids[index], label_ids, update=update)
                    for index in range(offset, offset + records)
                ]
            }
        )
        for offset in range(0, len(span_ids), records)
    ]


# --- annotrace, through the API ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phase:
    annotations: int
    notes: int
    seconds: float
    server_cpu: float

    @property
    def rate(self) -> float:
        return self.annotations / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.server_cpu / self.annotations * 1e6


def send_all(
    client: httpx.Client, pid: int, bodies: list[bytes], counted: str, expected: int
) -> Phase:
    """Send the bodies one after the other; each must count `expected` under `counted`."""
    annotations = notes = 0
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    for index, body in enumerate(bodies):
        response = client.post("/tracer/bulk-annotation/", content=body)
        if response.status_code != 200:
            raise SystemExit(f"request {index}: HTTP {response.status_code}: {response.text}")
        result = response.json()["result"]
        if result["errorsCount"] or result[counted] != expected:
            raise SystemExit(f"request {index}: expected {counted}={expected}: {response.text}")
        annotations += result[counted]
        notes += result["notesCreated"]
    seconds = time.perf_counter() - started
    return Phase(annotations, notes, seconds, cpu_seconds(pid) - cpu)


def run_api(
    database_url: str, spans: list[IncomingSpan], records: int, port: int
) -> dict[str, Any]:
    prepared = prepare(database_url, spans)
    span_ids = [incoming.span.span_id for incoming in spans]
    creates = encode_requests(span_ids, prepared.label_ids, records, update=False)
    updates = encode_requests(span_ids, prepared.label_ids, records, update=True)
    expected = records * ANNOTATIONS_PER_RECORD
    headers = {**prepared.headers, "Content-Type": "application/json"}
    with tempfile.TemporaryDirectory() as workdir:
        server = start_server(database_url, port, Path(workdir))
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=300
            ) as client:
                create = send_all(client, server.pid, creates, "annotationsCreated", expected)
                update = send_all(client, server.pid, updates, "annotationsUpdated", expected)
            return {"create": create, "update": update, "peak_mib": peak_memory_mib(server.pid)}
        finally:
            server.terminate()
            server.wait(30)


# --- the raw driver baseline --------------------------------------------------------------

COLUMNS = (
    "id, span_rowid, project_rowid, label_rowid, label_version, name, name_key, "
    "annotator_id, source, value, label, score, reason, run_id, user_rowid, created_at, "
    "updated_at"
)


def raw_rows(database_url: str, spans: list[IncomingSpan], sqlite: bool) -> list[tuple[Any, ...]]:
    """The create phase's annotation rows, as the table stores them, for a prepared database."""
    database = Database(database_url)
    try:
        with database.read() as session:
            span_rowids = dict(session.execute(select(SpanRow.span_id, SpanRow.span_rowid)).all())
            labels = session.execute(
                select(Label.label_rowid, Label.project_rowid, Label.version, Label.name).order_by(
                    Label.label_rowid
                )
            ).all()
    finally:
        database.dispose()
    now: Any = datetime.now(UTC)
    if sqlite:  # how UtcDateTime stores times on SQLite: naive UTC text
        now = now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    rows = []
    for index, incoming in enumerate(spans):
        for label, (_key, value) in zip(labels, values(index, update=False), strict=True):
            typed = value[0] if isinstance(value, list) else value
            label_text, score = _agentmark_view(typed)
            rows.append(
                (
                    new_id("ann"),
                    span_rowids[incoming.span.span_id],
                    label.project_rowid,
                    label.label_rowid,
                    label.version,
                    label.name,
                    label.name.casefold(),
                    ANNOTATOR,
                    "api",
                    json_dumps(value),
                    label_text,
                    score,
                    None,
                    None,
                    None,
                    now,
                    now,
                )
            )
    return rows


def _agentmark_view(value: Any) -> tuple[str | None, float | None]:
    if isinstance(value, bool):
        return ("thumbs_up", 1.0) if value else ("thumbs_down", 0.0)
    if isinstance(value, str):
        return value, None
    return None, float(value)


def raw_sqlite(path: str, rows: list[tuple[Any, ...]], chunk: int) -> float:
    """Seconds to insert the rows with sqlite3, with annotrace's connection settings."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "cache_size=-32768",
        "temp_store=MEMORY",
    ):
        connection.execute(f"PRAGMA {pragma}")
    statement = f"INSERT INTO annotations ({COLUMNS}) VALUES ({', '.join('?' * 17)})"
    started = time.perf_counter()
    for offset in range(0, len(rows), chunk):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(statement, rows[offset : offset + chunk])
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def raw_postgresql(database_url: str, rows: list[tuple[Any, ...]], chunk: int) -> float:
    """Seconds to insert the rows with psycopg's executemany, one transaction per chunk."""
    placeholders = ["%s"] * 17
    placeholders[9] = "%s::jsonb"
    statement = f"INSERT INTO annotations ({COLUMNS}) VALUES ({', '.join(placeholders)})"
    plain = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as connection:
        started = time.perf_counter()
        for offset in range(0, len(rows), chunk):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(statement, rows[offset : offset + chunk])
        return time.perf_counter() - started


def run_raw(database_url: str, spans: list[IncomingSpan], records: int) -> float:
    """Rows per second of the raw driver insert into a freshly prepared database."""
    prepare(database_url, spans)
    sqlite = database_url.startswith("sqlite")
    rows = raw_rows(database_url, spans, sqlite)
    chunk = records * ANNOTATIONS_PER_RECORD
    if sqlite:
        seconds = raw_sqlite(make_url(database_url).database or "", rows, chunk)
    else:
        seconds = raw_postgresql(database_url, rows, chunk)
    return len(rows) / seconds


# --- runs -------------------------------------------------------------------------------


def fresh_databases(kind: str, admin_url: str, count: int) -> tuple[list[str], Any]:
    """URLs of `count` new, empty databases, and what `drop_databases` needs to drop them."""
    if kind == "sqlite":
        workdir = tempfile.mkdtemp(prefix="annotrace-bench-")
        return [f"sqlite:///{workdir}/bench{index}.sqlite" for index in range(count)], workdir
    urls, admin = [], None
    for _ in range(count):
        url, admin = postgres_database(admin_url)
        urls.append(url)
    return urls, admin


def drop_databases(urls: list[str], owner: Any) -> None:
    if isinstance(owner, str):  # SQLite: the directory holding the files
        shutil.rmtree(owner, ignore_errors=True)
        return
    with owner.connect() as connection:
        for url in urls:
            name = make_url(url).database
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    owner.dispose()


def measure(kind: str, spans: list[IncomingSpan], args: argparse.Namespace) -> dict[str, Any]:
    (api_url, raw_url), owner = fresh_databases(kind, args.postgres_url, 2)
    try:
        result = run_api(api_url, spans, args.records, args.port)
        result["raw_rate"] = run_raw(raw_url, spans, args.records)
        return result
    finally:
        drop_databases([api_url, raw_url], owner)


def print_header() -> None:
    print(
        f"{'database':<18} {'create ann/s':>12} {'s':>6} {'CPU µs/ann':>10} "
        f"{'update ann/s':>12} {'s':>6} {'CPU µs/ann':>10} {'notes c/u':>11} "
        f"{'peak MiB':>8} {'raw rows/s':>10} {'ratio':>6}  target 1/10"
    )


def print_row(label: str, result: dict[str, Any]) -> None:
    create, update = result["create"], result["update"]
    ratio = create.rate / result["raw_rate"]
    print(
        f"{label:<18} {create.rate:>12,.0f} {create.seconds:>6.2f} {create.cpu_us:>10.1f} "
        f"{update.rate:>12,.0f} {update.seconds:>6.2f} {update.cpu_us:>10.1f} "
        f"{f'{create.notes:,}/{update.notes:,}':>11} {result['peak_mib']:>8.1f} "
        f"{result['raw_rate']:>10,.0f} {ratio:>6.3f}  "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per column the best run: fastest phases, least memory, fastest raw insert."""
    return {
        "create": max((run["create"] for run in runs), key=lambda phase: phase.rate),
        "update": max((run["update"] for run in runs), key=lambda phase: phase.rate),
        "peak_mib": min(run["peak_mib"] for run in runs),
        "raw_rate": max(run["raw_rate"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="bulk requests per phase")
    parser.add_argument("--records", type=int, default=500, help="records (spans) per request")
    add_common_options(parser, port=6198)
    args = parser.parse_args()

    spans = make_spans(args.requests * args.records)
    span_ids = [incoming.span.span_id for incoming in spans[: args.records]]
    label_ids = [new_id("lbl") for _ in LABELS]
    sample = len(encode_requests(span_ids, label_ids, args.records, update=False)[0])
    annotations = len(spans) * ANNOTATIONS_PER_RECORD
    print(
        f"workload: {args.requests} sequential requests of {args.records} records "
        f"({sample / 1024:,.0f} KiB each), every record one span with "
        f"{ANNOTATIONS_PER_RECORD} annotations ({', '.join(k.value for _, k, _ in LABELS)}) "
        f"+ 1 note: {annotations:,} annotations and {len(spans):,} notes per phase; "
        f"create, then update with every value changed (notes repeat: duplicates). "
        f"Rates count annotations only. Raw: the same {annotations:,} annotation rows "
        f"(no notes) by executemany, {args.records * ANNOTATIONS_PER_RECORD:,} per transaction."
    )
    print_header()
    for kind in args.databases.split(","):
        runs = [measure(kind, spans, args) for _ in range(args.repeat)]
        for index, result in enumerate(runs, 1):
            print_row(f"{kind} #{index}", result)
        print_row(f"{kind} best", best_of(runs))


if __name__ == "__main__":
    main()
