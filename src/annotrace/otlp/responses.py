"""Encoders for OTLP/HTTP replies, in the encoding the request used."""

from __future__ import annotations

import json

from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from annotrace.errors import UnsupportedMediaType

MEDIA_TYPES = {"protobuf": "application/x-protobuf", "json": "application/json"}
_KIND_BY_MEDIA_TYPE = {media_type: kind for kind, media_type in MEDIA_TYPES.items()}


def content_kind(header: str | None) -> str:
    """Map a Content-Type header value to "protobuf" or "json"."""
    media_type = (header or "").partition(";")[0].strip().lower()
    kind = _KIND_BY_MEDIA_TYPE.get(media_type)
    if kind is None:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {header!r}",
            field="Content-Type",
            expected="application/x-protobuf or application/json",
        )
    return kind


def export_response(*, rejected_spans: int, error_message: str, content_type: str) -> bytes:
    """An ExportTraceServiceResponse; partial_success only when something was rejected."""
    response = ExportTraceServiceResponse()
    if rejected_spans or error_message:
        response.partial_success.rejected_spans = rejected_spans
        response.partial_success.error_message = error_message
    if content_type == "json":
        return json.dumps(json_format.MessageToDict(response)).encode()
    return bytes(response.SerializeToString())


def status_body(*, code: int, message: str, content_type: str) -> bytes:
    """A `google.rpc.Status` error body, as OTLP/HTTP asks for failed requests."""
    if content_type == "json":
        return json.dumps({"code": code, "message": message}).encode()
    return bytes(Status(code=code, message=message).SerializeToString())
