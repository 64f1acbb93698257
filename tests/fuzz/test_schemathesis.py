"""Schemathesis against the OpenAPI document of a live server, on both databases.

Every operation of /openapi.json is called with generated requests, valid by the schema and
invalid ones, in a workspace with real data (spans ingested over OTLP, a label of each type,
annotations, notes, a correction, a queue, a dataset), whose ids the generated requests often
use. No answer may be a server error, and every answer must be one the document declares: its
status, its media type, its headers and its body's schema.

ANNOTRACE_FUZZ_EXAMPLES sets the examples per operation (a few by default, for CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotrace.settings import Settings
from annotrace.storage.engine import Database
from annotrace.web.app import create_app
from tests.conftest import (
    DIALECTS,
    create_postgres_database,
    drop_postgres_database,
    headers_for,
    make_key_pair,
    postgres_url,
)
from tests.otlp.test_otlp_http import protobuf_body
from tests.support.annotations import LABELS
from tests.support.servers import LiveServer, start_server

EXAMPLES = int(os.environ.get("ANNOTRACE_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _any_value() -> st.SearchStrategy[AnyValue]:
    return st.one_of(
        st.text(max_size=30).map(lambda text: AnyValue(string_value=text)),
        st.integers(min_value=-(2**63), max_value=2**63 - 1).map(
            lambda number: AnyValue(int_value=number)
        ),
        st.floats().map(lambda number: AnyValue(double_value=number)),
        st.booleans().map(lambda flag: AnyValue(bool_value=flag)),
    )


_ATTRIBUTE_KEYS = st.sampled_from(
    [
        "openinference.span.kind",
        "input.value",
        "output.value",
        "llm.model_name",
        "llm.token_count.prompt",
        "llm.token_count.completion",
        "service.name",
        "openinference.project.name",
        "gen_ai.operation.name",
    ]
) | st.text(max_size=20)


@st.composite
def _otlp_span(draw: st.DrawFn) -> Span:
    start = draw(st.integers(min_value=0, max_value=2**64 - 1))
    return Span(
        # Mostly well-formed ids, sometimes of any length (zero-length included).
        trace_id=draw(st.binary(min_size=16, max_size=16) | st.binary(max_size=20)),
        span_id=draw(st.binary(min_size=8, max_size=8) | st.binary(max_size=10)),
        parent_span_id=draw(st.binary(max_size=8)),
        name=draw(st.text(max_size=40)),
        kind=draw(st.integers(min_value=0, max_value=5)),
        start_time_unix_nano=start,
        end_time_unix_nano=draw(st.integers(min_value=0, max_value=2**64 - 1) | st.just(start)),
        attributes=[
            KeyValue(key=key, value=value)
            for key, value in draw(st.lists(st.tuples(_ATTRIBUTE_KEYS, _any_value()), max_size=6))
        ],
        status=Status(code=draw(st.integers(min_value=0, max_value=2))),
    )


@st.composite
def _otlp_request(draw: st.DrawFn) -> bytes:
    resource = [
        KeyValue(key=key, value=value)
        for key, value in draw(st.lists(st.tuples(_ATTRIBUTE_KEYS, _any_value()), max_size=3))
    ]
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource={"attributes": resource},
                scope_spans=[ScopeSpans(spans=draw(st.lists(_otlp_span(), max_size=3)))],
            )
        ]
    )
    return bytes(request.SerializeToString())


# Real OTLP messages, and bytes that are not protobuf at all.
schemathesis.openapi.media_type("application/x-protobuf", _otlp_request() | st.binary(max_size=200))


@dataclass
class Workspace:
    server: LiveServer
    headers: dict[str, str]
    # Values of real objects, by the name of the parameter or body field that takes them.
    ids: dict[str, list[Any]]
    # Other values for some operations, by operation id.
    overrides: dict[str, dict[str, list[Any]]]

    def ids_for(self, operation_id: str) -> dict[str, list[Any]]:
        return {**self.ids, **self.overrides.get(operation_id, {})}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def fill_workspace(server: LiveServer) -> Workspace:
    """A fresh workspace on the server with a little of everything, made through the API."""
    database = Database(server.database_url)
    headers = headers_for(make_key_pair(database, f"fuzz-{uuid.uuid4().hex[:8]}"))
    database.dispose()
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        span_ids: list[str] = []
        for service in ("shop", "shop", "search"):
            body, spans = protobuf_body({"service.name": service})
            _ok(
                http.post(
                    "/v1/traces", content=body, headers={"Content-Type": "application/x-protobuf"}
                )
            )
            span_ids += [f"{span.context.span_id:016x}" for span in spans]
        projects = {project["name"]: project["id"] for project in _ok(http.get("/api/v1/projects"))}
        shop = projects["shop"]
        spans = [
            span
            for project in projects.values()
            for span in _ok(
                http.post("/api/v1/spans/search", json={"filter": {"project_id": project}})
            )["items"]
        ]
        trace_ids = sorted({span["trace_id"] for span in spans})
        labels = {
            name: _ok(
                http.post(f"/api/v1/projects/{shop}/labels", json={"name": name, **label}), 201
            )["id"]
            for name, label in LABELS.items()
        }
        shop_spans = [span["span_id"] for span in spans if span["project_id"] == shop]
        annotation = _ok(
            http.post(
                f"/api/v1/spans/{shop_spans[0]}/annotations",
                json={"name": "verdict", "label": "good", "reason": "right", "annotator_id": "ann"},
            ),
            201,
        )
        note = _ok(
            http.post(
                f"/api/v1/spans/{shop_spans[0]}/notes", json={"text": "look", "annotator_id": "ann"}
            ),
            201,
        )
        _ok(
            http.put(
                f"/api/v1/spans/{shop_spans[1]}/correction",
                json={"output": "better", "annotator_id": "ann"},
            ),
            201,
        )
        queue = _ok(
            http.post(
                "/api/v1/queues",
                json={
                    "project_id": shop,
                    "name": "review",
                    "labels": [{"name": "verdict"}, {"name": "stars", "required": False}],
                    "annotators_per_item": 2,
                    "items": {"span_ids": shop_spans},
                },
            ),
            201,
        )
        spare = _ok(
            http.post(
                "/api/v1/queues",
                json={"project_id": shop, "name": "spare", "labels": [{"name": "verdict"}]},
            ),
            201,
        )
        items = _ok(http.get(f"/api/v1/queues/{queue['id']}/items"))["items"]
        work = _ok(http.post(f"/api/v1/queues/{queue['id']}/next", json={"annotator_id": "ann"}))
        _ok(
            http.post(
                f"/api/v1/queues/{queue['id']}/items/{work['item']['item']['id']}/submit",
                json={"annotator_id": "ann", "values": [{"name": "verdict", "value": "bad"}]},
            )
        )
        dataset = _ok(
            http.post("/api/v1/datasets", json={"filter": {"project_id": shop}, "name": "golden"}),
            201,
        )
    return Workspace(
        server=server,
        headers=headers,
        # Pausing or archiving the queue whose items are worked would leave nothing to
        # skip, submit or adjudicate for the rest of the run.
        overrides={"updateQueue": {"queue_id": [spare["id"]]}},
        ids={
            "project_id": list(projects.values()),
            "trace_id": trace_ids,
            "span_id": span_ids,
            "span_ids": span_ids,
            "observation_span_id": span_ids,
            "label_id": list(labels.values()),
            "annotation_label_id": list(labels.values()),
            "name": list(labels),
            "annotation_id": [annotation["id"]],
            "note_id": [note["id"]],
            "queue_id": [queue["id"]],
            "item_id": [item["id"] for item in items],
            "annotator_id": ["ann"],
            "dataset_id": [dataset["dataset_id"]],
            "version": [dataset["version"]],
        },
    )


@pytest.fixture(scope="module", params=DIALECTS)
def workspace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    # A server of its own: the fuzzer's requests must not meet other tests' data or throttles.
    workdir: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        with start_server(f"sqlite:///{workdir / 'fuzz.sqlite'}", workdir) as server:
            yield fill_workspace(server)
        return
    admin = request.getfixturevalue("postgres_admin")
    name = create_postgres_database(admin)
    try:
        with start_server(postgres_url(name), workdir) as server:
            yield fill_workspace(server)
    finally:
        drop_postgres_database(admin, name)


def _swapped(value: Any, ids: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """`value`, with the values of fields named like real objects' ids often swapped for
    real ones (as often left as generated)."""
    if isinstance(value, dict):
        return st.fixed_dictionaries(
            {key: _swapped_field(key, item, ids) for key, item in value.items()}
        )
    if isinstance(value, list):
        return st.tuples(*(_swapped(item, ids) for item in value)).map(list)
    return st.just(value)


def _swapped_field(key: str, item: Any, ids: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    if key not in ids:
        return _swapped(item, ids)
    if isinstance(item, list):
        return st.tuples(*(_swapped_field(key, element, ids) for element in item)).map(list)
    # Only a value of the type the field takes: a swap must not repair negative data.
    if type(item) in {type(real) for real in ids[key]}:
        return st.sampled_from([item, *ids[key]])
    return st.just(item)


def with_real_ids(case: schemathesis.Case, ids: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """The generated case, its path, query and body often naming objects that exist."""
    body = case.body if isinstance(case.body, dict | list) else None

    def apply(parts: tuple[dict[str, Any], dict[str, Any], Any]) -> schemathesis.Case:
        case.path_parameters, case.query = parts[0], parts[1]
        if body is not None:
            case.body = parts[2]
        return case

    return st.tuples(
        _swapped(case.path_parameters or {}, ids),
        _swapped(case.query or {}, ids),
        _swapped(body, ids),
    ).map(apply)


@pytest.fixture(scope="module")
def api_schema(workspace: Workspace) -> schemathesis.BaseSchema:
    document = httpx.get(f"{workspace.server.base_url}/openapi.json", timeout=30).json()
    # The test sends a valid key pair with every request; the access-control tests
    # (tests/security) fuzz the credentials, which here would only be overridden.
    for methods in document["paths"].values():
        for operation in methods.values():
            operation.pop("security", None)
    return schemathesis.openapi.from_dict(document)


def _constrained(schema: dict[str, Any]) -> bool:
    """Whether a parameter can be sent invalid: on the wire, any text is a string."""
    alternatives = schema.get("anyOf", [schema])
    return any(
        set(alternative) - {"type", "title", "description", "default"}
        or alternative.get("type") not in {"string", "null"}
        for alternative in alternatives
    )


def _cases() -> list[Any]:
    """One test per operation and generation mode, read in-process at collection (the run
    itself loads the document from the live server)."""
    database = Database("sqlite://")
    document = create_app(Settings(), database).openapi()
    database.dispose()
    cases = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            modes = [GenerationMode.POSITIVE]
            if operation.get("requestBody") or any(
                _constrained(parameter["schema"]) for parameter in operation.get("parameters", [])
            ):
                modes.append(GenerationMode.NEGATIVE)
            cases += [
                pytest.param(method.upper(), path, mode, id=f"{method.upper()} {path} {mode}")
                for mode in modes
            ]
    return cases


# Items these take are judged one by one, by design: a bad record of a bulk request
# (SPEC section 4) or a malformed span of an OTLP export (partial success) is reported in
# a 200 while the rest is stored, so schema-violating items are rightly accepted.
JUDGED_ONE_BY_ONE = {"bulkAnnotation", "exportTraces"}


@pytest.mark.parametrize(("method", "path", "mode"), _cases())
def test_every_operation_answers_as_documented(
    workspace: Workspace,
    api_schema: schemathesis.BaseSchema,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    operation_id = operation.definition.raw["operationId"]
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        ids = workspace.ids_for(operation_id)
        strategy = strategy.flatmap(lambda case: with_real_ids(case, ids))
    checks = CHECKS
    if operation_id in JUDGED_ONE_BY_ONE:
        checks = [check for check in CHECKS if check is not negative_data_rejection]

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=workspace.server.base_url, headers=workspace.headers, checks=checks
        )

    call()
