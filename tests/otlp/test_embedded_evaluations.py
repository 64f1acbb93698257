"""Evaluations inside traces become annotations on ingest."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytestmark = pytest.mark.anyio
PROTOBUF = {"Content-Type": "application/x-protobuf"}


def evaluated_span() -> tuple[bytes, str]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"openinference.project.name": "evals"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("my-evaluator").start_as_current_span("chat") as span:
        span.set_attribute("openinference.span.kind", "LLM")
        span.add_event(
            "gen_ai.evaluation.result",
            {
                "gen_ai.evaluation.name": "Relevance",
                "gen_ai.evaluation.score.value": 0.8,
                "gen_ai.evaluation.score.label": "relevant",
                "gen_ai.evaluation.explanation": "Answers the question.",
            },
        )
        span.set_attribute("annotations.0.annotation.name", "correctness")
        span.set_attribute("annotations.0.annotation.label", "correct")
        span.set_attribute("annotations.0.annotation.score", 1.0)
        span.set_attribute("annotations.0.annotation.annotator_kind", "HUMAN")
        span.set_attribute("annotations.1.annotation.name", "toxicity")
        span.set_attribute("annotations.1.annotation.score", "0.05")
        span.set_attribute("annotations.1.annotation.annotator_kind", "LLM")
        span.set_attribute("annotations.1.annotation.explanation", "Polite.")
        span_id = f"{span.get_span_context().span_id:016x}"
    provider.shutdown()
    return encode_spans(exporter.get_finished_spans()).SerializeToString(), span_id


async def test_genai_events_and_openinference_attributes_become_annotations(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body, span_id = evaluated_span()
    for _ in range(2):  # sent twice: still one annotation each
        response = await client.post("/v1/traces", content=body, headers=auth | PROTOBUF)
        assert response.status_code == 200
    annotations = (await client.get(f"/api/v1/spans/{span_id}/annotations", headers=auth)).json()
    found = {a["name"]: a for a in annotations}
    assert set(found) == {"Relevance", "correctness", "toxicity"}
    relevance = found["Relevance"]
    assert (relevance["kind"], relevance["score"], relevance["label"]) == ("eval", 0.8, "relevant")
    assert relevance["reason"] == "Answers the question."
    assert relevance["annotator_id"] == "my-evaluator"
    assert (found["correctness"]["kind"], found["correctness"]["source"]) == ("annotation", "human")
    assert (found["toxicity"]["kind"], found["toxicity"]["score"]) == ("eval", 0.05)
    assert found["toxicity"]["annotator_id"] == "llm"


async def test_an_evaluation_that_does_not_fit_its_label_is_a_warning(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body, _ = evaluated_span()
    # The span's project exists once the first export lands; then "Relevance" becomes a
    # star label, which 0.8 does not fit.
    await client.post("/v1/traces", content=body, headers=auth | PROTOBUF)
    project = (await client.get("/api/v1/projects", headers=auth)).json()[0]["id"]
    created = await client.post(
        f"/api/v1/projects/{project}/labels",
        headers=auth,
        json={"name": "relevance", "type": "star"},
    )
    assert created.status_code == 201
    # Evaluations are matched again on every export of the span.
    response = await client.post("/v1/traces", content=body, headers=auth | PROTOBUF)
    reply = ExportTraceServiceResponse.FromString(response.content)
    assert reply.partial_success.rejected_spans == 0
    assert "evaluations not stored" in reply.partial_success.error_message
    assert "Relevance" in reply.partial_success.error_message
