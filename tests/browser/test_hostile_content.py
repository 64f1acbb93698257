"""Hostile content on every dashboard page, in headless Chromium.

Span content (names, inputs, outputs, attributes, model names, events, resource attributes,
conversation messages), label names, descriptions and options, annotations, notes,
corrected outputs, eval scores, queue instructions, gold values, datasets, key pairs, the
workspace and user emails all carry markup, script URLs, template syntax, CSS breakers,
bidirectional overrides, zero-width and combining characters, emoji and very long text.
Each page shows them as text: no dialog, no payload element, no script URL, nothing run,
no breach of our own Content-Security-Policy, and no page wider than the window.

The same strings come back byte for byte from OTLP ingest through the API, on both
databases; and the security headers are on every kind of response.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2

# --- the payloads ---------------------------------------------------------------------
# Each one that ran would set window.__pwned (or open a dialog).
SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
SVG = '"><svg onload="window.__pwned = \'svg\'">'
QUOTE = "'><svg onload='window.__pwned = 1'>"
JS_URL = "javascript:window.__pwned='url'"
MD_LINK = "[click me](javascript:window.__pwned='md') <javascript:alert(1)>"
TEMPLATE = "{{ 7 * 7 }} {% if true %}jinja{% endif %} ${7*7} #{7*7}"
CSS = "</style><style>body { display: none }</style> */ } body { background: red } <!--"
ZERO_WIDTH = "zero\u200bwidth\u200c\u200d\u2060\ufeffjoiners"
ZALGO = "Z" + "\u0301\u0336\u0317\u035c\u0489" * 40 + "algo"
EMOJI = (
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308 "
    "\U0001f1fa\U0001f1f3 \U0001fae0 \U0001d54c\U0001d55f\U0001d55a"
)
# A right-to-left override never closed: it would reverse whatever the page shows after it.
RTL = "\u202egnp.exe"
PAYLOAD = " ".join(
    [SCRIPT, IMG, SVG, QUOTE, JS_URL, MD_LINK, TEMPLATE, CSS, ZERO_WIDTH, ZALGO, EMOJI, RTL]
)
# For names of at most 200 characters.
SHORT = f"{IMG}{SVG}{RTL}"
LONG_LINE = "W" * 50_000
ONE_MB = ("Ünïcødé 🙂 <b>bold</b> " * 50_000)[:1_000_000]
INSTRUCTIONS = f"""# Read me <script>window.__pwned = 'md-script'</script>

<img src=x onerror="window.__pwned = 'md-img'">

<div onclick="window.__pwned = 'md-div'">a raw HTML block</div>

[plain](javascript:window.__pwned='md-link') [upper](JAVASCRIPT:alert(1))
[entity](jav&#x09;ascript:alert(1))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox(1)) <javascript:alert(1)> [ref][r]

[r]: javascript:alert(1)

{TEMPLATE} **bold** {CSS}

{"L" * 20_000}
"""

# --- OTLP ---------------------------------------------------------------------------------


def _any(value: Any) -> AnyValue:
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, list):
        array = AnyValue()
        array.array_value.values.extend(_any(item) for item in value)
        return array
    kvlist = AnyValue()
    kvlist.kvlist_value.values.extend(_attributes(value))
    return kvlist


def _attributes(attributes: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=key, value=_any(value)) for key, value in attributes.items()]


@dataclass(frozen=True)
class SentSpan:
    span_id: str
    name: str
    attributes: dict[str, Any]
    status_message: str = ""
    events: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class HostileTrace:
    trace_id: str
    root: SentSpan
    llm: SentSpan
    long: SentSpan
    resource: dict[str, Any]

    @property
    def spans(self) -> tuple[SentSpan, ...]:
        return (self.root, self.llm, self.long)


PROJECT = f"support {IMG}"


def hostile_trace() -> HostileTrace:
    """One trace of three spans, hostile in every field that OTLP carries."""
    root = SentSpan(
        span_id=secrets.token_hex(8),
        name=f"agent {PAYLOAD}",
        attributes={
            "openinference.span.kind": "AGENT",
            "input.value": PAYLOAD,
            "output.value": f"{MD_LINK} {JS_URL}",
            PAYLOAD: PAYLOAD,
            "tags": [SCRIPT, IMG, EMOJI],
            "nested": {"html": SVG, "deeper": {"url": JS_URL}},
        },
    )
    llm = SentSpan(
        span_id=secrets.token_hex(8),
        name=f"chat {IMG}",
        attributes={
            "openinference.span.kind": "LLM",
            "llm.model_name": f"gpt-4o {RTL}",
            "llm.token_count.prompt": 100,
            "llm.token_count.completion": 20,
            "llm.token_count.total": 120,
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": SVG,
            "llm.input_messages.1.message.role": f"user {IMG}",
            "llm.input_messages.1.message.name": QUOTE,
            "llm.input_messages.1.message.content": PAYLOAD,
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": PAYLOAD,
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": IMG,
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": json.dumps(
                {"html": SCRIPT, "url": JS_URL}
            ),
        },
        status_message=SVG,
        events=(
            (
                "exception",
                {
                    "exception.type": IMG,
                    "exception.message": SCRIPT,
                    "exception.stacktrace": f"{PAYLOAD}\n{LONG_LINE[:10_000]}",
                },
            ),
        ),
    )
    long = SentSpan(
        span_id=secrets.token_hex(8),
        name=LONG_LINE,
        attributes={
            "openinference.span.kind": "TOOL",
            "input.value": ONE_MB,
            "output.value": LONG_LINE,
            LONG_LINE[:2_000]: LONG_LINE,
            "unicode": f"{ZALGO} {EMOJI} {ZERO_WIDTH}",
        },
    )
    resource = {"service.name": PROJECT, "deployment.environment": PAYLOAD, "host.name": SCRIPT}
    return HostileTrace(secrets.token_hex(16), root, llm, long, resource)


def export_request(trace: HostileTrace) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(_attributes(trace.resource))
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = f"scope {SCRIPT}"
    start = 1_793_534_400_000_000_000  # 2026-11-01 12:00 UTC
    for offset, sent in enumerate(trace.spans):
        span = scope_spans.spans.add()
        span.trace_id = bytes.fromhex(trace.trace_id)
        span.span_id = bytes.fromhex(sent.span_id)
        if sent is not trace.root:
            span.parent_span_id = bytes.fromhex(trace.root.span_id)
        span.name = sent.name
        span.start_time_unix_nano = start + offset * 1_000_000
        span.end_time_unix_nano = start + offset * 1_000_000 + 250_000_000
        span.attributes.extend(_attributes(sent.attributes))
        if sent.status_message:
            span.status.code = trace_pb2.Status.STATUS_CODE_ERROR
            span.status.message = sent.status_message
        for name, attributes in sent.events:
            event = span.events.add()
            event.name = name
            event.time_unix_nano = span.start_time_unix_nano + 1_000
            event.attributes.extend(_attributes(attributes))
    return request


def otlp_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON: protobuf's JSON mapping, with the hex ids that OTLP/JSON asks for."""
    document = json_format.MessageToDict(request)
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return json.dumps(document, ensure_ascii=False).encode()


# --- byte for byte through ingest and the API, on both databases ------------------------


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # Synchronous, unlike the suite's client: the browser tests of this module keep
    # Playwright's event loop open, and async tests cannot run beside it.
    with TestClient(app, base_url="http://annotrace.test") as sync_client:
        yield sync_client


def assert_stored_as_sent(stored: dict[str, Any], sent: SentSpan, trace: HostileTrace) -> None:
    assert stored["name"] == sent.name
    assert stored["attributes"] == sent.attributes
    assert stored["input_value"] == sent.attributes.get("input.value")
    assert stored["output_value"] == sent.attributes.get("output.value")
    assert stored["model_name"] == sent.attributes.get("llm.model_name")
    assert stored["status_message"] == sent.status_message
    assert [(e["name"], e["attributes"]) for e in stored["events"]] == list(sent.events)
    assert stored["resource_attributes"] == trace.resource
    assert stored["scope_name"] == f"scope {SCRIPT}"


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_hostile_strings_round_trip_byte_for_byte_through_ingest_and_the_api(
    client: TestClient, auth: dict[str, str], encoding: str
) -> None:
    trace = hostile_trace()
    request = export_request(trace)
    if encoding == "protobuf":
        body, content_type = request.SerializeToString(), "application/x-protobuf"
    else:
        body, content_type = otlp_json(request), "application/json"
    response = client.post(
        "/v1/traces", content=body, headers=auth | {"Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    for sent in trace.spans:
        response = client.get(f"/api/v1/spans/{sent.span_id}", headers=auth)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        # The raw body holds the text only as JSON strings, never as markup to sniff.
        assert b"<script>" in response.content
        assert_stored_as_sent(response.json(), sent, trace)
    llm = (client.get(f"/api/v1/spans/{trace.llm.span_id}", headers=auth)).json()
    assert llm["input_messages"][1] == {"role": f"user {IMG}", "name": QUOTE, "content": PAYLOAD}
    call = llm["output_messages"][0]["tool_calls"][0]["function"]
    assert call["name"] == IMG
    assert json.loads(call["arguments"]) == {"html": SCRIPT, "url": JS_URL}
    tree = (client.get(f"/api/v1/traces/{trace.trace_id}", headers=auth)).json()
    assert tree["spans"][0]["name"] == trace.root.name
    assert {child["name"] for child in tree["spans"][0]["children"]} == {
        trace.llm.name,
        trace.long.name,
    }
    projects = (client.get("/api/v1/projects", headers=auth)).json()
    assert [p["name"] for p in projects] == [PROJECT]


def test_hostile_labels_annotations_notes_and_corrections_round_trip(
    client: TestClient, auth: dict[str, str]
) -> None:
    trace = hostile_trace()
    body = export_request(trace).SerializeToString()
    headers = auth | {"Content-Type": "application/x-protobuf"}
    assert (client.post("/v1/traces", content=body, headers=headers)).status_code == 200
    project = (client.get("/api/v1/projects", headers=auth)).json()[0]["id"]
    label = {
        "name": f"verdict {SHORT}",
        "type": "categorical",
        "description": PAYLOAD,
        "settings": {"options": [SCRIPT, f"good {IMG}", EMOJI]},
    }
    created = client.post(f"/api/v1/projects/{project}/labels", headers=auth, json=label)
    assert created.status_code == 201, created.text
    read = created.json()
    assert (read["name"], read["description"]) == (label["name"], label["description"])
    assert read["settings"]["options"] == label["settings"]["options"]
    span = trace.llm.span_id
    annotation = {
        "name": label["name"],
        "label": EMOJI,
        "reason": f"{PAYLOAD}\n{LONG_LINE[:15_000]}",
        "annotator_id": f"{SVG}{RTL}",
    }
    response = client.post(f"/api/v1/spans/{span}/annotations", headers=auth, json=annotation)
    assert response.status_code == 201, response.text
    listed = (client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    assert [(a["label"], a["reason"], a["annotator_id"]) for a in listed] == [
        (EMOJI, annotation["reason"], annotation["annotator_id"])
    ]
    note = {"text": f"{PAYLOAD}\n{LONG_LINE[:15_000]}", "annotator_id": IMG}
    response = client.post(f"/api/v1/spans/{span}/notes", headers=auth, json=note)
    assert response.status_code == 201, response.text
    notes = (client.get(f"/api/v1/spans/{span}/notes", headers=auth)).json()
    assert [(n["text"], n["annotator_id"]) for n in notes] == [(note["text"], IMG)]
    correction = {"output": f"{PAYLOAD} {LONG_LINE}", "annotator_id": QUOTE}
    response = client.put(f"/api/v1/spans/{span}/correction", headers=auth, json=correction)
    assert response.status_code in (200, 201), response.text
    stored = (client.get(f"/api/v1/spans/{span}/correction", headers=auth)).json()
    assert (stored["output"], stored["annotator_id"]) == (correction["output"], QUOTE)


# --- the headers ------------------------------------------------------------------------


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    directives: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


# The headers do not depend on the database.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_security_headers_on_pages_api_and_static_files(
    client: TestClient, auth: dict[str, str]
) -> None:
    responses = {
        "page": client.get("/login"),
        "error page": client.get("/no-such-page"),
        "script": client.get("/static/app.js"),
        "style": client.get("/static/app.css"),
        "svg": client.get("/static/favicon.svg"),
        "api": client.get("/api/v1/projects", headers=auth),
        "api error": client.get("/api/v1/spans/nope", headers=auth),
        "compat": client.get("/tracer/get-annotation-labels/", headers=auth),
        "health": client.get("/healthz"),
        "openapi": client.get("/openapi.json"),
        "otlp": client.post("/v1/traces", content=b"{", headers=auth),
    }
    for what, response in responses.items():
        assert response.headers["x-content-type-options"] == "nosniff", what
        assert response.headers["referrer-policy"] == "same-origin", what
        assert response.headers["x-frame-options"] == "DENY", what
        assert policy(response)["frame-ancestors"] == ["'none'"], what
    for what in ("page", "error page", "svg"):
        directives = policy(responses[what])
        assert directives["default-src"] == ["'self'"], what
        assert directives["script-src"] == ["'self'"], what
        assert directives["style-src"] == ["'self'"], what
        assert directives["object-src"] == ["'none'"], what
        assert directives["base-uri"] == ["'none'"], what
        assert directives["form-action"] == ["'self'"], what
    assert responses["page"].headers["content-type"].startswith("text/html")
    assert responses["error page"].status_code == 404
    assert responses["script"].headers["content-type"].startswith("text/javascript")
    assert responses["style"].headers["content-type"].startswith("text/css")
    assert responses["svg"].headers["content-type"].startswith("image/svg+xml")
    # JSON is never served as anything a browser would render, and names no sources.
    for what in ("api", "api error", "compat", "health", "openapi", "otlp"):
        response = responses[what]
        assert response.headers["content-type"] == "application/json", what
        assert policy(response)["default-src"] == ["'none'"], what
    docs = client.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
