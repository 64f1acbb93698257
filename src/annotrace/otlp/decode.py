"""Decoding of OTLP/HTTP trace export requests into domain spans.

Both encodings end up as the generated `ExportTraceServiceRequest`, so the conversion to
domain spans exists once. A span that cannot be stored is rejected on its own and counted,
as OTLP's partial success asks, instead of failing the whole request.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2

from annotrace.domain import semconv
from annotrace.domain.names import MAX_NAME_LENGTH
from annotrace.domain.spans import (
    IncomingSpan,
    JsonObject,
    Span,
    SpanEvent,
    SpanLink,
    StatusCode,
)
from annotrace.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO_TRACE_ID = bytes(16)
_ZERO_SPAN_ID = bytes(8)
# Indexed by the proto SpanKind number; UNSPECIFIED reads as INTERNAL, OTel's default.
_OTEL_KINDS = ("INTERNAL", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
_STATUS_CODES = {
    trace_pb2.Status.STATUS_CODE_OK: StatusCode.OK,
    trace_pb2.Status.STATUS_CODE_ERROR: StatusCode.ERROR,
}
_MAX_LISTED_REASONS = 5
_MAX_SHOWN_ID_CHARS = 40
_SUPPORTED = "application/x-protobuf or application/json"
_JSON_ID_KEYS = (("traceId", "trace_id"), ("spanId", "span_id"), ("parentSpanId", "parent_span_id"))

# (resource index, scope index, span index) within the request.
SpanPosition = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class DecodedExport:
    spans: list[IncomingSpan]
    """Valid spans, in payload order."""
    rejected_count: int
    """Spans that cannot be stored."""
    rejection_message: str
    """Empty when nothing was rejected, else a short sentence saying why."""


def decode_export_request(
    body: bytes, *, content_type: str, header_project: str | None
) -> DecodedExport:
    """Decode an (already decompressed) OTLP/HTTP trace export request.

    `content_type` is "protobuf" or "json"; `header_project` is the X-Project header.
    Raises InvalidInput when the body as a whole cannot be read.
    """
    id_errors: dict[SpanPosition, str] = {}
    if content_type == "protobuf":
        request = _parse_protobuf(body)
    elif content_type == "json":
        request = _parse_json(body, id_errors)
    else:
        raise InvalidInput(
            f"unsupported content type {content_type!r}", field="Content-Type", expected=_SUPPORTED
        )
    return _convert(request, header_project, id_errors)


# --- parsing ----------------------------------------------------------------------------


def _parse_protobuf(body: bytes) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as error:
        raise InvalidInput(
            f"request body is not a valid OTLP ExportTraceServiceRequest protobuf message: {error}",
            field="body",
        ) from error
    return request


def _parse_json(body: bytes, id_errors: dict[SpanPosition, str]) -> ExportTraceServiceRequest:
    """Parse OTLP/JSON; spans whose ids are not hex are recorded in `id_errors`.

    Spans are parsed one at a time, so that an error can name the span's exact path.
    """
    document = _json_object(body)
    detached_spans = _detach_spans(document)
    request = ExportTraceServiceRequest()
    _parse_dict(document, request, "")
    for (r, s), spans in detached_spans.items():
        target = request.resource_spans[r].scope_spans[s].spans
        for p, span in enumerate(spans):
            path = f"resourceSpans[{r}].scopeSpans[{s}].spans[{p}]"
            if not isinstance(span, dict):
                raise InvalidInput(f"{path} is not a JSON object", field=path)
            reason = _hex_ids_to_base64(span)
            if reason:
                id_errors[(r, s, p)] = reason
            _parse_dict(span, target.add(), path)
    return request


def _json_object(body: bytes) -> JsonObject:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise InvalidInput(f"request body is not valid JSON: {error}", field="body") from error
    if not isinstance(document, dict):
        raise InvalidInput(
            f"request body must be a JSON object, not {type(document).__name__}",
            field="body",
            expected="an OTLP/JSON ExportTraceServiceRequest object",
        )
    return document


def _detach_spans(document: JsonObject) -> dict[tuple[int, int], list[Any]]:
    """Remove each scope's span list, keyed by (resource index, scope index).

    The indices match the parsed request because ParseDict refuses the skeleton when a
    list holds anything but objects.
    """
    detached: dict[tuple[int, int], list[Any]] = {}
    for r, resource_spans in _json_objects(document, "resourceSpans"):
        for s, scope_spans in _json_objects(resource_spans, "scopeSpans"):
            if isinstance(scope_spans.get("spans"), list):
                detached[(r, s)] = scope_spans.pop("spans")
    return detached


def _json_objects(parent: JsonObject, key: str) -> Iterator[tuple[int, JsonObject]]:
    # Anything of the wrong shape is left for ParseDict, which reports it with a path.
    items = parent.get(key)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _hex_ids_to_base64(span: JsonObject) -> str | None:
    """Rewrite OTLP/JSON's hex ids as the base64 that protobuf's JSON parser expects.

    Returns a rejection reason for the first id that is not hex. Every id is converted
    even then, so that the span still parses and is rejected on its own.
    """
    reasons = [
        _hex_id_error(span, ""),
        *(_hex_id_error(link, f"link {k} with ") for k, link in _json_objects(span, "links")),
    ]
    return next((reason for reason in reasons if reason), None)


def _hex_id_error(container: JsonObject, subject: str) -> str | None:
    error = None
    for key, name in _JSON_ID_KEYS:
        value = container.get(key)
        if value is None:
            continue
        try:
            container[key] = base64.b64encode(binascii.a2b_hex(value)).decode("ascii")
        except (ValueError, TypeError):
            container[key] = ""
            error = error or _invalid_id(subject, name, str(value), "hex digits")
    return error


def _parse_dict(data: JsonObject, message: ProtoMessage, path: str) -> None:
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=True)
    except (json_format.ParseError, RecursionError) as error:
        raise _json_shape_error(error, path) from error
    except ValueError as error:  # e.g. a lone surrogate, which is not encodable text
        where = path or "body"
        raise InvalidInput(
            f"request body has a string that is not valid Unicode at {where}: {error}",
            field=where,
        ) from error


_PARSE_FIELD = re.compile(r"Failed to parse (\w+) field: ")
_PARSE_LOCATION = re.compile(r" at [A-Z]\w*\.?(\S*?)\.*$")
_INDEX = re.compile(r"\[\d+\]")


def _json_shape_error(error: Exception, prefix: str) -> InvalidInput:
    """InvalidInput naming the JSON path that protobuf's JSON parser complained about.

    The parser's message nests "Failed to parse X field:" once per level and only
    sometimes ends with an indexed location; both are folded into one path.
    """
    detail = str(error)
    fields = _PARSE_FIELD.findall(detail)
    detail = _PARSE_FIELD.sub("", detail)
    location = _PARSE_LOCATION.search(detail)
    relative = location.group(1) if location else ""
    if location:
        detail = detail[: location.start()]
    if not relative:
        relative = ".".join(fields)
    elif fields and fields[-1] not in _INDEX.sub("", relative).split("."):
        # Shape errors are located at the parent of the offending field.
        relative = f"{relative}.{fields[-1]}"
    path = ".".join(part for part in (prefix, relative) if part)
    where = f" at {path}" if path else ""
    return InvalidInput(
        f"request body is not a valid OTLP/JSON ExportTraceServiceRequest: "
        f"{detail.rstrip('.')}{where}",
        field=path or "body",
    )


# --- conversion -------------------------------------------------------------------------


@dataclass(slots=True)
class _Rejections:
    """Counts every rejection but keeps only the first few reasons for the message."""

    count: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.count += 1
        if len(self.reasons) < _MAX_LISTED_REASONS:
            self.reasons.append(reason)

    def message(self) -> str:
        if not self.count:
            return ""
        noun = "span" if self.count == 1 else "spans"
        more = self.count - len(self.reasons)
        tail = f"; and {more} more" if more else ""
        return f"{self.count} {noun} rejected: {'; '.join(self.reasons)}{tail}"


@dataclass(frozen=True, slots=True)
class _Origin:
    project_name: str
    resource_attributes: JsonObject
    scope_name: str | None
    scope_version: str | None


def _convert(
    request: ExportTraceServiceRequest,
    header_project: str | None,
    id_errors: dict[SpanPosition, str],
) -> DecodedExport:
    spans: list[IncomingSpan] = []
    rejections = _Rejections()
    for r, resource_spans in enumerate(request.resource_spans):
        # One dict per resource, shared by its spans: stored spans treat it as read-only.
        resource_attributes = _attributes(resource_spans.resource.attributes)
        project = semconv.project_name(resource_attributes, header_project)
        project_problem = _project_name_problem(project)
        for s, scope_spans in enumerate(resource_spans.scope_spans):
            scope = scope_spans.scope
            origin = _Origin(
                project,
                resource_attributes,
                _text(scope.name) or None,
                _text(scope.version) or None,
            )
            for p, span in enumerate(scope_spans.spans):
                reason = project_problem or id_errors.get((r, s, p)) or _invalid_span_reason(span)
                if reason:
                    rejections.add(f"span {p} in resource {r}, scope {s} {reason}")
                else:
                    spans.append(IncomingSpan(project_name=project, span=_span(span, origin)))
    return DecodedExport(spans, rejections.count, rejections.message())


def _project_name_problem(project: str) -> str | None:
    if len(project) <= MAX_NAME_LENGTH:
        return None
    return f"has a project name of {len(project)} characters (expected at most {MAX_NAME_LENGTH})"


def _invalid_span_reason(span: trace_pb2.Span) -> str | None:
    trace_id, span_id, parent_id = span.trace_id, span.span_id, span.parent_span_id
    if len(trace_id) != 16 or trace_id == _ZERO_TRACE_ID:
        return _invalid_id("", "trace_id", trace_id.hex(), "32 hex digits, not all zero")
    if len(span_id) != 8 or span_id == _ZERO_SPAN_ID:
        return _invalid_id("", "span_id", span_id.hex(), "16 hex digits, not all zero")
    if parent_id and len(parent_id) != 8:
        return _invalid_id("", "parent_span_id", parent_id.hex(), "16 hex digits, or none")
    if not span.start_time_unix_nano:
        return "has start_time_unix_nano 0 (expected nanoseconds since the Unix epoch)"
    for k, link in enumerate(span.links):
        # Links may point at all-zero ids (OTel records links that only carry attributes).
        if len(link.trace_id) != 16:
            return _invalid_id(f"link {k} with ", "trace_id", link.trace_id.hex(), "32 hex digits")
        if len(link.span_id) != 8:
            return _invalid_id(f"link {k} with ", "span_id", link.span_id.hex(), "16 hex digits")
    return None


def _invalid_id(subject: str, name: str, value: str, expected: str) -> str:
    if len(value) > _MAX_SHOWN_ID_CHARS:
        value = value[:_MAX_SHOWN_ID_CHARS] + "..."
    return f"has {subject}an invalid {name} {value!r} (expected {expected})"


def _span(span: trace_pb2.Span, origin: _Origin) -> Span:
    attributes = _attributes(span.attributes)
    start = _time(span.start_time_unix_nano)
    # An end of 0 means the sender never set it; the start is the only honest bound.
    end = _time(span.end_time_unix_nano) if span.end_time_unix_nano else start
    typed = semconv.typed_fields(attributes)
    parent_id = span.parent_span_id
    kind_number = span.kind
    # Most spans have neither; skipping the generators for them is measurably faster.
    events, links = span.events, span.links
    return Span(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=parent_id.hex() if parent_id and parent_id != _ZERO_SPAN_ID else None,
        name=_text(span.name),
        kind=typed.kind,
        start_time=start,
        end_time=end,
        status_code=_STATUS_CODES.get(span.status.code, StatusCode.UNSET),
        status_message=_text(span.status.message),
        otel_kind=_OTEL_KINDS[kind_number] if 0 <= kind_number < len(_OTEL_KINDS) else "INTERNAL",
        input_value=typed.input_value,
        input_mime_type=typed.input_mime_type,
        output_value=typed.output_value,
        output_mime_type=typed.output_mime_type,
        model_name=typed.model_name,
        prompt_tokens=typed.prompt_tokens,
        completion_tokens=typed.completion_tokens,
        total_tokens=typed.total_tokens,
        attributes=attributes,
        events=tuple(_event(event, start) for event in events) if events else (),
        links=tuple(_link(link) for link in links) if links else (),
        resource_attributes=origin.resource_attributes,
        scope_name=origin.scope_name,
        scope_version=origin.scope_version,
    )


def _event(event: trace_pb2.Span.Event, span_start: datetime) -> SpanEvent:
    # Like the span's end, an unset event time falls back to the span's start.
    time = _time(event.time_unix_nano) if event.time_unix_nano else span_start
    return SpanEvent(name=_text(event.name), time=time, attributes=_attributes(event.attributes))


def _link(link: trace_pb2.Span.Link) -> SpanLink:
    return SpanLink(link.trace_id.hex(), link.span_id.hex(), _attributes(link.attributes))


def _time(unix_nanos: int) -> datetime:
    # Integer division: a float of nanoseconds since 1970 has no microsecond precision left.
    return _EPOCH + timedelta(microseconds=unix_nanos // 1000)


def _attributes(key_values: Iterable[KeyValue]) -> JsonObject:
    return {_text(kv.key): _any_value(kv.value) for kv in key_values}


def _text(text: str) -> str:
    # PostgreSQL text and JSONB cannot hold NUL; the replacement character keeps the
    # position visible. The membership test is C-speed, so clean strings cost ~nothing.
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _any_value(value: AnyValue) -> Any:
    """AnyValue as JSON-able Python; checks are ordered by how common each type is."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return _text(value.string_value)
    if kind == "int_value":
        return value.int_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "double_value":
        return _json_double(value.double_value)
    if kind == "array_value":
        return [_any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


def _json_double(number: float) -> float | str:
    # JSON has no NaN or infinities; their proto3 JSON spellings keep the result valid.
    if math.isfinite(number):
        return number
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"
