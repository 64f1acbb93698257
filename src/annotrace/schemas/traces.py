"""Traces and spans on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from annotrace.domain.spans import SpanKind, StatusCode


class RootSpan(BaseModel):
    span_id: str = Field(description="Span id of the trace's root span (16 hex digits).")
    name: str = Field(description="Name of the root span.")
    kind: SpanKind = Field(description="Kind of the root span.")


class TraceSummary(BaseModel):
    """A trace as listed: its totals and root span, without the spans."""

    trace_id: str = Field(description="OpenTelemetry trace id (32 lowercase hex digits).")
    project_id: str = Field(description="Public id of the project the trace belongs to.")
    start_time: datetime = Field(description="Start of the earliest span (UTC).")
    end_time: datetime = Field(description="End of the latest span (UTC).")
    duration_ms: float = Field(description="end_time - start_time, in milliseconds.")
    status: StatusCode = Field(description="ERROR when any span failed, else OK.")
    span_count: int = Field(description="Number of spans stored for the trace.")
    error_count: int = Field(description="Number of spans with status ERROR.")
    prompt_tokens: int = Field(description="Prompt tokens summed over the trace's LLM spans.")
    completion_tokens: int = Field(
        description="Completion tokens summed over the trace's LLM spans."
    )
    total_tokens: int = Field(description="Total tokens summed over the trace's LLM spans.")
    annotation_count: int = Field(description="Annotations by people on the trace's spans.")
    eval_count: int = Field(description="Eval scores on the trace's spans.")
    root_span: RootSpan | None = Field(
        description="The span without a parent (the earliest one if several)."
    )


class SpanRead(BaseModel):
    """A span with every field annotrace reads and everything that was sent."""

    span_id: str = Field(description="OpenTelemetry span id (16 lowercase hex digits).")
    trace_id: str = Field(description="OpenTelemetry trace id (32 lowercase hex digits).")
    parent_span_id: str | None = Field(description="Span id of the parent; null for a root.")
    project_id: str = Field(description="Public id of the span's project.")
    name: str = Field(description="Span name.")
    kind: SpanKind = Field(description="OpenInference span kind.")
    otel_kind: str = Field(description="OpenTelemetry span kind (INTERNAL, CLIENT, ...).")
    start_time: datetime = Field(description="Start time (UTC, microseconds).")
    end_time: datetime = Field(description="End time (UTC, microseconds).")
    duration_ms: float = Field(description="end_time - start_time, in milliseconds.")
    status_code: StatusCode = Field(description="OpenTelemetry status code.")
    status_message: str = Field(description="Status description, usually the error.")
    input_value: str | None = Field(description="The span's input (`input.value`).")
    input_mime_type: str | None = Field(description="`text/plain` or `application/json`.")
    output_value: str | None = Field(description="The span's output (`output.value`).")
    output_mime_type: str | None = Field(description="`text/plain` or `application/json`.")
    input_messages: list[dict[str, Any]] | None = Field(
        description="Chat messages sent to the model, in OpenAI's message shape."
    )
    output_messages: list[dict[str, Any]] | None = Field(
        description="Chat messages the model answered, in OpenAI's message shape."
    )
    model_name: str | None = Field(description="Model that answered, for LLM spans.")
    prompt_tokens: int | None = Field(description="Prompt (input) tokens.")
    completion_tokens: int | None = Field(description="Completion (output) tokens.")
    total_tokens: int | None = Field(description="Total tokens.")
    attributes: dict[str, Any] = Field(description="Every attribute, as sent (flat keys).")
    events: list[dict[str, Any]] = Field(description="Span events: name, time, attributes.")
    links: list[dict[str, Any]] = Field(description="Links: trace_id, span_id, attributes.")
    resource_attributes: dict[str, Any] = Field(description="Attributes of the resource.")
    scope_name: str | None = Field(description="Instrumentation scope name.")
    scope_version: str | None = Field(description="Instrumentation scope version.")


class SpanNode(SpanRead):
    children: list[SpanNode] = Field(
        description="Child spans, by start time. Nesting stops at depth 100; deeper "
        "spans are listed under their ancestor at that depth and keep parent_span_id."
    )


class TraceRead(BaseModel):
    """A trace with all its spans, nested by parent."""

    trace_id: str = Field(description="OpenTelemetry trace id (32 lowercase hex digits).")
    project_id: str = Field(description="Public id of the project.")
    start_time: datetime = Field(description="Start of the earliest span (UTC).")
    end_time: datetime = Field(description="End of the latest span (UTC).")
    duration_ms: float = Field(description="end_time - start_time, in milliseconds.")
    status: StatusCode = Field(description="ERROR when any span failed, else OK.")
    span_count: int = Field(description="Number of spans.")
    error_count: int = Field(description="Number of spans with status ERROR.")
    total_tokens: int = Field(description="Total tokens over the trace's LLM spans.")
    spans: list[SpanNode] = Field(
        description="Root spans (and spans whose parent was never received), each with "
        "its children."
    )
