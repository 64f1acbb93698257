"""The OpenAPI document describes every operation's real bodies and error responses (the
fuzz tests in tests/fuzz hold the server to it)."""

from __future__ import annotations

from typing import Any

import pytest

from annotrace.settings import Settings
from annotrace.storage.engine import Database
from annotrace.web.app import create_app

ERROR = "#/components/schemas/ErrorResponse"
COMPAT_ERROR = "#/components/schemas/CompatErrorResponse"
RPC_STATUS = "#/components/schemas/RpcStatus"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Building the document touches no database.
    return create_app(Settings(), Database("sqlite://")).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def json_schema(response: dict[str, Any]) -> Any:
    return response["content"]["application/json"]["schema"].get("$ref")


def test_only_the_machine_endpoints_are_in_the_document(document: dict[str, Any]) -> None:
    assert {path.split("/")[1] for path in document["paths"]} == {
        "api",
        "tracer",
        "v1",
        "healthz",
    }


def test_every_operation_with_keys_documents_its_errors(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if path == "/healthz":
            continue
        responses = operation["responses"]
        model = RPC_STATUS if path == "/v1/traces" else ERROR
        model = COMPAT_ERROR if path.startswith("/tracer/") else model
        for status in ("401", "429"):
            assert json_schema(responses[status]) == model, (method, path, status)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert "Retry-After" in responses["429"]["headers"]
        if "requestBody" in operation:
            # Not JSON at all, and over the size limit: any body can be.
            assert {"400", "413"} <= set(responses), (method, path)
        errors = [status for status in responses if status >= "400"]
        assert all(json_schema(responses[status]) == model for status in errors), (method, path)


def test_no_response_or_body_has_an_empty_schema(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        contents = [
            *operation.get("requestBody", {}).get("content", {}).values(),
            *(
                content
                for response in operation["responses"].values()
                for content in response.get("content", {}).values()
            ),
        ]
        assert all(content.get("schema") for content in contents), (method, path)


def test_a_success_status_besides_the_default_has_the_same_model(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    create = paths["/api/v1/spans/{span_id}/annotations"]["post"]["responses"]
    assert json_schema(create["200"]) == json_schema(create["201"])
    note = paths["/api/v1/spans/{span_id}/notes"]["post"]["responses"]
    assert json_schema(note["200"]) == json_schema(note["201"])
    correction = paths["/api/v1/spans/{span_id}/correction"]["put"]["responses"]
    assert json_schema(correction["201"]) == json_schema(correction["200"])


def test_otlp_ingest_documents_both_encodings(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/traces"]["post"]
    body = operation["requestBody"]["content"]
    assert body["application/x-protobuf"]["schema"]["format"] == "binary"
    request = body["application/json"]["schema"]
    span = request["properties"]["resourceSpans"]["items"]["properties"]["scopeSpans"]["items"]
    assert {"traceId", "spanId", "name", "attributes"} <= set(
        span["properties"]["spans"]["items"]["properties"]
    )
    assert "gzip" in operation["description"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["X-Project"]
    for response in operation["responses"].values():
        assert set(response["content"]) == {"application/x-protobuf", "application/json"}
    assert json_schema(operation["responses"]["200"]) == "#/components/schemas/OtlpExportResponse"


def test_streamed_files_document_their_media_types_and_headers(document: dict[str, Any]) -> None:
    paths = document["paths"]
    export = paths["/api/v1/exports"]["post"]["responses"]["200"]
    assert {"application/x-ndjson", "text/csv; charset=utf-8", "application/json"} <= set(
        export["content"]
    )
    assert "X-Annotrace-Span-Count" in export["headers"]
    download = paths["/api/v1/datasets/{dataset_id}/versions/{version}/file"]["get"]
    assert {"ETag", "Content-Disposition"} <= set(download["responses"]["200"]["headers"])


def test_a_key_pair_is_both_halves_together_or_a_bearer_token(document: dict[str, Any]) -> None:
    secured = [op for _, _, op in operations(document) if "security" in op]
    assert len(secured) > 40
    for operation in secured:
        assert operation["security"] == [{"ApiKey": [], "SecretKey": []}, {"Bearer": []}]
    assert [op for path, _, op in operations(document) if path == "/healthz"] == [
        op for path, _, op in operations(document) if path == "/healthz" and "security" not in op
    ]
