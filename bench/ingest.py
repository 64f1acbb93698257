"""OTLP ingest throughput: the real OpenTelemetry exporter against a real `annotrace serve`.

Generates spans with the OpenTelemetry SDK (LLM-like spans of about 1.5 KB in traces of
10), exports them with `OTLPSpanExporter` (HTTP/protobuf) in the SDK's default batches of
512 spans from two concurrent exporters (as two application processes would), and counts
until every span is stored and readable through the API. Prints spans per second, the
server's peak memory (VmHWM) and the CPU time server and client spent per span, on SQLite
and PostgreSQL, for each of --repeat fresh runs and the best of them.

The client shares the machine with the server: the exporter's own encoding costs about as
much CPU per span as the server's decoding and storing. On a virtual machine whose CPU
speed varies, compare the CPU per span as well as the rate.

    python bench/ingest.py                      # both databases, 20,000 spans, 3 runs
    python bench/ingest.py --databases sqlite --spans 50000 --exporters 1 --repeat 1
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from annotrace.services.keys import create_key_pair  # noqa: E402
from annotrace.storage import migrate  # noqa: E402
from annotrace.storage.engine import Database  # noqa: E402

BATCH = 512  # BatchSpanProcessor's default max_export_batch_size


def words(rng: random.Random, length: int) -> str:
    letters = string.ascii_lowercase
    out: list[str] = []
    size = 0
    while size < length:
        word = "".join(rng.choices(letters, k=rng.randint(2, 9)))
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:length]


def generate(spans: int, trace_size: int, span_bytes: int) -> list[ReadableSpan]:
    """Finished SDK spans: per trace one CHAIN root and LLM children with chat content."""
    rng = random.Random(42)
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "bench-app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    # About 500 bytes of fixed attributes and protobuf framing per span; text fills the rest.
    text_bytes = max(span_bytes - 500, 100)
    for _ in range(spans // trace_size):
        with tracer.start_as_current_span("handle_request") as root:
            root.set_attribute("openinference.span.kind", "CHAIN")
            root.set_attribute("input.value", words(rng, text_bytes // 2))
            root.set_attribute("output.value", words(rng, text_bytes // 2))
            for index in range(trace_size - 1):
                with tracer.start_as_current_span("ChatCompletion") as span:
                    question = words(rng, text_bytes // 2)
                    answer = words(rng, text_bytes // 2)
                    span.set_attribute("openinference.span.kind", "LLM")
                    span.set_attribute("llm.model_name", "gpt-4o-mini")
                    span.set_attribute("llm.invocation_parameters", '{"temperature": 0.2}')
                    span.set_attribute("llm.input_messages.0.message.role", "user")
                    span.set_attribute("llm.input_messages.0.message.content", question)
                    span.set_attribute("llm.output_messages.0.message.role", "assistant")
                    span.set_attribute("llm.output_messages.0.message.content", answer)
                    span.set_attribute("llm.token_count.prompt", rng.randint(50, 900))
                    span.set_attribute("llm.token_count.completion", rng.randint(5, 300))
                    span.set_attribute("llm.token_count.total", 1000)
                    span.set_attribute("session.id", f"session-{index % 7}")
                    span.set_attribute("user.id", "bench-user")
    provider.shutdown()
    return list(exporter.get_finished_spans())


def start_server(
    database_url: str, port: int, workdir: Path, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    with (workdir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "annotrace",
                "serve",
                "--port",
                str(port),
                "--database-url",
                database_url,
                *extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANNOTRACE_LOG_LEVEL": "warning"},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit((workdir / "server.log").read_text())


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# The batches to export, set before the exporter processes are forked.
_WORKLOAD: list[list[ReadableSpan]] = []


def export_share(endpoint: str, headers: dict[str, str], index: int, of: int) -> list[bool]:
    """Export every `of`-th batch, starting at `index`, with one OTLPSpanExporter."""
    exporter = OTLPSpanExporter(endpoint=endpoint, headers=headers, timeout=60)
    return [exporter.export(batch) is SpanExportResult.SUCCESS for batch in _WORKLOAD[index::of]]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_spans(base_url: str, headers: dict[str, str]) -> int:
    projects = httpx.get(f"{base_url}/api/v1/projects", headers=headers, timeout=10).json()
    return sum(project["span_count"] for project in projects)


def run(
    database_url: str, spans: list[ReadableSpan], exporters: int, port: int
) -> dict[str, float]:
    database = Database(database_url)
    migrate.upgrade(database)
    with database.write() as session:
        pair = create_key_pair(session=session, workspace="bench")
    database.dispose()
    headers = {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as workdir:
        server = start_server(database_url, port, Path(workdir))
        try:
            baseline_mib = peak_memory_mib(server.pid)
            _WORKLOAD[:] = [spans[i : i + BATCH] for i in range(0, len(spans), BATCH)]
            server_cpu = cpu_seconds(server.pid)
            client_cpu = children_cpu_seconds()
            started = time.perf_counter()
            # One process per exporter, as separate application processes would export;
            # forked, so each inherits the generated spans instead of receiving a copy.
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(exporters, mp_context=context) as pool:
                jobs = [
                    pool.submit(export_share, f"{base_url}/v1/traces", headers, index, exporters)
                    for index in range(exporters)
                ]
                results = [result for job in jobs for result in job.result()]
            exported = time.perf_counter() - started
            while stored_spans(base_url, headers) < len(spans):
                time.sleep(0.005)
            readable = time.perf_counter() - started
            server_cpu = cpu_seconds(server.pid) - server_cpu
            client_cpu = children_cpu_seconds() - client_cpu
            assert all(results), "an export failed"
            assert stored_spans(base_url, headers) == len(spans)
            return {
                "spans": len(spans),
                "seconds": readable,
                "spans_per_second": len(spans) / readable,
                "export_returned_s": exported,
                "peak_mib": peak_memory_mib(server.pid),
                "idle_mib": baseline_mib,
                "server_cpu_us": server_cpu / len(spans) * 1e6,
                "client_cpu_us": client_cpu / len(spans) * 1e6,
            }
        finally:
            server.terminate()
            server.wait(30)


def postgres_database(admin_url: str) -> tuple[str, object]:
    name = f"annotrace_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), admin


def add_common_options(parser: argparse.ArgumentParser, *, port: int) -> None:
    """Options every benchmark takes: runs, databases, PostgreSQL server, port."""
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs per database")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ANNOTRACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--port", type=int, default=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--trace-size", type=int, default=10)
    parser.add_argument("--span-bytes", type=int, default=1500)
    parser.add_argument("--exporters", type=int, default=2, help="concurrent exporters")
    add_common_options(parser, port=6199)
    args = parser.parse_args()

    spans = generate(args.spans, args.trace_size, args.span_bytes)
    sample = spans[1]
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    encoded = len(encode_spans(spans[:BATCH]).SerializeToString()) / min(BATCH, len(spans))
    print(
        f"workload: {len(spans):,} spans in traces of {args.trace_size}, "
        f"{encoded:,.0f} bytes per span encoded, {len(sample.attributes)} attributes per LLM span, "
        f"batches of {BATCH}, {args.exporters} exporter(s)"
    )
    print(
        f"{'database':<16} {'spans/s':>9} {'seconds':>8} {'export s':>9} {'peak MiB':>9} "
        f"{'idle MiB':>9} {'server CPU µs/span':>19} {'client CPU µs/span':>19}"
    )
    for kind in args.databases.split(","):
        runs = [measure(kind, spans, args) for _ in range(args.repeat)]
        for index, result in enumerate(runs, 1):
            print_row(f"{kind} #{index}", result)
        print_row(f"{kind} best", max(runs, key=lambda result: result["spans_per_second"]))


def measure(kind: str, spans: list[ReadableSpan], args: argparse.Namespace) -> dict[str, float]:
    if kind == "sqlite":
        workdir = tempfile.mkdtemp()
        return run(f"sqlite:///{workdir}/bench.sqlite", spans, args.exporters, args.port)
    url, admin = postgres_database(args.postgres_url)
    try:
        return run(url, spans, args.exporters, args.port)
    finally:
        with admin.connect() as connection:  # type: ignore[attr-defined]
            name = make_url(url).database
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def print_row(label: str, result: dict[str, float]) -> None:
    print(
        f"{label:<16} {result['spans_per_second']:>9,.0f} {result['seconds']:>8.2f} "
        f"{result['export_returned_s']:>9.2f} {result['peak_mib']:>9.1f} "
        f"{result['idle_mib']:>9.1f} "
        f"{result['server_cpu_us']:>19.0f} {result['client_cpu_us']:>19.0f}"
    )


if __name__ == "__main__":
    main()
