"""The generated demo traces: deterministic, well-formed, varied, and self-consistent."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from annotrace.domain import semconv
from annotrace.domain.demo_traces import generate_demo_traces
from annotrace.domain.spans import (
    IncomingSpan,
    Message,
    Span,
    SpanKind,
    StatusCode,
    is_valid_span_id,
    is_valid_trace_id,
)

NOW = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
GENAI_KINDS = {"chat": SpanKind.LLM, "execute_tool": SpanKind.TOOL, "invoke_agent": SpanKind.AGENT}


@pytest.fixture(scope="module")
def demo() -> list[IncomingSpan]:
    return generate_demo_traces(now=NOW)


@pytest.fixture(scope="module")
def traces(demo: list[IncomingSpan]) -> dict[str, list[Span]]:
    by_trace: dict[str, list[Span]] = defaultdict(list)
    for incoming in demo:
        by_trace[incoming.span.trace_id].append(incoming.span)
    return dict(by_trace)


def spans_of(demo: list[IncomingSpan]) -> list[Span]:
    return [incoming.span for incoming in demo]


# --- determinism -----------------------------------------------------------------------


def test_same_inputs_give_identical_output(demo: list[IncomingSpan]) -> None:
    assert generate_demo_traces(now=NOW) == demo


def test_a_different_seed_gives_different_ids(demo: list[IncomingSpan]) -> None:
    other = generate_demo_traces(now=NOW, seed=8)
    assert {s.trace_id for s in spans_of(other)}.isdisjoint({s.trace_id for s in spans_of(demo)})


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        generate_demo_traces(now=datetime(2025, 3, 14, 12, 0))


def test_a_non_utc_now_is_the_same_instant() -> None:
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    assert generate_demo_traces(now=berlin, traces=5) == generate_demo_traces(now=NOW, traces=5)


@pytest.mark.parametrize("count", [0, 1, 7, 40])
def test_exactly_the_requested_number_of_traces(count: int) -> None:
    spans = spans_of(generate_demo_traces(now=NOW, traces=count))
    assert len({span.trace_id for span in spans}) == count


# --- structure -------------------------------------------------------------------------


def test_counts_are_in_range(traces: dict[str, list[Span]]) -> None:
    sizes = sorted(len(spans) for spans in traces.values())
    assert len(traces) == 300
    assert 2000 <= sum(sizes) <= 3500
    # A trace that fails early is short; a typical one has 5 to 15 spans.
    assert sizes[0] >= 4
    assert sizes[-1] <= 15
    assert sizes[len(sizes) // 10] >= 5


def test_ids_are_valid_and_unique_per_trace(traces: dict[str, list[Span]]) -> None:
    for trace_id, spans in traces.items():
        assert is_valid_trace_id(trace_id)
        span_ids = [span.span_id for span in spans]
        assert all(is_valid_span_id(span_id) for span_id in span_ids)
        assert len(set(span_ids)) == len(span_ids)


def test_every_parent_is_in_the_same_trace_and_there_is_one_root(
    traces: dict[str, list[Span]],
) -> None:
    for spans in traces.values():
        ids = {span.span_id for span in spans}
        roots = [span for span in spans if span.parent_span_id is None]
        assert len(roots) == 1
        assert all(span.parent_span_id in ids for span in spans if span is not roots[0])


def test_children_lie_within_their_parent(traces: dict[str, list[Span]]) -> None:
    for spans in traces.values():
        by_id = {span.span_id: span for span in spans}
        for span in spans:
            assert span.start_time < span.end_time
            if span.parent_span_id is not None:
                parent = by_id[span.parent_span_id]
                assert parent.start_time <= span.start_time
                assert span.end_time <= parent.end_time


def test_siblings_run_one_after_another(traces: dict[str, list[Span]]) -> None:
    for spans in traces.values():
        children: dict[str | None, list[Span]] = defaultdict(list)
        for span in spans:
            children[span.parent_span_id].append(span)
        for siblings in children.values():
            ordered = sorted(siblings, key=lambda span: span.start_time)
            for before, after in pairwise(ordered):
                assert before.end_time <= after.start_time


def test_traces_lie_in_the_last_seven_days(demo: list[IncomingSpan]) -> None:
    spans = spans_of(demo)
    assert all(span.start_time.tzinfo is not None for span in spans)
    assert max(span.end_time for span in spans) <= NOW
    assert min(span.start_time for span in spans) >= NOW - timedelta(days=7)


def test_recent_days_are_busier(traces: dict[str, list[Span]]) -> None:
    starts = [min(span.start_time for span in spans) for spans in traces.values()]
    last_day = sum(start >= NOW - timedelta(days=1) for start in starts)
    first_day = sum(start < NOW - timedelta(days=6) for start in starts)
    assert last_day > first_day


def test_durations_are_plausible(demo: list[IncomingSpan]) -> None:
    for span in spans_of(demo):
        if span.status_code is StatusCode.ERROR:
            continue
        milliseconds = (span.end_time - span.start_time) / timedelta(milliseconds=1)
        if span.kind is SpanKind.LLM:
            assert 300 <= milliseconds <= 8000
        if span.kind is SpanKind.TOOL:
            assert 20 <= milliseconds <= 2000


# --- projects and kinds ----------------------------------------------------------------


def test_projects_and_resources(demo: list[IncomingSpan]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for incoming in demo:
        span = incoming.span
        counts[incoming.project_name] += 1
        assert span.resource_attributes["service.name"] == incoming.project_name
        assert span.resource_attributes["openinference.project.name"] == incoming.project_name
        assert span.scope_name
    assert set(counts) == {"support-bot", "rag-docs-qa", "sql-agent"}
    assert counts["support-bot"] == max(counts.values())


def test_every_kind_appears(demo: list[IncomingSpan]) -> None:
    kinds = {span.kind for span in spans_of(demo)}
    expected = {
        SpanKind.AGENT,
        SpanKind.CHAIN,
        SpanKind.LLM,
        SpanKind.TOOL,
        SpanKind.RETRIEVER,
        SpanKind.EMBEDDING,
        SpanKind.RERANKER,
        SpanKind.GUARDRAIL,
    }
    assert expected <= kinds


def test_both_conventions_appear(demo: list[IncomingSpan]) -> None:
    spans = spans_of(demo)
    assert any("openinference.span.kind" in span.attributes for span in spans)
    assert any("gen_ai.operation.name" in span.attributes for span in spans)


def test_retriever_spans_carry_documents(demo: list[IncomingSpan]) -> None:
    retrievers = [
        span
        for span in spans_of(demo)
        if span.kind is SpanKind.RETRIEVER and span.status_code is not StatusCode.ERROR
    ]
    assert retrievers
    for span in retrievers:
        assert span.attributes["retrieval.documents.0.document.content"]
        assert span.attributes["retrieval.documents.0.document.id"]
        assert isinstance(span.attributes["retrieval.documents.0.document.score"], float)


# --- errors ----------------------------------------------------------------------------


def test_some_traces_fail(traces: dict[str, list[Span]]) -> None:
    failed = [
        spans
        for spans in traces.values()
        if any(span.status_code is StatusCode.ERROR for span in spans)
    ]
    assert 0.04 <= len(failed) / len(traces) <= 0.15


def test_errors_carry_a_message_and_an_exception_event(demo: list[IncomingSpan]) -> None:
    errors = [span for span in spans_of(demo) if span.status_code is StatusCode.ERROR]
    messages = {span.status_message for span in errors}
    assert any(message.startswith("TimeoutError: ") for message in messages)
    assert any("429" in message for message in messages)
    for span in errors:
        assert span.status_message
        (event,) = span.events
        assert event.name == "exception"
        assert event.time == span.end_time
        for key in ("exception.type", "exception.message", "exception.stacktrace"):
            assert event.attributes[key]


def test_a_failed_tool_fails_its_agent(traces: dict[str, list[Span]]) -> None:
    timeouts = 0
    for spans in traces.values():
        by_id = {span.span_id: span for span in spans}
        for span in spans:
            if span.kind is SpanKind.TOOL and span.status_message.startswith("TimeoutError"):
                timeouts += 1
                assert span.parent_span_id is not None
                assert by_id[span.parent_span_id].status_code is StatusCode.ERROR
    assert timeouts > 0


# --- content ---------------------------------------------------------------------------


def all_text(span: Span) -> str:
    return json.dumps(span.attributes, ensure_ascii=False)


def test_html_in_user_text_is_kept_verbatim(demo: list[IncomingSpan]) -> None:
    texts = [all_text(span) for span in spans_of(demo)]
    assert any("<img src=x onerror=alert(1)>" in text for text in texts)
    assert any("<script>alert('x')</script>" in text for text in texts)
    assert any(span.input_value and "<img src=x" in span.input_value for span in spans_of(demo))


def test_content_is_varied(demo: list[IncomingSpan]) -> None:
    spans = spans_of(demo)
    roots = [span for span in spans if span.parent_span_id is None]
    questions = {span.input_value for span in roots if span.input_value}
    assert len(questions) >= 25
    assert any("Ignore previous instructions" in question for question in questions)
    assert any("Bestellung" in question for question in questions)
    assert any(re.search(r"[\u3040-\u30ff]", question) for question in questions)
    assert any(len(span.output_value or "") >= 2000 for span in spans)


def test_some_conversations_have_several_turns(demo: list[IncomingSpan]) -> None:
    sessions: dict[str, int] = defaultdict(int)
    for span in spans_of(demo):
        if span.parent_span_id is None and "session.id" in span.attributes:
            sessions[span.attributes["session.id"]] += 1
    assert max(sessions.values()) >= 2
    # A follow-up's LLM call sees the earlier answer.
    assert any(
        [m.role for m in semconv.messages(span.attributes)[0][1:4]] == ["user", "assistant", "user"]
        for span in spans_of(demo)
        if span.name == "ChatCompletion"
    )


# --- conventions: typed fields and messages come from the attributes ------------------


def test_typed_fields_are_those_semconv_reads_from_the_attributes(
    demo: list[IncomingSpan],
) -> None:
    # The generator writes attributes only; the typed fields must be exactly what the
    # OTLP decoder would derive from them, so demo spans behave like ingested ones.
    for span in spans_of(demo):
        typed = semconv.TypedFields(*(getattr(span, name) for name in semconv.TypedFields._fields))
        assert typed == semconv.typed_fields(span.attributes), span.name


def oi_messages(attributes: dict[str, Any], prefix: str) -> tuple[Message, ...]:
    """OpenInference's flattened `llm.{input,output}_messages.*`, read independently."""
    messages = []
    i = 0
    while f"{prefix}.{i}.message.role" in attributes:
        key = f"{prefix}.{i}.message"
        calls = []
        j = 0
        while f"{key}.tool_calls.{j}.tool_call.id" in attributes:
            call = f"{key}.tool_calls.{j}.tool_call"
            calls.append(
                {
                    "id": attributes[f"{call}.id"],
                    "type": "function",
                    "function": {
                        "name": attributes[f"{call}.function.name"],
                        "arguments": attributes[f"{call}.function.arguments"],
                    },
                }
            )
            j += 1
        messages.append(
            Message(
                role=attributes[f"{key}.role"],
                content=attributes.get(f"{key}.content"),
                name=attributes.get(f"{key}.name"),
                tool_call_id=attributes.get(f"{key}.tool_call_id"),
                tool_calls=tuple(calls),
            )
        )
        i += 1
    return tuple(messages)


def genai_messages(encoded: str | None) -> tuple[Message, ...]:
    """GenAI `gen_ai.{input,output}.messages` (role + parts), read independently."""
    messages = []
    for item in json.loads(encoded or "[]"):
        texts, calls, content, call_id = [], [], None, None
        for part in item["parts"]:
            if part["type"] == "text":
                texts.append(part["content"])
            elif part["type"] == "tool_call":
                function = {"name": part["name"], "arguments": json.dumps(part["arguments"])}
                calls.append({"id": part["id"], "type": "function", "function": function})
            elif part["type"] == "tool_call_response":
                content, call_id = part["response"], part["id"]
        if texts:
            content = "\n".join(texts)
        messages.append(Message(item["role"], content, None, call_id, tuple(calls)))
    return tuple(messages)


def check_openinference(span: Span) -> None:
    attributes = span.attributes
    assert span.kind.value == attributes["openinference.span.kind"]
    inputs, outputs = semconv.messages(attributes)
    assert inputs == oi_messages(attributes, "llm.input_messages")
    assert outputs == oi_messages(attributes, "llm.output_messages")
    if span.kind is SpanKind.LLM and span.status_code is not StatusCode.ERROR:
        assert inputs
        assert outputs
        json.loads(attributes["llm.invocation_parameters"])
        json.loads(attributes["input.value"])
        assert attributes["input.mime_type"] == "application/json"
    if span.kind is SpanKind.TOOL:
        assert attributes["tool.name"] == span.name
        json.loads(attributes["tool.parameters"])


def check_genai(span: Span) -> None:
    attributes = span.attributes
    assert span.kind is GENAI_KINDS[attributes["gen_ai.operation.name"]]
    inputs, outputs = semconv.messages(attributes)
    # semconv would put `gen_ai.system_instructions` first; the demo, like OpenAI's
    # instrumentation, keeps the system prompt in the chat history instead.
    assert "gen_ai.system_instructions" not in attributes
    assert inputs == genai_messages(attributes.get("gen_ai.input.messages"))
    assert outputs == genai_messages(attributes.get("gen_ai.output.messages"))
    if span.kind is not SpanKind.TOOL and span.status_code is not StatusCode.ERROR:
        assert inputs
        assert outputs
    if span.kind is SpanKind.TOOL:
        assert span.name == f"execute_tool {attributes['gen_ai.tool.name']}"
        json.loads(attributes["gen_ai.tool.call.arguments"])
    if span.status_code is StatusCode.ERROR:
        assert attributes["error.type"]


def test_messages_and_content_follow_the_conventions(demo: list[IncomingSpan]) -> None:
    for span in spans_of(demo):
        if "openinference.span.kind" in span.attributes:
            check_openinference(span)
        else:
            check_genai(span)


def test_tool_spans_keep_their_input_and_output(demo: list[IncomingSpan]) -> None:
    tools = [span for span in spans_of(demo) if span.kind is SpanKind.TOOL]
    assert tools
    # Their mime types are semconv's business (the typed-fields test covers them); what
    # matters here is that arguments and results reach the typed fields as JSON text.
    for span in tools:
        json.loads(span.input_value or "")
        if not span.status_message.startswith(("TimeoutError", "QueryCanceled")):
            json.loads(span.output_value or "")


def test_genai_chat_spans_show_their_messages_as_input_and_output(
    demo: list[IncomingSpan],
) -> None:
    # What semconv makes of GenAI chat spans: the encoded messages are the values.
    chats = [
        span for span in spans_of(demo) if span.attributes.get("gen_ai.operation.name") == "chat"
    ]
    assert chats
    for span in chats:
        assert span.input_value == span.attributes["gen_ai.input.messages"]
        assert span.output_value == span.attributes.get("gen_ai.output.messages")


def test_token_totals_add_up(demo: list[IncomingSpan]) -> None:
    counted = [span for span in spans_of(demo) if span.total_tokens is not None]
    assert len(counted) > 500
    for span in counted:
        assert span.total_tokens == (span.prompt_tokens or 0) + (span.completion_tokens or 0)


def test_llm_models_are_named(demo: list[IncomingSpan]) -> None:
    models = {span.model_name for span in spans_of(demo) if span.kind is SpanKind.LLM}
    assert None not in models
    assert any(model and model.startswith("gpt-4o-mini") for model in models)
    assert any(model and model.startswith("claude-3-5-sonnet") for model in models)


# --- speed -----------------------------------------------------------------------------


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    generate_demo_traces(now=NOW)
    assert time.perf_counter() - started < 1.0
