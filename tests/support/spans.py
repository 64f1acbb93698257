"""Domain spans for tests, built without OTLP."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from annotrace.domain.spans import IncomingSpan, Span, SpanKind, StatusCode

BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def trace_id() -> str:
    return secrets.token_hex(16)


def span_id() -> str:
    return secrets.token_hex(8)


def make_span(
    *,
    trace: str | None = None,
    span: str | None = None,
    parent: str | None = None,
    name: str = "step",
    kind: SpanKind = SpanKind.CHAIN,
    start: datetime = BASE_TIME,
    duration_ms: int = 100,
    status: StatusCode = StatusCode.OK,
    project: str = "default",
    **fields: Any,
) -> IncomingSpan:
    return IncomingSpan(
        project_name=project,
        span=Span(
            trace_id=trace or trace_id(),
            span_id=span or span_id(),
            parent_span_id=parent,
            name=name,
            kind=kind,
            start_time=start,
            end_time=start + timedelta(milliseconds=duration_ms),
            status_code=status,
            **fields,
        ),
    )


def make_trace(
    *, project: str = "default", start: datetime = BASE_TIME, size: int = 3, error: bool = False
) -> list[IncomingSpan]:
    """A root AGENT span with an LLM child and TOOL children, one of them failing if asked."""
    trace = trace_id()
    root = make_span(
        trace=trace,
        name="agent",
        kind=SpanKind.AGENT,
        start=start,
        duration_ms=1000,
        project=project,
        status=StatusCode.ERROR if error else StatusCode.OK,
    )
    spans = [root]
    spans.append(
        make_span(
            trace=trace,
            parent=root.span.span_id,
            name="chat",
            kind=SpanKind.LLM,
            start=start + timedelta(milliseconds=10),
            project=project,
            model_name="gpt-4o-mini",
            prompt_tokens=100,
            completion_tokens=20,
            total_tokens=120,
            input_value="What is the refund policy?",
            output_value="30 days.",
            attributes={
                "llm.model_name": "gpt-4o-mini",
                "openinference.span.kind": "LLM",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "What is the refund policy?",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "30 days.",
            },
        )
    )
    for index in range(size - 2):
        spans.append(
            make_span(
                trace=trace,
                parent=root.span.span_id,
                name=f"tool-{index}",
                kind=SpanKind.TOOL,
                start=start + timedelta(milliseconds=200 + index),
                project=project,
                status=StatusCode.ERROR if error and index == 0 else StatusCode.OK,
            )
        )
    return spans
