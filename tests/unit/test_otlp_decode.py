"""The OTLP/HTTP decoder and reply encoders, without a database or a web server.

Protobuf payloads come from the real OpenTelemetry SDK and its OTLP encoder, so the
decoder is tested against what exporters actually send; OTLP/JSON payloads are written
by hand, the way the spec describes them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.rpc.status_pb2 import Status as RpcStatus
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, TraceFlags, Tracer
from opentelemetry.trace import SpanKind as OtelSpanKind
from opentelemetry.trace import Status as OtelStatus
from opentelemetry.trace import StatusCode as OtelStatusCode

from annotrace.domain import semconv
from annotrace.domain.spans import Message, Span, SpanEvent, SpanKind, SpanLink, StatusCode
from annotrace.errors import InvalidInput
from annotrace.otlp.decode import DecodedExport, decode_export_request
from annotrace.otlp.responses import MEDIA_TYPES, content_kind, export_response, status_body

START_NS = 1_700_000_000_123_456_789
END_NS = START_NS + 2_500_000_000
# Nanoseconds truncate to microseconds.
START = datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
END = datetime(2023, 11, 14, 22, 13, 22, 623456, tzinfo=UTC)

TRACE_HEX = "5b8efff798038103d269b633813fc60c"
SPAN_HEX = "eee19b7ec3c1b174"
PARENT_HEX = "0102030405060708"
LINKED_TRACE_HEX = "0af7651916cd43dd8448eb211c80319c"
LINKED_SPAN_HEX = "b7ad6b7169203331"


# --- helpers ----------------------------------------------------------------------------


def export_with_sdk(
    emit: Callable[[Tracer], None], resource: Mapping[str, Any] | None = None
) -> tuple[bytes, list[ReadableSpan]]:
    """Run `emit` against a real SDK tracer; the OTLP protobuf body and the SDK spans."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(dict(resource or {})))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    emit(provider.get_tracer("openinference.instrumentation.openai", "0.1.30"))
    provider.shutdown()
    finished = list(exporter.get_finished_spans())
    return encode_spans(finished).SerializeToString(), finished


def decode_protobuf(body: bytes, header_project: str | None = None) -> DecodedExport:
    return decode_export_request(body, content_type="protobuf", header_project=header_project)


def decode_json(document: object, header_project: str | None = None) -> DecodedExport:
    body = json.dumps(document).encode()
    return decode_export_request(body, content_type="json", header_project=header_project)


def only_span(decoded: DecodedExport) -> Span:
    assert decoded.rejected_count == 0, decoded.rejection_message
    assert len(decoded.spans) == 1
    return decoded.spans[0].span


def proto_span(**fields: Any) -> trace_pb2.Span:
    defaults: dict[str, Any] = {
        "trace_id": bytes.fromhex(TRACE_HEX),
        "span_id": bytes.fromhex(SPAN_HEX),
        "name": "step",
        "start_time_unix_nano": START_NS,
        "end_time_unix_nano": END_NS,
    }
    return trace_pb2.Span(**(defaults | fields))


def proto_body(*spans: trace_pb2.Span, resource: Mapping[str, str] | None = None) -> bytes:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    for key, value in (resource or {}).items():
        resource_spans.resource.attributes.add(key=key, value=AnyValue(string_value=value))
    resource_spans.scope_spans.add().spans.extend(spans)
    return bytes(request.SerializeToString())


def json_span(**fields: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE_HEX,
        "spanId": SPAN_HEX,
        "name": "step",
        "startTimeUnixNano": str(START_NS),
        "endTimeUnixNano": str(END_NS),
        **fields,
    }


def json_document(*spans: dict[str, Any], resource: Mapping[str, str] | None = None) -> Any:
    attributes = [{"key": k, "value": {"stringValue": v}} for k, v in (resource or {}).items()]
    return {
        "resourceSpans": [
            {"resource": {"attributes": attributes}, "scopeSpans": [{"spans": list(spans)}]}
        ]
    }


# --- protobuf from the real SDK: OpenInference --------------------------------------------

INPUT_ROLES = ["system"] + ["user", "assistant"] * 5 + ["user"]  # 12 messages


def openinference_attributes() -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-2024-08-06",
        "llm.provider": "openai",
        "llm.token_count.prompt": 321,
        "llm.token_count.completion": 12,
        "llm.token_count.total": 333,
        "llm.invocation_parameters": '{"temperature": 0}',
        "input.value": '{"messages": "..."}',
        "input.mime_type": "application/json",
        "output.value": "It is sunny.",
        "output.mime_type": "text/plain",
        "tag.tags": ["weather", "demo"],
        "llm.temperature": 0.25,
        "llm.stream": False,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "It is sunny.",
    }
    for index, role in enumerate(INPUT_ROLES):
        attributes[f"llm.input_messages.{index}.message.role"] = role
        attributes[f"llm.input_messages.{index}.message.content"] = f"message {index}"
    # Message 3 sends content parts instead of content; the image part has no text.
    del attributes["llm.input_messages.3.message.content"]
    parts = "llm.input_messages.3.message.contents"
    attributes[f"{parts}.0.message_content.type"] = "text"
    attributes[f"{parts}.0.message_content.text"] = "part one"
    attributes[f"{parts}.1.message_content.type"] = "image"
    attributes[f"{parts}.1.message_content.image.image.url"] = "https://example.com/a.png"
    attributes[f"{parts}.2.message_content.type"] = "text"
    attributes[f"{parts}.2.message_content.text"] = "part two"
    # Message 10 is an assistant turn calling a tool, message 11 the tool's answer.
    calls = "llm.input_messages.10.message.tool_calls"
    del attributes["llm.input_messages.10.message.content"]
    attributes[f"{calls}.0.tool_call.id"] = "call_1"
    attributes[f"{calls}.0.tool_call.function.name"] = "get_weather"
    attributes[f"{calls}.0.tool_call.function.arguments"] = '{"city": "Paris"}'
    attributes["llm.input_messages.11.message.role"] = "tool"
    attributes["llm.input_messages.11.message.tool_call_id"] = "call_1"
    attributes["llm.input_messages.11.message.name"] = "get_weather"
    return attributes


def emit_openinference_llm(tracer: Tracer) -> None:
    linked = SpanContext(
        trace_id=int(LINKED_TRACE_HEX, 16),
        span_id=int(LINKED_SPAN_HEX, 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with tracer.start_as_current_span("agent", start_time=START_NS - 1000):
        span = tracer.start_span(
            "ChatCompletion",
            kind=OtelSpanKind.CLIENT,
            start_time=START_NS,
            links=[Link(linked, {"link.reason": "retry of"})],
            attributes=openinference_attributes(),
        )
        span.add_event("first_token", {"token.index": 0}, timestamp=START_NS + 1_000_000)
        span.set_status(OtelStatus(OtelStatusCode.ERROR, "rate limited"))
        span.end(end_time=END_NS)


def test_openinference_llm_span_from_the_sdk_is_decoded_field_by_field() -> None:
    resource = {"service.name": "weather-bot", "openinference.project.name": "weather"}
    body, sdk_spans = export_with_sdk(emit_openinference_llm, resource)
    sdk_llm, sdk_root = sdk_spans

    decoded = decode_protobuf(body, header_project="ignored")

    assert decoded.rejected_count == 0
    assert decoded.rejection_message == ""
    assert [incoming.project_name for incoming in decoded.spans] == ["weather", "weather"]
    llm, root = (incoming.span for incoming in decoded.spans)
    assert llm.trace_id == format(sdk_llm.context.trace_id, "032x")
    assert llm.span_id == format(sdk_llm.context.span_id, "016x")
    assert llm.parent_span_id == format(sdk_root.context.span_id, "016x") == root.span_id
    assert root.parent_span_id is None
    assert llm.name == "ChatCompletion"
    assert llm.kind is SpanKind.LLM
    assert root.kind is SpanKind.UNKNOWN
    assert (llm.start_time, llm.end_time) == (START, END)
    assert llm.start_time.tzinfo is UTC
    assert (llm.status_code, llm.status_message) == (StatusCode.ERROR, "rate limited")
    assert (root.status_code, root.status_message) == (StatusCode.UNSET, "")
    assert (llm.otel_kind, root.otel_kind) == ("CLIENT", "INTERNAL")
    assert (llm.input_value, llm.input_mime_type) == ('{"messages": "..."}', "application/json")
    assert (llm.output_value, llm.output_mime_type) == ("It is sunny.", "text/plain")
    assert llm.model_name == "gpt-4o-2024-08-06"
    assert (llm.prompt_tokens, llm.completion_tokens, llm.total_tokens) == (321, 12, 333)
    # Kept exactly as sent: flat dotted keys, sequences as lists.
    assert llm.attributes == openinference_attributes() | {"tag.tags": ["weather", "demo"]}
    first_token = SpanEvent("first_token", START + timedelta(milliseconds=1), {"token.index": 0})
    assert llm.events == (first_token,)
    assert llm.links == (SpanLink(LINKED_TRACE_HEX, LINKED_SPAN_HEX, {"link.reason": "retry of"}),)
    assert llm.resource_attributes["service.name"] == "weather-bot"
    assert llm.resource_attributes["openinference.project.name"] == "weather"
    assert llm.resource_attributes["telemetry.sdk.name"] == "opentelemetry"
    assert (llm.scope_name, llm.scope_version) == ("openinference.instrumentation.openai", "0.1.30")


def test_openinference_messages_are_ordered_by_numeric_index() -> None:
    body, _ = export_with_sdk(emit_openinference_llm)

    llm = decode_protobuf(body).spans[0].span

    expected_inputs = [Message(role, f"message {index}") for index, role in enumerate(INPUT_ROLES)]
    expected_inputs[3] = Message("user", "part one\npart two")
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    expected_inputs[10] = Message("assistant", None, tool_calls=(tool_call,))
    expected_inputs[11] = Message("tool", "message 11", name="get_weather", tool_call_id="call_1")
    assert semconv.messages(llm.attributes) == (
        tuple(expected_inputs),
        (Message("assistant", "It is sunny."),),
    )


# --- protobuf from the real SDK: GenAI semantic conventions --------------------------------

GENAI_INPUT = [
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"c": "P"}}
        ],
    },
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": 21}]},
]
GENAI_OUTPUT = [
    {
        "role": "assistant",
        "parts": [{"type": "text", "content": "Sunny,"}, {"type": "text", "content": "21 °C."}],
        "finish_reason": "stop",
    }
]


def emit_genai_chat(tracer: Tracer) -> None:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 50,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be brief."}]),
        "gen_ai.input.messages": json.dumps(GENAI_INPUT),
        "gen_ai.output.messages": json.dumps(GENAI_OUTPUT),
    }
    span = tracer.start_span("chat gpt-4o", kind=OtelSpanKind.CLIENT, attributes=attributes)
    span.end()


def test_genai_chat_span_from_the_sdk() -> None:
    body, _ = export_with_sdk(emit_genai_chat, {"service.name": "genai-app"})

    decoded = decode_protobuf(body)
    span = only_span(decoded)

    assert decoded.spans[0].project_name == "genai-app"
    assert span.kind is SpanKind.LLM
    assert span.model_name == "gpt-4o-2024-08-06"
    assert (span.prompt_tokens, span.completion_tokens, span.total_tokens) == (50, 7, 57)
    assert (span.input_value, span.input_mime_type) == (json.dumps(GENAI_INPUT), "application/json")
    assert json.loads(span.output_value or "") == GENAI_OUTPUT
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"c": "P"}'},
    }
    input_messages, output_messages = semconv.messages(span.attributes)
    assert input_messages == (
        Message("system", "Be brief."),
        Message("user", "Weather in Paris?"),
        Message("assistant", None, tool_calls=(tool_call,)),
        Message("tool", "21", tool_call_id="call_1"),
    )
    assert output_messages == (Message("assistant", "Sunny,\n21 °C."),)


# --- OTLP/JSON ------------------------------------------------------------------------------


def test_otlp_json_with_hex_ids_camel_case_string_int64_and_enum_ints() -> None:
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}],
                    "droppedAttributesCount": 0,
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "my.scope", "version": ""},
                        "spans": [
                            json_span(
                                traceId=TRACE_HEX.upper(),
                                parentSpanId=PARENT_HEX,
                                kind=3,
                                status={"code": 1, "message": "fine"},
                                attributes=[
                                    {
                                        "key": "openinference.span.kind",
                                        "value": {"stringValue": "tool"},
                                    },
                                    {"key": "n", "value": {"intValue": "42"}},
                                ],
                                events=[
                                    {"timeUnixNano": "0", "name": "no time", "futureField": 1},
                                ],
                                links=[{"traceId": LINKED_TRACE_HEX, "spanId": LINKED_SPAN_HEX}],
                                flags=256,
                                aFieldFromTheFuture={"nested": [1, 2]},
                            ),
                            json_span(spanId="a" * 16, kind="SPAN_KIND_SERVER", status={"code": 2}),
                        ],
                        "schemaUrl": "https://opentelemetry.io/schemas/1.26.0",
                    }
                ],
            }
        ]
    }

    decoded = decode_json(document, header_project="from-header")

    assert decoded.rejected_count == 0
    assert [incoming.project_name for incoming in decoded.spans] == ["from-header"] * 2
    first, second = (incoming.span for incoming in decoded.spans)
    assert (first.trace_id, first.span_id, first.parent_span_id) == (
        TRACE_HEX,
        SPAN_HEX,
        PARENT_HEX,
    )
    assert (first.start_time, first.end_time) == (START, END)
    assert (first.kind, first.otel_kind) == (SpanKind.TOOL, "CLIENT")
    assert (first.status_code, first.status_message) == (StatusCode.OK, "fine")
    assert first.attributes == {"openinference.span.kind": "tool", "n": 42}
    # An unset event time falls back to the span's start.
    assert first.events == (SpanEvent("no time", START, {}),)
    assert first.links == (SpanLink(LINKED_TRACE_HEX, LINKED_SPAN_HEX, {}),)
    assert (first.scope_name, first.scope_version) == ("my.scope", None)
    assert first.resource_attributes == {"service.name": "svc"}
    assert (second.span_id, second.otel_kind, second.status_code) == (
        "a" * 16,
        "SERVER",
        StatusCode.ERROR,
    )


def test_otlp_json_attribute_values_of_every_type() -> None:
    attributes = [
        {"key": "s", "value": {"stringValue": "text"}},
        {"key": "b", "value": {"boolValue": True}},
        {"key": "i", "value": {"intValue": 7}},
        {"key": "d", "value": {"doubleValue": 0.5}},
        {"key": "nan", "value": {"doubleValue": "NaN"}},
        {"key": "inf", "value": {"doubleValue": "Infinity"}},
        {"key": "-inf", "value": {"doubleValue": "-Infinity"}},
        {"key": "bytes", "value": {"bytesValue": "AQID"}},
        {"key": "unset", "value": {}},
        {
            "key": "array",
            "value": {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "two"}]}},
        },
        {
            "key": "kvlist",
            "value": {
                "kvlistValue": {
                    "values": [
                        {"key": "inner", "value": {"boolValue": False}},
                        {"key": "list", "value": {"arrayValue": {}}},
                    ]
                }
            },
        },
    ]

    span = only_span(decode_json(json_document(json_span(attributes=attributes))))

    assert span.attributes == {
        "s": "text",
        "b": True,
        "i": 7,
        "d": 0.5,
        "nan": "NaN",
        "inf": "Infinity",
        "-inf": "-Infinity",
        "bytes": "AQID",
        "unset": None,
        "array": [1, "two"],
        "kvlist": {"inner": False, "list": []},
    }
    json.dumps(span.attributes, allow_nan=False)  # valid JSON, no NaN literals


def test_protobuf_attribute_values_nan_bytes_kvlist_and_array() -> None:
    attributes = [
        KeyValue(key="nan", value=AnyValue(double_value=math.nan)),
        KeyValue(key="inf", value=AnyValue(double_value=-math.inf)),
        KeyValue(key="bytes", value=AnyValue(bytes_value=b"\x00\xff")),
        KeyValue(
            key="array",
            value=AnyValue(array_value=ArrayValue(values=[AnyValue(bool_value=True)])),
        ),
        KeyValue(
            key="kvlist",
            value=AnyValue(
                kvlist_value=KeyValueList(values=[KeyValue(key="k", value=AnyValue(int_value=-3))])
            ),
        ),
    ]

    span = only_span(decode_protobuf(proto_body(proto_span(attributes=attributes))))

    assert span.attributes == {
        "nan": "NaN",
        "inf": "-Infinity",
        "bytes": "AP8=",
        "array": [True],
        "kvlist": {"k": -3},
    }


def test_invalid_json_ids_reject_only_their_spans() -> None:
    document = json_document(
        json_span(name="good"),
        json_span(traceId="not-hex"),
        json_span(spanId="abc"),
        json_span(parentSpanId="zz"),
        json_span(spanId=12345),
        json_span(links=[{"traceId": "xyz", "spanId": LINKED_SPAN_HEX}]),
    )

    decoded = decode_json(document)

    assert [incoming.span.name for incoming in decoded.spans] == ["good"]
    assert decoded.rejected_count == 5
    message = decoded.rejection_message
    assert message.startswith("5 spans rejected: ")
    assert "span 1 in resource 0, scope 0 has an invalid trace_id 'not-hex'" in message
    assert "span 2 in resource 0, scope 0 has an invalid span_id 'abc'" in message
    assert "span 3 in resource 0, scope 0 has an invalid parent_span_id 'zz'" in message
    assert "span 4 in resource 0, scope 0 has an invalid span_id '12345'" in message
    assert "span 5 in resource 0, scope 0 has link 0 with an invalid trace_id 'xyz'" in message
    assert "more" not in message


def test_rejection_message_lists_five_reasons_then_counts_the_rest() -> None:
    document = json_document(*(json_span(spanId="0" * 16) for _ in range(7)))

    decoded = decode_json(document)

    assert decoded.spans == []
    assert decoded.rejected_count == 7
    assert decoded.rejection_message.startswith("7 spans rejected: span 0 in resource 0")
    assert decoded.rejection_message.count("has an invalid span_id") == 5
    assert decoded.rejection_message.endswith("; and 2 more")


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (b"{not json", "body", "not valid JSON"),
        (b"\xff\xfe\x00", "body", "not valid JSON"),
        (b"[]", "body", "must be a JSON object"),
        (b'{"resourceSpans": {}}', "resourceSpans", "resourceSpans"),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": "x"}]}]}',
            "resourceSpans[0].scopeSpans[0].spans",
            "spans",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{}, {"spans": [{}, {}, '
            b'{"startTimeUnixNano": "soon"}]}]}]}',
            "resourceSpans[0].scopeSpans[1].spans[2].startTimeUnixNano",
            "soon",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": '
            b'[{"key": "a"}, {"key": "b", "value": {"intValue": 1.5}}]}]}]}]}',
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.intValue",
            "1.5",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [7]}]}]}',
            "resourceSpans[0].scopeSpans[0].spans[0]",
            "not a JSON object",
        ),
    ],
)
def test_malformed_json_is_invalid_input_naming_the_path(
    body: bytes, field: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_export_request(body, content_type="json", header_project=None)

    assert raised.value.field == field
    assert fragment in raised.value.message


def test_unknown_json_fields_are_ignored_everywhere() -> None:
    document = json_document(json_span(unknown=1, status={"code": 0, "extra": "x"}))
    document["somethingNew"] = {"a": 1}
    document["resourceSpans"][0]["alsoNew"] = []

    assert only_span(decode_json(document)).name == "step"


# --- rejection rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"trace_id": bytes(16)}, "invalid trace_id '00000000000000000000000000000000'"),
        ({"trace_id": b"\x01" * 15}, f"invalid trace_id '{'01' * 15}'"),
        ({"span_id": bytes(8)}, "invalid span_id '0000000000000000'"),
        ({"span_id": b"\x01" * 9}, "invalid span_id '010101010101010101'"),
        ({"parent_span_id": b"\x01\x02\x03"}, "invalid parent_span_id '010203'"),
        ({"start_time_unix_nano": 0}, "has start_time_unix_nano 0"),
        (
            {"links": [trace_pb2.Span.Link(trace_id=b"\x01" * 5, span_id=b"\x02" * 8)]},
            "link 0 with an invalid trace_id '0101010101'",
        ),
    ],
)
def test_protobuf_spans_that_cannot_be_stored_are_rejected(
    fields: dict[str, Any], reason: str
) -> None:
    body = proto_body(proto_span(name="good"), proto_span(**fields))

    decoded = decode_protobuf(body)

    assert [incoming.span.name for incoming in decoded.spans] == ["good"]
    assert decoded.rejected_count == 1
    assert decoded.rejection_message.startswith("1 span rejected: span 1 in resource 0, scope 0 ")
    assert reason in decoded.rejection_message


@pytest.mark.parametrize("parent", [b"", bytes(8)])
def test_empty_or_all_zero_parent_means_no_parent(parent: bytes) -> None:
    span = only_span(decode_protobuf(proto_body(proto_span(parent_span_id=parent))))

    assert span.parent_span_id is None


def test_links_to_all_zero_ids_are_kept() -> None:
    link = trace_pb2.Span.Link(trace_id=bytes(16), span_id=bytes(8))

    span = only_span(decode_protobuf(proto_body(proto_span(links=[link]))))

    assert span.links == (SpanLink("0" * 32, "0" * 16, {}),)


def test_unset_end_time_is_the_start_and_empty_name_is_allowed() -> None:
    span = only_span(decode_protobuf(proto_body(proto_span(name="", end_time_unix_nano=0))))

    assert (span.name, span.start_time, span.end_time) == ("", START, START)


def test_end_before_start_is_kept_as_sent() -> None:
    body = proto_body(proto_span(end_time_unix_nano=START_NS - 1_000_000))

    span = only_span(decode_protobuf(body))

    assert (span.start_time, span.end_time) == (START, START - timedelta(milliseconds=1))


def test_unspecified_and_unknown_otel_kinds_read_as_internal() -> None:
    body = proto_body(proto_span(kind=0), proto_span(kind=5), proto_span(kind=42))

    decoded = decode_protobuf(body)

    assert [incoming.span.otel_kind for incoming in decoded.spans] == [
        "INTERNAL",
        "CONSUMER",
        "INTERNAL",
    ]


def test_empty_requests_decode_to_nothing() -> None:
    for decoded in (decode_protobuf(b""), decode_json({}), decode_json({"resourceSpans": []})):
        assert decoded == DecodedExport(spans=[], rejected_count=0, rejection_message="")


def test_garbage_protobuf_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="not a valid OTLP ExportTraceServiceRequest") as raised:
        decode_protobuf(b"\x0a\xff\xff\xff\xff\x0f garbage")

    assert raised.value.field == "body"


def test_unknown_content_type_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_export_request(b"", content_type="xml", header_project=None)

    assert raised.value.field == "Content-Type"


# --- project names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "header", "expected"),
    [
        ({"openinference.project.name": " oi ", "service.name": "svc"}, "hdr", "oi"),
        ({"service.name": "svc"}, "hdr", "hdr"),
        ({"service.name": "svc"}, None, "svc"),
        ({}, None, "default"),
        ({"openinference.project.name": "  ", "service.name": " "}, "", "default"),
        ({"openinference.project.name": ""}, "  ", "default"),
    ],
)
def test_project_name_precedence(
    resource: dict[str, str], header: str | None, expected: str
) -> None:
    decoded = decode_protobuf(proto_body(proto_span(), resource=resource), header_project=header)

    assert decoded.spans[0].project_name == expected


def test_each_resource_has_its_own_project() -> None:
    document = json_document(json_span(), resource={"openinference.project.name": "a"})
    document["resourceSpans"].append(json_document(json_span())["resourceSpans"][0])

    decoded = decode_json(document, header_project="b")

    assert [incoming.project_name for incoming in decoded.spans] == ["a", "b"]


# --- semantic conventions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({"openinference.span.kind": "LLM"}, SpanKind.LLM),
        ({"openinference.span.kind": "retriever"}, SpanKind.RETRIEVER),
        ({"openinference.span.kind": " Agent "}, SpanKind.AGENT),
        ({"openinference.span.kind": "GUARDRAIL"}, SpanKind.GUARDRAIL),
        ({"openinference.span.kind": "something-new"}, SpanKind.UNKNOWN),
        ({"openinference.span.kind": 3}, SpanKind.UNKNOWN),
        ({"openinference.span.kind": "TOOL", "gen_ai.operation.name": "chat"}, SpanKind.TOOL),
        ({"gen_ai.operation.name": "chat"}, SpanKind.LLM),
        ({"gen_ai.operation.name": "text_completion"}, SpanKind.LLM),
        ({"gen_ai.operation.name": "generate_content"}, SpanKind.LLM),
        ({"gen_ai.operation.name": "embeddings"}, SpanKind.EMBEDDING),
        ({"gen_ai.operation.name": "execute_tool"}, SpanKind.TOOL),
        ({"gen_ai.operation.name": "create_agent"}, SpanKind.AGENT),
        ({"gen_ai.operation.name": "invoke_agent"}, SpanKind.AGENT),
        ({"gen_ai.operation.name": "plan_with_agent_team"}, SpanKind.AGENT),
        ({"gen_ai.operation.name": "invoke_workflow"}, SpanKind.CHAIN),
        ({"gen_ai.operation.name": "mystery"}, SpanKind.UNKNOWN),
        ({"gen_ai.request.model": "gpt-4o", "llm.model_name": "gpt-4o"}, SpanKind.UNKNOWN),
        ({}, SpanKind.UNKNOWN),
    ],
)
def test_span_kind_mapping(attributes: dict[str, Any], kind: SpanKind) -> None:
    assert semconv.span_kind(attributes) is kind


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        (0, 0),
        (5.0, 5),
        ("7", 7),
        (" 8 ", 8),
        ("9.0", 9),
        (5.5, None),
        (True, None),
        (-1, None),
        ("-2", None),
        ("abc", None),
        ("NaN", None),
        ("Infinity", None),
        ([1], None),
        (None, None),
    ],
)
def test_token_count_coercion(value: object, expected: int | None) -> None:
    counts = semconv.token_counts({"llm.token_count.prompt": value})

    assert counts.prompt == expected
    assert counts.total == expected


def test_token_counts_fall_back_to_genai_and_sum_the_total() -> None:
    assert semconv.token_counts({"gen_ai.usage.output_tokens": "4"}) == (None, 4, 4)
    assert semconv.token_counts({}) == (None, None, None)
    assert semconv.token_counts(
        {"llm.token_count.prompt": 1, "gen_ai.usage.input_tokens": 9, "llm.token_count.total": 5}
    ) == (1, None, 5)


def test_model_name_precedence() -> None:
    attributes = {"gen_ai.request.model": "requested", "gen_ai.response.model": "responded"}

    assert semconv.model_name(attributes) == "responded"
    assert semconv.model_name(attributes | {"llm.model_name": "oi"}) == "oi"
    assert semconv.model_name({"gen_ai.request.model": "requested"}) == "requested"
    assert semconv.model_name({"llm.model_name": 4}) is None


def inputs(attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    typed = semconv.typed_fields(attributes)
    return typed.input_value, typed.input_mime_type


def outputs(attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    typed = semconv.typed_fields(attributes)
    return typed.output_value, typed.output_mime_type


def test_input_and_output_values_fall_back_through_genai() -> None:
    as_list = [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]

    assert inputs({"input.value": {"q": 1}}) == ('{"q": 1}', None)
    assert inputs({"gen_ai.input.messages": as_list}) == (json.dumps(as_list), "application/json")
    assert inputs({"gen_ai.tool.call.arguments": {"city": "Paris"}}) == (
        '{"city": "Paris"}',
        "application/json",
    )
    assert outputs({"gen_ai.tool.call.result": "21"}) == ("21", None)
    assert inputs({"gen_ai.prompt": "legacy"}) == ("legacy", None)
    assert outputs({"gen_ai.completion": "done"}) == ("done", None)
    assert outputs({}) == (None, None)


def test_model_name_of_embedding_and_reranker_spans() -> None:
    assert semconv.model_name({"embedding.model_name": "text-embedding-3-small"}) == (
        "text-embedding-3-small"
    )
    assert semconv.model_name({"reranker.model_name": "rerank-v3"}) == "rerank-v3"


def test_genai_messages_given_as_a_list_and_plain_system_instructions() -> None:
    attributes = {
        "gen_ai.system_instructions": "Be kind.",
        "gen_ai.input.messages": [
            {"role": "user", "parts": [{"type": "text", "content": "hi"}], "name": "ann"},
            {"role": "user", "content": "pre-parts style"},
        ],
    }

    inputs, outputs = semconv.messages(attributes)

    assert inputs == (
        Message("system", "Be kind."),
        Message("user", "hi", name="ann"),
        Message("user", "pre-parts style"),
    )
    assert outputs == ()


@pytest.mark.parametrize("raw", ["not json", '{"role": "user"}', "[1, 2]", 42, "[{", ""])
def test_malformed_genai_messages_give_no_messages(raw: object) -> None:
    assert semconv.messages({"gen_ai.input.messages": raw, "gen_ai.output.messages": raw}) == (
        (),
        (),
    )


def test_openinference_messages_win_over_genai() -> None:
    attributes = {
        "llm.input_messages.0.message.content": "no role given",
        "gen_ai.input.messages": json.dumps(GENAI_INPUT),
        "gen_ai.system_instructions": "ignored",
    }

    inputs, _ = semconv.messages(attributes)

    assert inputs == (Message("user", "no role given"),)


# --- replies --------------------------------------------------------------------------------


def test_export_response_without_rejections() -> None:
    body = export_response(rejected_spans=0, error_message="", content_type="protobuf")

    assert not ExportTraceServiceResponse.FromString(body).HasField("partial_success")
    assert export_response(rejected_spans=0, error_message="", content_type="json") == b"{}"


def test_export_response_with_partial_success() -> None:
    body = export_response(
        rejected_spans=2, error_message="2 spans rejected", content_type="protobuf"
    )
    response = ExportTraceServiceResponse.FromString(body)

    assert response.partial_success.rejected_spans == 2
    assert response.partial_success.error_message == "2 spans rejected"
    as_json = export_response(rejected_spans=2, error_message="why", content_type="json")
    assert json.loads(as_json) == {"partialSuccess": {"rejectedSpans": "2", "errorMessage": "why"}}


def test_status_body_is_a_google_rpc_status() -> None:
    status = RpcStatus.FromString(status_body(code=3, message="bad", content_type="protobuf"))

    assert (status.code, status.message) == (3, "bad")
    assert json.loads(status_body(code=3, message="bad", content_type="json")) == {
        "code": 3,
        "message": "bad",
    }


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("application/x-protobuf", "protobuf"),
        ("Application/X-Protobuf", "protobuf"),
        ("application/json", "json"),
        ("application/json; charset=utf-8", "json"),
        (" APPLICATION/JSON ;charset=UTF-8", "json"),
    ],
)
def test_content_kind_accepts_both_otlp_media_types(header: str, kind: str) -> None:
    assert content_kind(header) == kind
    assert MEDIA_TYPES[kind] == header.split(";")[0].strip().lower()


@pytest.mark.parametrize("header", [None, "", "text/plain", "application/protobuf+json"])
def test_content_kind_rejects_anything_else(header: str | None) -> None:
    with pytest.raises(InvalidInput) as raised:
        content_kind(header)

    assert raised.value.field == "Content-Type"
    assert raised.value.expected == "application/x-protobuf or application/json"
