"""The real OpenTelemetry SDK exporter against a real `annotrace serve` process."""

from __future__ import annotations

import httpx
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.support.servers import LiveServer


def test_batch_exporter_spans_are_readable_when_the_export_returns(
    live_server: LiveServer,
) -> None:
    database = Database(live_server.database_url)
    pair = make_key_pair(database, "exporter-test")
    database.dispose()
    headers = headers_for(pair)
    for compression in (Compression.NoCompression, Compression.Gzip):
        provider = TracerProvider(
            resource=Resource.create({"openinference.project.name": f"live-{compression.value}"})
        )
        exporter = OTLPSpanExporter(
            endpoint=f"{live_server.base_url}/v1/traces",
            headers=headers,
            compression=compression,
        )
        provider.add_span_processor(BatchSpanProcessor(exporter))
        tracer = provider.get_tracer("live-test")
        for index in range(50):
            with tracer.start_as_current_span(f"request-{index}") as root:
                root.set_attribute("openinference.span.kind", "CHAIN")
                with tracer.start_as_current_span("llm") as llm:
                    llm.set_attribute("openinference.span.kind", "LLM")
                    llm.set_attribute("llm.input_messages.0.message.role", "user")
                    llm.set_attribute("llm.input_messages.0.message.content", f"question {index}")
        # force_flush returns after the server answered, and the server answers after
        # the commit: the spans must be readable now, with no polling.
        assert provider.force_flush(timeout_millis=30_000)
        provider.shutdown()

    projects = httpx.get(f"{live_server.base_url}/api/v1/projects", headers=headers).json()
    counts = {
        project["name"]: (project["trace_count"], project["span_count"]) for project in projects
    }
    assert counts == {"live-none": (50, 100), "live-gzip": (50, 100)}


def test_a_wrong_key_makes_the_exporter_fail(live_server: LiveServer) -> None:
    exporter = OTLPSpanExporter(
        endpoint=f"{live_server.base_url}/v1/traces",
        headers={"X-Api-Key": "atk_wrong", "X-Secret-Key": "ats_wrong"},
    )
    span = TracerProvider().get_tracer("live-test").start_span("refused")
    span.end()
    assert exporter.export([span]) == SpanExportResult.FAILURE
