"""POST /v1/traces in-process: encodings, compression, errors and partial success."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status as OtelStatus
from opentelemetry.trace import StatusCode as OtelStatusCode

from annotrace.settings import Settings
from annotrace.storage.engine import Database

pytestmark = pytest.mark.anyio

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def sdk_spans(resource: dict[str, str], count: int = 3) -> list[ReadableSpan]:
    """Spans made by the real OpenTelemetry SDK: an agent with LLM children."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    with tracer.start_as_current_span("agent") as root:
        root.set_attribute("openinference.span.kind", "AGENT")
        for index in range(count - 1):
            with tracer.start_as_current_span(f"llm-{index}") as span:
                span.set_attribute("openinference.span.kind", "LLM")
                span.set_attribute("llm.model_name", "gpt-4o-mini")
                span.set_attribute("llm.token_count.prompt", 10)
                span.set_attribute("llm.token_count.completion", 5)
                span.set_attribute("input.value", "hello")
                span.set_attribute("output.value", "hi")
                span.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "x"})
                if index == 0:
                    span.set_status(OtelStatus(OtelStatusCode.ERROR, "boom"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def protobuf_body(resource: dict[str, str] | None = None, count: int = 3) -> tuple[bytes, list]:
    spans = sdk_spans({"service.name": "checkout"} if resource is None else resource, count)
    return encode_spans(spans).SerializeToString(), spans


async def projects(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, dict]:
    return {p["name"]: p for p in (await client.get("/api/v1/projects", headers=auth)).json()}


async def test_protobuf_export_is_stored_and_answered(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body, spans = protobuf_body()
    response = await client.post("/v1/traces", content=body, headers=auth | PROTOBUF)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    reply = ExportTraceServiceResponse.FromString(response.content)
    assert not reply.HasField("partial_success")
    project = (await projects(client, auth))["checkout"]
    assert (project["trace_count"], project["span_count"]) == (1, 3)
    llm = spans[0]
    stored = (await client.get(f"/api/v1/spans/{llm.context.span_id:016x}", headers=auth)).json()
    assert stored["kind"] == "LLM"
    assert stored["status_code"] == "ERROR"
    assert stored["status_message"] == "boom"
    assert stored["prompt_tokens"] == 10
    assert stored["total_tokens"] == 15
    assert stored["events"][0]["name"] == "gen_ai.evaluation.result"
    assert stored["resource_attributes"]["service.name"] == "checkout"
    assert stored["scope_name"] == "tests"


async def test_gzip_json_export(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    trace_id, span_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "json-svc"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "manual"},
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": span_id,
                                "name": "chat",
                                "kind": 3,
                                "startTimeUnixNano": "1730000000000000000",
                                "endTimeUnixNano": "1730000001500000000",
                                "attributes": [
                                    {
                                        "key": "gen_ai.operation.name",
                                        "value": {"stringValue": "chat"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "7"},
                                    },
                                ],
                                "futureField": {"ignored": True},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = await client.post(
        "/v1/traces",
        content=gzip.compress(json.dumps(document).encode()),
        headers=auth | {"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}
    span = (await client.get(f"/api/v1/spans/{span_id}", headers=auth)).json()
    assert span["kind"] == "LLM"
    assert span["otel_kind"] == "CLIENT"
    assert span["prompt_tokens"] == 7
    assert span["duration_ms"] == 1500
    assert span["start_time"] == "2024-10-27T03:33:20Z"


async def test_spans_that_cannot_be_stored_are_a_partial_success(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    request = ExportTraceServiceRequest.FromString(protobuf_body(count=3)[0])
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].span_id = b"\x00" * 8
    spans[1].trace_id = b"\x01\x02"
    response = await client.post(
        "/v1/traces", content=request.SerializeToString(), headers=auth | PROTOBUF
    )
    assert response.status_code == 200
    reply = ExportTraceServiceResponse.FromString(response.content)
    assert reply.partial_success.rejected_spans == 2
    assert "span_id" in reply.partial_success.error_message
    assert "trace_id" in reply.partial_success.error_message
    assert (await projects(client, auth))["checkout"]["span_count"] == 1


async def test_the_same_export_twice_stores_spans_once(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body, _ = protobuf_body(count=4)
    for _ in range(3):
        assert (
            await client.post("/v1/traces", content=body, headers=auth | PROTOBUF)
        ).status_code == 200
    assert (await projects(client, auth))["checkout"]["span_count"] == 4


@pytest.mark.parametrize(
    ("resource", "header", "project"),
    [
        ({"openinference.project.name": "oi", "service.name": "svc"}, "hdr", "oi"),
        ({"service.name": "svc"}, "hdr", "hdr"),
        ({"service.name": "svc"}, None, "svc"),
        ({}, None, "unknown_service:python"),  # the SDK itself fills service.name in
    ],
)
async def test_project_is_chosen_by_attribute_then_header_then_service(
    client: httpx.AsyncClient, auth: dict[str, str], resource, header, project
) -> None:
    body, _ = protobuf_body(resource)
    headers = auth | PROTOBUF | ({"X-Project": header} if header else {})
    assert (await client.post("/v1/traces", content=body, headers=headers)).status_code == 200
    assert list(await projects(client, auth)) == [project]


async def test_without_any_name_the_project_is_default(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    document = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "name": "bare",
                                "startTimeUnixNano": "1730000000000000000",
                            }
                        ]
                    }
                ]
            }
        ]
    }
    response = await client.post("/v1/traces", json=document, headers=auth)
    assert response.status_code == 200
    assert list(await projects(client, auth)) == ["default"]


def status_of(response: httpx.Response) -> Status:
    assert response.headers["content-type"] == "application/x-protobuf"
    return Status.FromString(response.content)


async def test_garbage_protobuf_is_400_with_a_status(
    client: httpx.AsyncClient, auth: dict[str, str], database: Database
) -> None:
    response = await client.post("/v1/traces", content=b"\xff\xff\xff", headers=auth | PROTOBUF)
    assert response.status_code == 400
    assert "not a valid OTLP" in status_of(response).message
    assert await projects(client, auth) == {}


async def test_bad_json_is_400_with_a_json_status(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/v1/traces", content=b"{not json", headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3
    assert "not valid JSON" in body["message"]


async def test_missing_keys_get_401_in_otlp_form(client: httpx.AsyncClient) -> None:
    body, _ = protobuf_body()
    response = await client.post("/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 401
    assert status_of(response).code == 16  # UNAUTHENTICATED


async def test_unsupported_content_type_is_415(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/v1/traces", content=b"x", headers=auth | {"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "Content-Type" in response.json()["message"]


async def test_unsupported_content_encoding_is_415(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body, _ = protobuf_body()
    response = await client.post(
        "/v1/traces", content=body, headers=auth | PROTOBUF | {"Content-Encoding": "br"}
    )
    assert response.status_code == 415


async def test_corrupt_gzip_is_400(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body, _ = protobuf_body()
    for corrupt in (b"not gzip at all", gzip.compress(body)[:-12]):
        response = await client.post(
            "/v1/traces", content=corrupt, headers=auth | PROTOBUF | {"Content-Encoding": "gzip"}
        )
        assert response.status_code == 400
        assert "gzip" in status_of(response).message


@pytest.fixture
def settings() -> Settings:
    return Settings(max_request_bytes=64 * 1024)


async def test_a_body_over_the_limit_is_413(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/v1/traces", content=b"\x00" * (64 * 1024 + 1), headers=auth | PROTOBUF
    )
    assert response.status_code == 413
    assert "limit" in status_of(response).message


async def test_a_gzip_bomb_is_413_without_inflating_it(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    bomb = gzip.compress(b"\x00" * (50 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    response = await client.post(
        "/v1/traces", content=bomb, headers=auth | PROTOBUF | {"Content-Encoding": "gzip"}
    )
    assert response.status_code == 413


async def test_hostile_strings_are_stored_not_crashed_on(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    request = ExportTraceServiceRequest.FromString(protobuf_body(count=2)[0])
    span = request.resource_spans[0].scope_spans[0].spans[0]
    span.name = "nul\x00name"
    attribute = span.attributes.add()
    attribute.key = "evil\x00key"
    attribute.value.string_value = "<img src=x onerror=alert(1)>\x00"
    attribute = span.attributes.add()
    attribute.key = "llm.token_count.total"
    attribute.value.string_value = "1e400"
    attribute = span.attributes.add()
    attribute.key = "input.mime_type"
    attribute.value.string_value = "x" * 1000
    response = await client.post(
        "/v1/traces", content=request.SerializeToString(), headers=auth | PROTOBUF
    )
    assert response.status_code == 200
    stored = (await client.get(f"/api/v1/spans/{span.span_id.hex()}", headers=auth)).json()
    assert stored["name"] == "nul\ufffdname"
    assert stored["attributes"]["evil\ufffdkey"] == "<img src=x onerror=alert(1)>\ufffd"
    assert stored["input_mime_type"] is None


async def test_lone_surrogates_in_json_are_400(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    document = (
        '{"resourceSpans": [{"scopeSpans": [{"spans": [{'
        '"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", '
        '"name": "\\ud800", "startTimeUnixNano": "1"}]}]}]}'
    )
    response = await client.post(
        "/v1/traces", content=document, headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
