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
import uuid
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
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from annotrace.domain.access import Role
from annotrace.services.keys import create_key_pair
from annotrace.services.users import create_user
from annotrace.storage.engine import Database
from annotrace.web.dashboard.templating import bidi_closed
from tests.browser.conftest import PASSWORD, open_page, sign_in
from tests.support.servers import LiveServer

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


def ingest(client: TestClient, auth: dict[str, str], trace: HostileTrace, encoding: str) -> None:
    request = export_request(trace)
    if encoding == "protobuf":
        body, content_type = request.SerializeToString(), "application/x-protobuf"
    else:
        body, content_type = otlp_json(request), "application/json"
    response = client.post(
        "/v1/traces", content=body, headers=auth | {"Content-Type": content_type}
    )
    assert response.status_code == 200, response.text


def assert_spans_round_trip(client: TestClient, auth: dict[str, str], trace: HostileTrace) -> None:
    for sent in trace.spans:
        response = client.get(f"/api/v1/spans/{sent.span_id}", headers=auth)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
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


def assert_annotations_round_trip(
    client: TestClient, auth: dict[str, str], trace: HostileTrace, project: str
) -> None:
    """A label, an annotation, a note and a correction, each hostile, read back as sent."""
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


def test_hostile_strings_round_trip_byte_for_byte_through_ingest_and_the_api(
    client: TestClient, auth: dict[str, str]
) -> None:
    for encoding in ("protobuf", "json"):
        trace = hostile_trace()
        ingest(client, auth, trace, encoding)
        assert_spans_round_trip(client, auth, trace)
    projects = (client.get("/api/v1/projects", headers=auth)).json()
    assert [p["name"] for p in projects] == [PROJECT]
    assert_annotations_round_trip(client, auth, trace, projects[0]["id"])
    # Exported files carry the same text, and are downloads a browser never renders.
    for export_format, media_type in (("jsonl", "application/x-ndjson"), ("csv", "text/csv")):
        response = client.post(
            "/api/v1/exports",
            headers=auth,
            json={"filter": {"project_id": projects[0]["id"]}, "format": export_format},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert policy(response)["default-src"] == ["'none'"]
        if export_format == "jsonl":
            names = {json.loads(line)["name"] for line in response.text.splitlines()}
            assert {sent.name for sent in trace.spans} <= names


# --- bidirectional controls ---------------------------------------------------------------

LRE, RLO, PDF, RLI, PDI = "\u202a", "\u202e", "\u202c", "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        (f"{RLO}exe", f"{RLO}exe{PDF}"),
        (f"{RLO}exe{PDF}", f"{RLO}exe{PDF}"),
        (f"{LRE}a{RLO}b", f"{LRE}a{RLO}b{PDF}{PDF}"),
        (f"{RLI}{RLO}x", f"{RLI}{RLO}x{PDF}{PDI}"),
        # A PDI closes the embeddings opened in its isolate; a PDF cannot close an isolate.
        (f"{RLI}{RLO}x{PDI}", f"{RLI}{RLO}x{PDI}"),
        (f"{RLO}{RLI}x{PDF}", f"{RLO}{RLI}x{PDF}{PDI}{PDF}"),
        # Closers with nothing to close change nothing.
        (f"{PDI}{PDF}{RLO}x", f"{PDI}{PDF}{RLO}x{PDF}"),
        (None, ""),
    ],
)
def test_bidi_closed_closes_what_a_string_leaves_open(text: str | None, shown: str) -> None:
    assert bidi_closed(text) == shown


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


# --- in Chromium --------------------------------------------------------------------------


@dataclass
class Hostile:
    """What the hostile workspace holds, by id."""

    workspace: str
    admin: str
    annotator: str
    project_id: str
    trace: HostileTrace
    label_id: str
    text_label_id: str
    annotation_id: str
    queue_id: str
    item_ids: list[str]


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text[:500]}"
    return response.json()


@pytest.fixture(scope="module")
def hostile(live_server: LiveServer) -> Hostile:
    """A workspace on the live server whose every name and text is hostile, made the way
    its users would make it: OTLP ingest, the API and the user commands."""
    suffix = uuid.uuid4().hex[:8]
    workspace = f"ws-{suffix} {SHORT}"
    admin = f"admin-{suffix}@example.com"
    annotator = f"<script>window.__pwned=3</script>{suffix}@example.com"
    database = Database(live_server.database_url)
    with database.write() as session:
        create_user(
            session=session, workspace=workspace, email=admin, password=PASSWORD, role=Role.ADMIN
        )
        create_user(
            session=session,
            workspace=workspace,
            email=annotator,
            password=PASSWORD,
            role=Role.ANNOTATOR,
        )
        for email in (
            f"<img/src=x/onerror=window.__pwned=1>{suffix}@example.com",
            f'"><svg/onload=window.__pwned=2>{suffix}@{"e" * 250}.com',
        ):
            create_user(
                session=session,
                workspace=workspace,
                email=email,
                password=PASSWORD,
                role=Role.VIEWER,
            )
        pair = create_key_pair(session=session, workspace=workspace, name=SHORT)
    database.dispose()
    trace = hostile_trace()
    headers = {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=30) as api:
        response = api.post(
            "/v1/traces",
            content=export_request(trace).SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
        )
        assert response.status_code == 200, response.text
        project = _ok(api.get("/api/v1/projects"))[0]["id"]
        label = _ok(
            api.post(
                f"/api/v1/projects/{project}/labels",
                json={
                    "name": f"verdict {SHORT}",
                    "type": "categorical",
                    "description": f"{PAYLOAD} {LONG_LINE[:4_000]}",
                    "settings": {"options": [SCRIPT, f"good {IMG}", f"bad {SVG}"]},
                },
            )
        )
        text_label = _ok(
            api.post(
                f"/api/v1/projects/{project}/labels",
                json={
                    "name": f"why {QUOTE}",
                    "type": "text",
                    "description": TEMPLATE,
                    "settings": {"placeholder": SVG},
                },
            )
        )
        llm = trace.llm.span_id
        annotation = _ok(
            api.post(
                f"/api/v1/spans/{llm}/annotations",
                json={
                    "name": label["name"],
                    "label": f"good {IMG}",
                    "score": 0.5,
                    "reason": f"{PAYLOAD} {LONG_LINE[:15_000]}",
                    "annotator_id": f"{SVG}{RTL}",
                },
            )
        )
        _ok(
            api.post(
                f"/api/v1/spans/{llm}/annotations",
                json={"name": f"free {SCRIPT}", "label": PAYLOAD, "annotator_id": admin},
            )
        )
        _ok(
            api.post(
                "/api/v1/scores",
                json={
                    "scores": [
                        {
                            "span_id": llm,
                            "name": f"faithfulness {IMG}",
                            "score": 0.9,
                            "label": SCRIPT,
                            "reason": PAYLOAD,
                            "evaluator": SVG,
                            "run_id": QUOTE,
                        }
                    ]
                },
            )
        )
        _ok(
            api.post(
                f"/api/v1/spans/{llm}/notes",
                json={"text": f"{PAYLOAD}\n{LONG_LINE[:15_000]}", "annotator_id": f"{IMG}{RTL}"},
            )
        )
        _ok(
            api.put(
                f"/api/v1/spans/{llm}/correction",
                json={"output": f"{PAYLOAD} {LONG_LINE}", "annotator_id": f"{QUOTE}{RTL}"},
            )
        )
        queue = _ok(
            api.post(
                "/api/v1/queues",
                json={
                    "project_id": project,
                    "name": f"queue {SHORT}",
                    "instructions": INSTRUCTIONS,
                    "labels": [
                        {"label_id": label["id"]},
                        {"label_id": text_label["id"], "required": False},
                    ],
                    "annotators_per_item": 2,
                    "items": {"span_ids": [llm, trace.long.span_id]},
                },
            )
        )
        work = f"/api/v1/queues/{queue['id']}"
        items = []
        for who, option in (
            (annotator, SCRIPT),
            (annotator, SCRIPT),
            (f"{IMG}{RTL}", f"bad {SVG}"),
        ):
            item = _ok(api.post(f"{work}/next", json={"annotator_id": who}))["item"]["item"]
            items.append(item["id"])
            _ok(
                api.post(
                    f"{work}/items/{item['id']}/submit",
                    json={
                        "annotator_id": who,
                        "values": [
                            {"label_id": label["id"], "value": [option], "reason": PAYLOAD},
                            {
                                "label_id": text_label["id"],
                                "value": f"{PAYLOAD} {LONG_LINE[:10_000]}",
                            },
                        ],
                    },
                )
            )
        _ok(
            api.put(
                f"{work}/items/{items[-1]}/gold",
                json={
                    "values": [
                        {"label_id": label["id"], "value": [f"good {IMG}"], "reason": PAYLOAD}
                    ],
                    "annotator_id": SVG,
                },
            )
        )
        _ok(
            api.post(
                "/api/v1/datasets",
                json={
                    "name": f"golden {SHORT}",
                    "description": f"{PAYLOAD} {LONG_LINE[:10_000]}",
                    "filter": {"project_id": project, "where": {"type": "text", "contains": "<"}},
                },
            )
        )
    return Hostile(
        workspace=workspace,
        admin=admin,
        annotator=annotator,
        project_id=project,
        trace=trace,
        label_id=label["id"],
        text_label_id=text_label["id"],
        annotation_id=annotation["id"],
        queue_id=queue["id"],
        item_ids=sorted(set(items)),
    )


# Everything a payload could have put in the page, and every way our own markup could
# breach the policy or the layout; template contents count, since the scripts clone them.
INSPECT = """() => {
  const found = [];
  const roots = [document];
  for (const template of document.querySelectorAll("template")) roots.push(template.content);
  const ownScript = (src) => new URL(src, location.href).pathname.startsWith("/static/");
  const safeUrl = (url) => {
    try {
      return ["http:", "https:"].includes(new URL(url, location.href).protocol);
    } catch {
      return true;  // no browser follows a URL it cannot parse
    }
  };
  for (const root of roots) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        if (name.startsWith("on") || name === "style" || name === "srcdoc") {
          found.push(`<${tag} ${name}>`);
        }
        if (["href", "src", "action", "formaction", "xlink:href"].includes(name)
            && !safeUrl(attr.value)) {
          found.push(`<${tag} ${name}="${attr.value.slice(0, 60)}">`);
        }
      }
      if (["img", "iframe", "frame", "object", "embed", "base", "style", "video", "audio",
           "math"].includes(tag)) found.push(`<${tag}>`);
      if (tag === "meta" && el.hasAttribute("http-equiv")) found.push("<meta http-equiv>");
      if (tag === "script" && !(el.src && ownScript(el.src))) found.push(`<script ${el.src}>`);
      if (tag === "svg" && !el.classList.contains("dist-bar")) found.push("<svg>");
      if (tag === "link" && !["stylesheet", "icon"].includes(el.rel)) found.push("<link>");
    }
  }
  const html = document.documentElement;
  return {
    found,
    pwned: String(window.__pwned),
    width: html.scrollWidth,
    viewport: html.clientWidth,
  };
}"""

# For the failure message of a box wider than it should be: the innermost elements in it
# whose content spills out of them.
SPILLING = """(box) => {
  const spills = (el) => el.scrollWidth > el.clientWidth + 1
    && getComputedStyle(el).overflowX === "visible";
  const spilling = Array.from(document.querySelectorAll(`${box} *`)).filter(spills);
  return spilling
    .filter((el) => !spilling.some((other) => other !== el && el.contains(other)))
    .slice(0, 5)
    .map((el) => el.outerHTML.slice(0, 100));
}"""

# Text after a hostile string must still read left to right: an override that leaked out
# of the string would reverse it. Compares the positions of the needle's first and last
# characters in the element's text.
READS_LEFT_TO_RIGHT = """([element, needle]) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at === -1) continue;
    const range = document.createRange();
    const x = (i) => { range.setStart(node, i); range.setEnd(node, i + 1);
                       return range.getBoundingClientRect().left; };
    return x(at) < x(at + needle.length - 1);
  }
  return null;
}"""


@dataclass
class Visit:
    page: Page
    csp: list[str]

    def goto(self, path: str, *, partial: bool = False) -> None:
        """Open a page; or a partial (the HTML the scripts fetch), which has no styles."""
        response = self.page.goto(path, wait_until="load")
        assert response is not None
        assert response.status < 500, path
        self.check(path[:100], layout=not partial)

    def check(self, where: str, *, layout: bool = True) -> None:
        state = self.page.evaluate(INSPECT)
        assert state["found"] == [], f"{where}: payload or inline markup in the page"
        assert state["pwned"] == "undefined", f"{where}: a payload ran"
        assert self.page.dialogs == [], f"{where}: a dialog opened"  # type: ignore[attr-defined]
        assert self.csp == [], f"{where}: our page breached our policy"
        if layout and state["width"] > state["viewport"]:
            spilling = self.page.evaluate(SPILLING, "body")
            pytest.fail(f"{where}: {state['width']} px wide, by {spilling}")

    def shows(self, selector: str, *texts: str) -> None:
        """Each text, exactly as sent, in the element's text (as text, not markup)."""
        locator = self.page.locator(selector).first
        expect(locator).to_be_attached()
        for text in texts:
            assert locator.evaluate("(e, t) => e.textContent.includes(t)", text), (
                f"{selector} does not show {text[:80]!r}"
            )

    def reads_left_to_right(self, selector: str, needle: str) -> None:
        element = self.page.locator(selector).first.element_handle()
        assert self.page.evaluate(READS_LEFT_TO_RIGHT, [element, needle]) is True, (
            f"{needle!r} in {selector} is not shown left to right"
        )

    def fits(self, selector: str) -> None:
        """A box whose long content wraps (or scrolls inside a box of its own)."""
        for box in self.page.locator(selector).all():
            width, inner = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
            if width > inner:
                spilling = self.page.evaluate(SPILLING, selector)
                pytest.fail(f"{selector}: {width} px wide in a {inner} px box, by {spilling}")


@pytest.fixture
def visit(browser: Browser, live_server: LiveServer) -> Iterator[Visit]:
    with open_page(browser, live_server) as page:
        csp: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                csp.append(message.text)

        page.on("console", on_console)
        yield Visit(page, csp)


# The pages render the same data from either database, and the round trips above check
# that both store it as sent: one live server is enough for the browser.
SQLITE_ONLY = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_the_traces_page_its_drawer_and_span_tabs_show_hostile_spans_as_text(
    visit: Visit, hostile: Hostile
) -> None:
    page, trace = visit.page, hostile.trace
    sign_in(page, hostile.admin)
    visit.shows("header.top", hostile.workspace)
    base = f"/traces?project={hostile.project_id}"
    visit.goto(base)
    visit.shows("#trace-list", trace.root.name)
    visit.shows("#f-project", PROJECT)

    # The drawer and the span detail, as the script swaps them in.
    page.locator(".trace-row .open-trace").first.click()
    expect(page.locator("#drawer .tree")).to_contain_text("agent")
    visit.check("the drawer")
    visit.fits("#drawer .tree-pane")
    visit.fits("#drawer .span-pane")
    page.locator(".span-link", has_text="chat").click()
    expect(page.locator(".span-head h3")).to_contain_text("chat")
    visit.shows(".span-head h3", trace.llm.name)
    visit.shows(".span-head p.error", SVG)
    visit.shows("#panel-io", PAYLOAD, SVG, QUOTE)
    visit.shows("#panel-io .tool-call", IMG, json.dumps(SCRIPT), json.dumps(JS_URL))
    visit.reads_left_to_right(".span-head p.muted", "tokens")
    visit.check("the LLM span")
    # Each tab, with the lines whose text follows a hostile name: they must read as sent.
    for tab, panel, texts, metas in (
        ("Attributes", "#panel-attributes", (SCRIPT, IMG, f"gpt-4o {RTL}"), ()),
        ("Notes", "#panel-notes", (PAYLOAD,), (".note p.muted",)),
        (
            "Evaluation",
            "#panel-evaluation",
            (PAYLOAD, f"good {IMG}", f"faithfulness {IMG}"),
            (".annotation p.muted", ".correction p.muted"),
        ),
    ):
        page.get_by_role("tab", name=tab).click()
        expect(page.locator(panel)).to_be_visible()
        visit.shows(panel, *texts)
        for meta in metas:
            visit.reads_left_to_right(meta, "UTC")
        visit.check(f"the {tab} tab")
        visit.fits("#drawer .span-pane")
    visit.shows(".correction", PAYLOAD)

    # The annotation form, its fields fitted to the hostile label by the script.
    page.get_by_role("link", name="Add annotation").click()
    page.get_by_label("Name", exact=True).fill(f"verdict {SHORT}")
    expect(page.locator("#ann-label")).to_have_js_property("tagName", "SELECT")
    visit.shows("#ann-label", SCRIPT, f"good {IMG}", f"bad {SVG}")
    visit.check("the annotation form")

    # Whole pages: the root span's hostile attribute keys, the long span's 1 MB input.
    for span, tab, texts in (
        (trace.root, "attributes", (PAYLOAD,)),
        (trace.long, "io", (ONE_MB, LONG_LINE)),
    ):
        visit.goto(f"{base}&trace={trace.trace_id}&span={span.span_id}&tab={tab}")
        visit.shows(f"#panel-{tab}", *texts)
        visit.fits("#drawer .span-pane")
        visit.fits("#drawer .tree-pane")
    visit.goto(
        f"/spans/{trace.llm.span_id}/detail?trace_id={trace.trace_id}&tab=evaluation", partial=True
    )
    visit.goto(
        f"/spans/{trace.llm.span_id}/evaluation?trace_id={trace.trace_id}&add=1", partial=True
    )
    visit.goto(f"/annotations/{hostile.annotation_id}/edit", partial=True)
    visit.goto(f"/traces/{trace.trace_id}/drawer?project={hostile.project_id}", partial=True)


@SQLITE_ONLY
def test_filters_and_lists_reflect_hostile_values_as_text(visit: Visit, hostile: Hostile) -> None:
    page = visit.page
    sign_in(page, hostile.admin)
    label = f"verdict {SHORT}"
    query = httpx.QueryParams(
        {
            "project": hostile.project_id,
            "view": "spans",
            "q": PAYLOAD,
            "f0.type": "annotation",
            "f0.label": label,
            "f0.option": f"good {IMG}",
            "f0.annotator": SVG,
            "f1.type": "text",
            "f1.contains": QUOTE,
        }
    )
    visit.goto(f"/traces?{query}")
    expect(page.locator("#f0-label")).to_have_value(label)
    expect(page.locator("#f-q")).to_have_value(PAYLOAD)
    expect(page.locator("#f0-annotator")).to_have_value(SVG)
    # The script turns the value's text box into a select of the (hostile) options of a
    # categorical label, copied from the page.
    page.locator("#f0-label").fill(f"why {QUOTE}")
    expect(page.locator("#f0-option")).to_have_js_property("tagName", "INPUT")
    page.locator("#f0-label").fill(label)
    expect(page.locator("#f0-option")).to_have_js_property("tagName", "SELECT")
    visit.shows("#f0-option", SCRIPT, f"bad {SVG}")
    visit.check("the filter bar")

    # Every span in the Spans view, the one with a 50,000-character name too.
    visit.goto(f"/traces?project={hostile.project_id}&view=spans")
    visit.shows("#trace-list", LONG_LINE, hostile.trace.llm.name)
    visit.fits(".table-wrap")

    # A refused filter names the value it refused, as text.
    refused = httpx.QueryParams({"project": hostile.project_id, "start": SVG, "f0.type": IMG})
    visit.goto(f"/traces?{refused}")
    visit.shows("main", SVG)
    visit.goto(f"/datasets?{query}")
    visit.goto(f"/queues?{query}")


@SQLITE_ONLY
def test_labels_queues_datasets_keys_and_users_pages_show_hostile_names_as_text(
    visit: Visit, hostile: Hostile
) -> None:
    sign_in(visit.page, hostile.admin)
    project = hostile.project_id
    visit.goto(f"/labels?project={project}")
    visit.shows("table.labels", f"verdict {SHORT}", PAYLOAD, SCRIPT, f"why {QUOTE}", TEMPLATE)
    visit.goto(f"/labels/{hostile.label_id}")
    visit.shows("h1", f"verdict {SHORT}")
    expect(visit.page.locator("#lf-options")).to_have_value(f"{SCRIPT}\ngood {IMG}\nbad {SVG}")
    visit.goto(f"/labels/{hostile.text_label_id}")
    expect(visit.page.locator("#lf-placeholder")).to_have_value(SVG)

    visit.goto(f"/queues?project={project}")
    visit.shows("table.queues", f"queue {SHORT}", f"verdict {SHORT}")
    visit.goto(f"/queues/{hostile.queue_id}")
    visit.reads_left_to_right("h1", "active")
    visit.shows(
        ".markdown", "<script>", "[plain](javascript:", "<img src=x onerror=", "{{ 7 * 7 }}"
    )
    visit.shows("h1", f"queue {SHORT}")
    visit.shows("table.per-annotator", hostile.annotator, f"{IMG}{RTL}")
    visit.shows("figure.distribution", SCRIPT, f"bad {SVG}")
    visit.fits(".markdown")
    visit.goto(f"/queues/{hostile.queue_id}/adjudicate")
    visit.shows("article.disagreement", PAYLOAD, SCRIPT, f"bad {SVG}", f"good {IMG}", SVG)
    visit.reads_left_to_right("article.disagreement h2", "on span")

    visit.goto(f"/datasets?project={project}")
    visit.shows("article.dataset", f"golden {SHORT}", PAYLOAD)
    visit.goto("/keys")
    visit.shows("table.keys", SHORT)
    visit.goto("/users")
    visit.shows("table.users", hostile.annotator, "<img/src=x/onerror=window.__pwned=1>")


@SQLITE_ONLY
def test_review_pages_show_hostile_spans_and_values_as_text(visit: Visit, hostile: Hostile) -> None:
    page = visit.page
    # The annotator's email is no address a browser's form checks would send.
    page.goto("/login")
    page.locator("#email").fill(hostile.annotator)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form.stack").evaluate("form => form.submit()")
    visit.shows("header.top", hostile.annotator)
    for item in hostile.item_ids:
        visit.goto(f"/queues/{hostile.queue_id}/review?item={item}")
        visit.shows(".review-form", SCRIPT, f"good {IMG}", f"bad {SVG}", PAYLOAD)
        visit.reads_left_to_right(".review-label legend", "required")
        visit.shows(".instructions .markdown", "<script>")
        page.locator("details.trace-context summary").click()
        expect(page.locator(".context-tree")).to_be_visible()
        visit.shows(".context-tree", hostile.trace.root.name)
        visit.check("the trace context")
        visit.fits(".review-span")
        visit.goto(f"/queues/{hostile.queue_id}/items/{item}/context", partial=True)
    visit.goto(f"/queues/{hostile.queue_id}/review")


@SQLITE_ONLY
def test_sign_in_and_error_pages_reflect_hostile_input_as_text(
    visit: Visit, hostile: Hostile
) -> None:
    page = visit.page
    visit.goto(f"/login?{httpx.QueryParams({'next': SVG})}")
    page.locator("#email").fill(hostile.annotator)
    page.locator("#password").fill("wrong password")
    with page.expect_navigation():
        page.locator("form.stack").evaluate("form => form.submit()")
    visit.check("a refused sign-in")
    expect(page.locator("#email")).to_have_value(hostile.annotator)
    sign_in(page, hostile.admin)
    for path in (
        f"/queues/{SVG}",
        f"/labels/{IMG}",
        f"/traces?{httpx.QueryParams({'project': SCRIPT})}",
        f"/spans/{IMG}/detail",
        f"/datasets/{SVG}/versions/1/file",
    ):
        visit.goto(path)
    visit.page.goto("/docs")
    # Swagger UI renders FastAPI's OpenAPI 3.1 document: every operation is listed.
    expect(visit.page.locator(".opblock").first).to_be_visible(timeout=20_000)
    expect(visit.page.get_by_text("Unable to render this definition")).to_have_count(0)
    assert visit.csp == [], "the API docs breached their policy"
