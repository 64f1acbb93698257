"""Spans as the domain knows them, independent of OTLP and of storage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

JsonObject = dict[str, Any]


class SpanKind(StrEnum):
    """What a span did, in OpenInference's vocabulary."""

    LLM = "LLM"
    CHAIN = "CHAIN"
    AGENT = "AGENT"
    TOOL = "TOOL"
    RETRIEVER = "RETRIEVER"
    EMBEDDING = "EMBEDDING"
    RERANKER = "RERANKER"
    GUARDRAIL = "GUARDRAIL"
    EVALUATOR = "EVALUATOR"
    UNKNOWN = "UNKNOWN"


class StatusCode(StrEnum):
    UNSET = "UNSET"
    OK = "OK"
    ERROR = "ERROR"


TRACE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
SPAN_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
INVALID_TRACE_ID = "0" * 32
INVALID_SPAN_ID = "0" * 16


def is_valid_trace_id(value: str) -> bool:
    """True for 32 lowercase hex digits, not all zero (OpenTelemetry's rule)."""
    return bool(TRACE_ID_PATTERN.match(value)) and value != INVALID_TRACE_ID


def is_valid_span_id(value: str) -> bool:
    """True for 16 lowercase hex digits, not all zero (OpenTelemetry's rule)."""
    return bool(SPAN_ID_PATTERN.match(value)) and value != INVALID_SPAN_ID


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message, normalised from OpenInference or GenAI attributes.

    The shape follows OpenAI's chat format, which is what fine-tuning exports want.
    """

    role: str
    content: str | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: tuple[JsonObject, ...] = ()

    def to_json(self) -> JsonObject:
        data: JsonObject = {"role": self.role, "content": self.content}
        if self.name is not None:
            data["name"] = self.name
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            data["tool_calls"] = list(self.tool_calls)
        return data


@dataclass(frozen=True, slots=True)
class SpanEvent:
    name: str
    time: datetime
    attributes: JsonObject = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return {"name": self.name, "time": self.time.isoformat(), "attributes": self.attributes}


@dataclass(frozen=True, slots=True)
class SpanLink:
    trace_id: str
    span_id: str
    attributes: JsonObject = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return {"trace_id": self.trace_id, "span_id": self.span_id, "attributes": self.attributes}


@dataclass(frozen=True, slots=True)
class Span:
    """A finished span with the fields annotrace reads out of its attributes.

    The typed fields are `semconv.typed_fields(attributes)`; `attributes`, `events`,
    `links` and `resource_attributes` keep everything that was sent. Chat messages are
    not stored apart: `semconv.messages(attributes)` reads them when they are shown.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: SpanKind
    start_time: datetime
    end_time: datetime
    status_code: StatusCode = StatusCode.UNSET
    status_message: str = ""
    otel_kind: str = "INTERNAL"
    input_value: str | None = None
    input_mime_type: str | None = None
    output_value: str | None = None
    output_mime_type: str | None = None
    model_name: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    attributes: JsonObject = field(default_factory=dict)
    events: tuple[SpanEvent, ...] = ()
    links: tuple[SpanLink, ...] = ()
    resource_attributes: JsonObject = field(default_factory=dict)
    scope_name: str | None = None
    scope_version: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingSpan:
    """A span together with the name of the project it is to be stored in."""

    project_name: str
    span: Span
