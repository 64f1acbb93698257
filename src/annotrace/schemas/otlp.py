"""OTLP/HTTP trace export on the wire (`POST /v1/traces`), as the OpenAPI document shows it.

The bodies themselves are decoded by `annotrace.otlp` (protobuf's own parsers), not by
these shapes: they document OTLP/JSON for clients and for schema-driven tests.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

_UINT64 = {
    "description": "Unsigned 64-bit integer: a number or a decimal string.",
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}],
}
_INT64 = {
    "description": "Signed 64-bit integer: a number or a decimal string.",
    "anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+$"}],
}
# AnyValue nests without bound (arrays and maps of AnyValue); one level is spelled out.
_ANY_VALUE = {
    "type": "object",
    "description": "One of the keys below (an OTLP AnyValue); nested values are AnyValues too.",
    "properties": {
        "stringValue": {"type": "string"},
        "boolValue": {"type": "boolean"},
        "intValue": _INT64,
        "doubleValue": {"type": "number"},
        "bytesValue": {"type": "string", "description": "Base64."},
        "arrayValue": {
            "type": "object",
            "properties": {"values": {"type": "array", "items": {"type": "object"}}},
        },
        "kvlistValue": {
            "type": "object",
            "properties": {"values": {"type": "array", "items": {"type": "object"}}},
        },
    },
}
_ATTRIBUTES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["key"],
        "properties": {"key": {"type": "string"}, "value": _ANY_VALUE},
    },
}


def _hex_id(digits: int, what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": f"^[0-9a-fA-F]{{{digits}}}$",
        "description": f"{what}: {digits} hex digits. A span with a malformed id is rejected "
        "on its own (partial success), not the request.",
    }


_SPAN = {
    "type": "object",
    "properties": {
        "traceId": _hex_id(32, "Trace id"),
        "spanId": _hex_id(16, "Span id"),
        "parentSpanId": {
            "type": "string",
            "pattern": "^([0-9a-fA-F]{16})?$",
            "description": "Parent span id (16 hex digits); empty or absent for a root span.",
        },
        "name": {"type": "string"},
        "kind": {
            "description": "OpenTelemetry span kind: 0-5 or its name, e.g. SPAN_KIND_SERVER.",
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": 5}, {"type": "string"}],
        },
        "startTimeUnixNano": _UINT64,
        "endTimeUnixNano": _UINT64,
        "attributes": {
            **_ATTRIBUTES,
            "description": "OpenInference and GenAI attributes give the span's kind, input, "
            "output, model and token counts; the rest are kept as they are.",
        },
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "timeUnixNano": _UINT64,
                    "name": {"type": "string"},
                    "attributes": _ATTRIBUTES,
                },
            },
        },
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "traceId": _hex_id(32, "Linked trace id"),
                    "spanId": _hex_id(16, "Linked span id"),
                    "attributes": _ATTRIBUTES,
                },
            },
        },
        "status": {
            "type": "object",
            "properties": {
                "code": {
                    "description": "0 unset, 1 ok, 2 error, or its name, e.g. STATUS_CODE_ERROR.",
                    "anyOf": [{"type": "integer", "minimum": 0, "maximum": 2}, {"type": "string"}],
                },
                "message": {"type": "string"},
            },
        },
    },
}

EXPORT_REQUEST_JSON_SCHEMA: dict[str, Any] = {
    "title": "ExportTraceServiceRequest",
    "description": "OTLP/JSON: the protobuf message in proto3 JSON, with hex trace and span "
    "ids. Unknown fields are ignored.",
    "type": "object",
    "properties": {
        "resourceSpans": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "resource": {
                        "type": "object",
                        "properties": {
                            "attributes": {
                                **_ATTRIBUTES,
                                "description": "`openinference.project.name` or else "
                                "`service.name` names the project (see X-Project).",
                            }
                        },
                    },
                    "scopeSpans": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "scope": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "version": {"type": "string"},
                                    },
                                },
                                "spans": {"type": "array", "items": _SPAN},
                            },
                        },
                    },
                },
            },
        }
    },
}


class OtlpPartialSuccess(BaseModel):
    # proto3 JSON leaves out fields at their default value, hence the defaults.
    rejectedSpans: str = Field(
        default="0",
        pattern="^[0-9]+$",
        description="Spans not stored, as a decimal string (an int64 in proto3 JSON).",
    )
    errorMessage: str = Field(
        default="", description="Why, and warnings when nothing was rejected."
    )


class OtlpExportResponse(BaseModel):
    """An ExportTraceServiceResponse; `partialSuccess` when spans were rejected or warned of."""

    partialSuccess: OtlpPartialSuccess | None = Field(
        default=None, description="Absent when every span was stored without warnings."
    )


class RpcStatus(BaseModel):
    """A `google.rpc.Status`: the body of every OTLP/HTTP error reply."""

    code: int = Field(description="gRPC status code, e.g. 3 (INVALID_ARGUMENT).")
    message: str = Field(description="What is wrong, in words a user can act on.")
