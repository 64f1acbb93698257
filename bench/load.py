"""Mixed load: OTLP ingest, bulk annotations, searches and page views at once.

Starts `annotrace serve` on a fresh database (a SQLite file in a temporary directory, or
a new PostgreSQL database that is dropped afterwards) and, from this second process,
keeps --clients concurrent clients busy for --duration seconds. Each client has its own
connection and dashboard session and picks its next request at random:

- OTLP/HTTP protobuf exports to /v1/traces, each of several traces of several spans;
- compatible bulk annotations (POST /tracer/bulk-annotation/): many records on spans
  already ingested, four labels (text, numeric, categorical, thumbs) and a note each,
  drawn from the recently ingested spans by a few shared annotators, so that clients
  keep overwriting each other's annotations;
- searches (POST /api/v1/spans/search) with a label filter;
- dashboard page views: the Traces list and a trace page.

Prints per kind and in total the requests, throughput (requests, spans and annotations
per second), p50/p95/p99 latency and the errors (any non-2xx answer, refusal inside a
200 or transport error, with samples). Then checks that nothing was lost, straight in
the database: every span an export acknowledged is stored, every acknowledged note is
stored, and every (span, label, annotator) a bulk request acknowledged holds the value
of its last write (with writes in flight at the same time, any of those that may have
been last). Prints PASS or FAIL; exits 1 on any error or loss.

    python bench/load.py                                   # both databases, 60 s, 8 clients
    python bench/load.py --database sqlite --duration 10 --clients 4
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from ingest import postgres_database, start_server, words  # noqa: E402

from annotrace.services.keys import create_key_pair  # noqa: E402
from annotrace.services.users import create_user  # noqa: E402
from annotrace.storage import migrate  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402
from annotrace.storage.models import Annotation, Label, Note, Project  # noqa: E402
from annotrace.storage.models import Span as SpanRow  # noqa: E402

PROJECT = "load"
WORKSPACE = "bench"
EMAIL = "reviewer@load.test"
PASSWORD = "load-bench-password"
TRACES_PER_EXPORT = 5
SPANS_PER_TRACE = 6
RECORDS_PER_BULK = 40
# Bulk records pick their spans among the most recently ingested ones, and their
# annotator among a few, so concurrent clients write the same (span, label, annotator).
HOT_SPANS = 400
ANNOTATORS = ("annotator-1", "annotator-2", "annotator-3")
SEED_EXPORTS = 4
REQUEST_TIMEOUT = 60
TOPICS = ("billing", "shipping", "returns", "other")
LABELS: dict[str, dict[str, Any]] = {
    "verdict": {"type": "text", "settings": {"max_length": 200}},
    "quality": {"type": "numeric", "settings": {"min": 0, "max": 10, "step_size": 0.5}},
    "topic": {"type": "categorical", "settings": {"options": list(TOPICS)}},
    "helpful": {"type": "thumbs_up_down", "settings": {}},
}
# How often each kind of request is picked.
MIX = {"otlp": 3, "bulk": 3, "search": 2, "traces page": 1, "trace page": 1}
SAMPLES_KEPT = 3


# --- the server -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    headers: dict[str, str]
    email: str
    password: str


def prepare(database_url: str) -> Credentials:
    """Migrate the database and create a key pair and a dashboard user."""
    database = Database(database_url)
    try:
        migrate.upgrade(database)
        with database.write() as session:
            pair = create_key_pair(session=session, workspace=WORKSPACE, name="load")
            create_user(session=session, workspace=WORKSPACE, email=EMAIL, password=PASSWORD)
    finally:
        database.dispose()
    return Credentials(
        {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}, EMAIL, PASSWORD
    )


def serve_supports_workers() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "annotrace", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    ).stdout
    return "--workers" in help_text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database_url: str, workers: int | None) -> Iterator[str]:
    """`annotrace serve` on the database; its base URL."""
    extra = ("--workers", str(workers)) if workers is not None else ()
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = start_server(database_url, port, Path(workdir), extra)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- what the clients send ----------------------------------------------------------------


def _attribute(span: OtlpSpan, key: str, value: str | int) -> None:
    attribute = span.attributes.add()
    attribute.key = key
    if isinstance(value, int):
        attribute.value.int_value = value
    else:
        attribute.value.string_value = value


def export_request(rng: random.Random) -> tuple[bytes, list[str], list[str]]:
    """An ExportTraceServiceRequest of a few traces (a CHAIN root and LLM children each):
    its encoding, its trace ids and its span ids (hex)."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    service = resource_spans.resource.attributes.add()
    service.key = "service.name"
    service.value.string_value = "load-app"
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = "bench.load"
    trace_ids: list[str] = []
    span_ids: list[str] = []
    now = time.time_ns()
    for _ in range(TRACES_PER_EXPORT):
        trace_id = rng.randbytes(16)
        root_id = rng.randbytes(8)
        trace_ids.append(trace_id.hex())
        for index in range(SPANS_PER_TRACE):
            span = scope_spans.spans.add()
            span.trace_id = trace_id
            span.span_id = root_id if index == 0 else rng.randbytes(8)
            span_ids.append(span.span_id.hex())
            if index:
                span.parent_span_id = root_id
            span.name = "handle_request" if index == 0 else "ChatCompletion"
            span.kind = OtlpSpan.SPAN_KIND_INTERNAL
            span.start_time_unix_nano = now + index * 1_000_000
            span.end_time_unix_nano = now + (index + 500) * 1_000_000
            span.status.code = Status.STATUS_CODE_OK
            _attribute(span, "openinference.span.kind", "CHAIN" if index == 0 else "LLM")
            _attribute(span, "input.value", words(rng, 300))
            _attribute(span, "output.value", words(rng, 300))
            if index:
                _attribute(span, "llm.model_name", "gpt-4o-mini")
                _attribute(span, "llm.token_count.prompt", rng.randint(50, 900))
                _attribute(span, "llm.token_count.completion", rng.randint(5, 300))
    return request.SerializeToString(), trace_ids, span_ids


Key = tuple[str, str, str]  # span id, label id, annotator id


@dataclass(slots=True)
class Write:
    value: Any
    sent: float
    acknowledged: float  # math.inf when the outcome is unknown (a failed request)


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def error(self, sample: str) -> None:
        self.errors += 1
        if len(self.samples) < SAMPLES_KEPT:
            self.samples.append(sample[:500])


@dataclass
class Load:
    """What the clients share: the project, the spans acknowledged, the writes made."""

    base_url: str
    credentials: Credentials
    project_id: str = ""
    label_ids: dict[str, str] = field(default_factory=dict)
    spans: set[str] = field(default_factory=set)
    traces: list[str] = field(default_factory=list)
    hot: deque[str] = field(default_factory=lambda: deque(maxlen=HOT_SPANS))
    writes: dict[Key, list[Write]] = field(default_factory=dict)
    notes: set[tuple[str, str, str]] = field(default_factory=set)
    annotations: int = 0
    kinds: dict[str, Kind] = field(default_factory=lambda: {name: Kind() for name in MIX})
    seconds: float = 0.0


def _problem(response: httpx.Response) -> str | None:
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text}"


async def export_traces(load: Load, client: httpx.AsyncClient, rng: random.Random) -> str | None:
    body, trace_ids, span_ids = export_request(rng)
    response = await client.post(
        "/v1/traces",
        content=body,
        headers={
            **load.credentials.headers,
            "Content-Type": "application/x-protobuf",
            "X-Project": PROJECT,
        },
    )
    if problem := _problem(response):
        return problem
    answer = ExportTraceServiceResponse.FromString(response.content)
    if answer.partial_success.rejected_spans:
        return f"{answer.partial_success.rejected_spans} spans rejected: {answer.partial_success}"
    load.spans.update(span_ids)
    load.traces.extend(trace_ids)
    load.hot.extend(span_ids)
    return None


def bulk_body(load: Load, rng: random.Random, tag: str) -> tuple[bytes, list[dict[str, Any]]]:
    spans = rng.sample(list(load.hot), min(RECORDS_PER_BULK, len(load.hot)))
    ids = load.label_ids
    records = []
    for index, span_id in enumerate(spans):
        annotator = rng.choice(ANNOTATORS)
        records.append(
            {
                "observation_span_id": span_id,
                "annotations": [
                    {
                        "annotation_label_id": ids["verdict"],
                        "annotator_id": annotator,
                        "value": f"{tag}-{index}",
                    },
                    {
                        "annotation_label_id": ids["quality"],
                        "annotator_id": annotator,
                        "value_float": rng.randrange(21) / 2,
                    },
                    {
                        "annotation_label_id": ids["topic"],
                        "annotator_id": annotator,
                        "value_str_list": [rng.choice(TOPICS)],
                    },
                    {
                        "annotation_label_id": ids["helpful"],
                        "annotator_id": annotator,
                        "value_bool": rng.random() < 0.5,
                    },
                ],
                "notes": [{"annotator_id": annotator, "text": f"note {tag}-{index}"}],
            }
        )
    return orjson.dumps({"records": records}), records


_VALUE_KEYS = ("value", "value_float", "value_str_list", "value_bool")


def _record_writes(
    load: Load, records: list[dict[str, Any]], sent: float, acknowledged: float
) -> None:
    for record in records:
        for item in record["annotations"]:
            key = (record["observation_span_id"], item["annotation_label_id"], item["annotator_id"])
            value = next(item[name] for name in _VALUE_KEYS if name in item)
            load.writes.setdefault(key, []).append(Write(value, sent, acknowledged))


async def annotate(
    load: Load, client: httpx.AsyncClient, rng: random.Random, tag: str
) -> str | None:
    body, records = bulk_body(load, rng, tag)
    sent = time.perf_counter()
    try:
        response = await client.post(
            "/tracer/bulk-annotation/",
            content=body,
            headers={**load.credentials.headers, "Content-Type": "application/json"},
        )
    except httpx.HTTPError:
        # It may still have been applied: any of its values may be the stored one.
        _record_writes(load, records, sent, math.inf)
        raise
    acknowledged = time.perf_counter()
    if problem := _problem(response):
        _record_writes(load, records, sent, math.inf)
        return problem
    result = response.json()["result"]
    annotations = sum(len(record["annotations"]) for record in records)
    applied = (
        result["annotationsCreated"] + result["annotationsUpdated"] + result["annotationsUnchanged"]
    )
    if result["errorsCount"] or applied != annotations or result["notesCreated"] != len(records):
        _record_writes(load, records, sent, math.inf)
        return f"{annotations} annotations and {len(records)} notes sent: {result}"
    _record_writes(load, records, sent, acknowledged)
    load.notes.update(
        (record["observation_span_id"], note["annotator_id"], note["text"])
        for record in records
        for note in record["notes"]
    )
    load.annotations += annotations
    return None


async def search(load: Load, client: httpx.AsyncClient, rng: random.Random) -> str | None:
    topic = rng.choice(TOPICS)
    body = {
        "filter": {
            "project_id": load.project_id,
            "where": {
                "type": "annotation",
                "label": "topic",
                "value": {"op": "eq", "value": topic},
            },
        },
        "limit": 50,
    }
    response = await client.post(
        "/api/v1/spans/search", json=body, headers=load.credentials.headers
    )
    if problem := _problem(response):
        return problem
    for span in response.json()["items"]:
        # The annotations come from the same snapshot as the match: one must match.
        if not any(a["name"] == "topic" and a["label"] == topic for a in span["annotations"]):
            return f"span {span['span_id']} matched topic = {topic!r} without such an annotation"
    return None


async def traces_page(load: Load, client: httpx.AsyncClient) -> str | None:
    response = await client.get("/traces", params={"project": load.project_id})
    return _problem(response)


async def trace_page(load: Load, client: httpx.AsyncClient, rng: random.Random) -> str | None:
    trace_id = rng.choice(load.traces)
    response = await client.get("/traces", params={"project": load.project_id, "trace": trace_id})
    if problem := _problem(response):
        return problem
    if trace_id not in response.text:
        return f"the page of trace {trace_id} does not show it"
    return None


async def sign_in(load: Load, client: httpx.AsyncClient) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit(f"no CSRF token in the sign-in form:\n{form.text}")
    response = await client.post(
        "/login",
        data={
            "email": load.credentials.email,
            "password": load.credentials.password,
            "csrf_token": token.group(1),
        },
    )
    if response.status_code != 303:
        raise SystemExit(f"sign-in refused: HTTP {response.status_code}: {response.text}")


async def run_client(load: Load, number: int, deadline: float) -> None:
    rng = random.Random(os.urandom(16))
    kinds, weights = list(MIX), list(MIX.values())
    async with httpx.AsyncClient(base_url=load.base_url, timeout=REQUEST_TIMEOUT) as client:
        await sign_in(load, client)
        sequence = 0
        # One request of each kind first, however short the run, then a random mix.
        while sequence < len(kinds) or time.perf_counter() < deadline:
            kind = kinds[sequence] if sequence < len(kinds) else rng.choices(kinds, weights)[0]
            sequence += 1
            started = time.perf_counter()
            try:
                if kind == "otlp":
                    problem = await export_traces(load, client, rng)
                elif kind == "bulk":
                    problem = await annotate(load, client, rng, f"c{number}r{sequence}")
                elif kind == "search":
                    problem = await search(load, client, rng)
                elif kind == "traces page":
                    problem = await traces_page(load, client)
                else:
                    problem = await trace_page(load, client, rng)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            load.kinds[kind].latencies.append(time.perf_counter() - started)
            if problem:
                load.kinds[kind].error(problem)


async def set_up(load: Load) -> None:
    """Seed spans (which creates the project) and create the labels, over the API."""
    rng = random.Random(0)
    async with httpx.AsyncClient(base_url=load.base_url, timeout=REQUEST_TIMEOUT) as client:
        for _ in range(SEED_EXPORTS):
            if problem := await export_traces(load, client, rng):
                raise SystemExit(f"seeding failed: {problem}")
        projects = await client.get("/api/v1/projects", headers=load.credentials.headers)
        load.project_id = next(p["id"] for p in projects.json() if p["name"] == PROJECT)
        for name, label in LABELS.items():
            response = await client.post(
                f"/api/v1/projects/{load.project_id}/labels",
                json={"name": name, **label},
                headers=load.credentials.headers,
            )
            if response.status_code != 201:
                raise SystemExit(f"label {name}: HTTP {response.status_code}: {response.text}")
            load.label_ids[name] = response.json()["id"]


async def drive(base_url: str, credentials: Credentials, duration: float, clients: int) -> Load:
    """The set-up, then `clients` clients for `duration` seconds."""
    load = Load(base_url, credentials)
    await set_up(load)
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(run_client(load, number, deadline) for number in range(clients)))
    load.seconds = time.perf_counter() - started
    return load


# --- nothing lost ---------------------------------------------------------------------------


@dataclass
class Losses:
    spans_acknowledged: int = 0
    spans_missing: list[str] = field(default_factory=list)
    keys_acknowledged: int = 0
    keys_contended: int = 0  # keys whose last writes were in flight at once
    annotations_missing: list[Key] = field(default_factory=list)
    annotations_wrong: list[str] = field(default_factory=list)
    notes_acknowledged: int = 0
    notes_missing: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.spans_missing)
            + len(self.annotations_missing)
            + len(self.annotations_wrong)
            + len(self.notes_missing)
        )


def possible_values(writes: list[Write]) -> list[Any] | None:
    """The values the key may hold after these writes; None if none was acknowledged.

    A write that began after another was acknowledged came after it. The stored value is
    therefore one of a write acknowledged no earlier than the last acknowledged write
    began (or of a failed request, which may have been applied at any time after it
    was sent).
    """
    acknowledged = [write for write in writes if write.acknowledged != math.inf]
    if not acknowledged:
        return None
    latest_start = max(write.sent for write in acknowledged)
    return [write.value for write in writes if write.acknowledged >= latest_start]


def check(database_url: str, load: Load) -> Losses:
    """Compare what was acknowledged with what the database holds."""
    losses = Losses(spans_acknowledged=len(load.spans), notes_acknowledged=len(load.notes))
    database = Database(database_url)
    try:
        with database.read() as session:
            project = select(Project.project_rowid).where(Project.name == PROJECT)
            stored_spans = set(
                session.scalars(select(SpanRow.span_id).where(SpanRow.project_rowid.in_(project)))
            )
            stored = {
                (span_id, label_id, annotator): value
                for span_id, label_id, annotator, value in session.execute(
                    select(SpanRow.span_id, Label.id, Annotation.annotator_id, Annotation.value)
                    .join(SpanRow, SpanRow.span_rowid == Annotation.span_rowid)
                    .join(Label, Label.label_rowid == Annotation.label_rowid)
                    .where(Annotation.project_rowid.in_(project))
                )
            }
            stored_notes = {
                (span_id, annotator, note)
                for span_id, annotator, note in session.execute(
                    select(SpanRow.span_id, Note.annotator_id, Note.text)
                    .join(SpanRow, SpanRow.span_rowid == Note.span_rowid)
                    .where(Note.project_rowid.in_(project))
                )
            }
    finally:
        database.dispose()
    losses.spans_missing = sorted(load.spans - stored_spans)
    losses.notes_missing = sorted(load.notes - stored_notes)
    for key, writes in load.writes.items():
        values = possible_values(writes)
        if values is None:
            continue
        losses.keys_acknowledged += 1
        losses.keys_contended += len(values) > 1
        if key not in stored:
            losses.annotations_missing.append(key)
        elif stored[key] not in values:
            losses.annotations_wrong.append(f"{key}: stored {stored[key]!r}, expected {values!r}")
    return losses


# --- a run and its report ---------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    load: Load
    losses: Losses
    workers: str

    @property
    def errors(self) -> int:
        return sum(kind.errors for kind in self.load.kinds.values())

    @property
    def passed(self) -> bool:
        return self.errors == 0 and self.losses.count == 0


def run(database_url: str, *, duration: float, clients: int, workers: int | None = None) -> Outcome:
    """The whole benchmark on one (empty or freshly migrated) database."""
    if workers is not None and not serve_supports_workers():
        print("annotrace serve has no --workers: running one server process", file=sys.stderr)
        workers = None
    credentials = prepare(database_url)
    with serving(database_url, workers) as base_url:
        load = asyncio.run(drive(base_url, credentials, duration, clients))
        losses = check(database_url, load)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    return Outcome(kind, load, losses, str(workers or 1))


def _milliseconds(latencies: list[float], share: float) -> str:
    if not latencies:
        return "-"
    ordered = sorted(latencies)
    return f"{ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] * 1000:.1f}"


def report(outcome: Outcome, clients: int) -> str:
    load, losses = outcome.load, outcome.losses
    seconds = load.seconds
    lines = [
        f"{outcome.kind}: {seconds:.1f} s, {clients} clients, server workers: {outcome.workers}",
        f"  {'kind':<16} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}",
    ]
    everything: list[float] = []
    for name, kind in load.kinds.items():
        everything += kind.latencies
        lines.append(_row(name, kind.latencies, kind.errors, seconds))
    lines.append(_row("total", everything, outcome.errors, seconds))
    lines.append(
        f"  ingested {len(load.spans):,} spans ({len(load.spans) / seconds:,.0f} spans/s), "
        f"annotated {load.annotations:,} annotations ({load.annotations / seconds:,.0f} "
        f"annotations/s) and {len(load.notes):,} notes"
    )
    for name, kind in load.kinds.items():
        for sample in kind.samples:
            lines.append(f"  error ({name}): {sample}")
    lines.append(
        f"  nothing lost: {losses.spans_acknowledged:,} spans acknowledged, "
        f"{len(losses.spans_missing)} missing; {losses.keys_acknowledged:,} "
        f"(span, label, annotator) acknowledged ({losses.keys_contended:,} with concurrent "
        f"last writes), {len(losses.annotations_missing)} missing, "
        f"{len(losses.annotations_wrong)} with another value; {losses.notes_acknowledged:,} "
        f"notes acknowledged, {len(losses.notes_missing)} missing"
    )
    for lost in (
        losses.spans_missing[:SAMPLES_KEPT]
        + [str(key) for key in losses.annotations_missing[:SAMPLES_KEPT]]
        + losses.annotations_wrong[:SAMPLES_KEPT]
        + [str(note) for note in losses.notes_missing[:SAMPLES_KEPT]]
    ):
        lines.append(f"  lost: {lost}")
    lines.append(f"  {'PASS' if outcome.passed else 'FAIL'}")
    return "\n".join(lines)


def _row(name: str, latencies: list[float], errors: int, seconds: float) -> str:
    return (
        f"  {name:<16} {len(latencies):>8,} {len(latencies) / seconds:>8.1f} "
        f"{_milliseconds(latencies, 0.50):>8} {_milliseconds(latencies, 0.95):>8} "
        f"{_milliseconds(latencies, 0.99):>8} {errors:>6}"
    )


def measure(kind: str, args: argparse.Namespace) -> Outcome:
    """A run on a fresh database of this kind, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="annotrace-load-") as workdir:
            return run(
                f"sqlite:///{workdir}/load.sqlite",
                duration=args.duration,
                clients=args.clients,
                workers=args.workers,
            )
    url, admin = postgres_database(args.postgres_url)
    try:
        return run(url, duration=args.duration, clients=args.clients, workers=args.workers)
    finally:
        with admin.connect() as connection:  # type: ignore[attr-defined]
            connection.execute(
                text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")
            )
        admin.dispose()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (annotrace serve --workers), when serve has the option",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ANNOTRACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="an existing database of the PostgreSQL server to create the benchmark's from",
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(
        f"mix per client (weights): {', '.join(f'{k} {w}' for k, w in MIX.items())}; exports "
        f"of {TRACES_PER_EXPORT} traces x {SPANS_PER_TRACE} spans; bulk requests of "
        f"{RECORDS_PER_BULK} records x {len(LABELS)} annotations + 1 note on the "
        f"{HOT_SPANS} newest spans by {len(ANNOTATORS)} annotators; search by topic label"
    )
    outcomes = []
    for kind in kinds:
        outcome = measure(kind, args)
        print(report(outcome, args.clients), flush=True)
        outcomes.append(outcome)
    if not all(outcome.passed for outcome in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
