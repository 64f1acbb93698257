"""Typed span fields read out of OpenInference and OpenTelemetry GenAI attributes.

OpenInference attributes win over GenAI ones when a span carries both: instrumentations
that emit both treat OpenInference as their primary vocabulary, and its values are the
more complete ones. Every function here is pure and never raises on odd attribute values,
because attributes come straight from the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from annotrace.domain.spans import JsonObject, Message, SpanKind

Attributes = Mapping[str, Any]

DEFAULT_PROJECT = "default"
# What the storage columns hold: a signed 64-bit count, a mime type of 100 characters.
MAX_COUNT = 2**63 - 1
MAX_MIME_TYPE_LENGTH = 100

_KIND_BY_NAME = {kind.value: kind for kind in SpanKind}
_KIND_BY_GENAI_OPERATION = {
    "chat": SpanKind.LLM,
    "text_completion": SpanKind.LLM,
    "generate_content": SpanKind.LLM,
    "embeddings": SpanKind.EMBEDDING,
    "execute_tool": SpanKind.TOOL,
    "create_agent": SpanKind.AGENT,
    "invoke_agent": SpanKind.AGENT,
    "invoke_workflow": SpanKind.CHAIN,
}

_FLATTENED_PREFIXES = ("llm.input_messages.", "llm.output_messages.")


class TokenCounts(NamedTuple):
    prompt: int | None
    completion: int | None
    total: int | None


class TypedFields(NamedTuple):
    """The fields of a span that annotrace reads out of its attributes."""

    kind: SpanKind
    input_value: str | None
    input_mime_type: str | None
    output_value: str | None
    output_mime_type: str | None
    model_name: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None


class _Direction(NamedTuple):
    value_key: str
    mime_key: str
    messages_key: str
    tool_key: str
    legacy_key: str
    # Used when a message has no role; the direction is the only hint left.
    default_role: str


_INPUT = _Direction(
    "input.value",
    "input.mime_type",
    "gen_ai.input.messages",
    "gen_ai.tool.call.arguments",
    "gen_ai.prompt",
    "user",
)
_OUTPUT = _Direction(
    "output.value",
    "output.mime_type",
    "gen_ai.output.messages",
    "gen_ai.tool.call.result",
    "gen_ai.completion",
    "assistant",
)
_MODEL_KEYS = (
    "llm.model_name",
    "embedding.model_name",
    "reranker.model_name",
    "gen_ai.response.model",
    "gen_ai.request.model",
)


def typed_fields(attributes: Attributes) -> TypedFields:
    """Everything annotrace reads from a span's attributes, in one call."""
    input_value, input_mime_type = _value(attributes, _INPUT)
    output_value, output_mime_type = _value(attributes, _OUTPUT)
    tokens = token_counts(attributes)
    return TypedFields(
        kind=span_kind(attributes),
        input_value=input_value,
        input_mime_type=input_mime_type,
        output_value=output_value,
        output_mime_type=output_mime_type,
        model_name=model_name(attributes),
        prompt_tokens=tokens.prompt,
        completion_tokens=tokens.completion,
        total_tokens=tokens.total,
    )


def project_name(resource_attributes: Attributes, header_project: str | None) -> str:
    """The project a resource's spans belong to.

    An explicit OpenInference project beats the X-Project header, which beats the
    service name, so that one collector can fan in many services per project.
    """
    for candidate in (
        resource_attributes.get("openinference.project.name"),
        header_project,
        resource_attributes.get("service.name"),
    ):
        if isinstance(candidate, str) and (name := candidate.strip()):
            return name
    return DEFAULT_PROJECT


def span_kind(attributes: Attributes) -> SpanKind:
    """OpenInference's declared kind, else one implied by the GenAI operation name."""
    declared = attributes.get("openinference.span.kind")
    if declared is not None:
        if isinstance(declared, str):
            return _KIND_BY_NAME.get(declared.strip().upper(), SpanKind.UNKNOWN)
        return SpanKind.UNKNOWN
    operation = attributes.get("gen_ai.operation.name")
    if not isinstance(operation, str):
        return SpanKind.UNKNOWN
    operation = operation.strip().lower()
    kind = _KIND_BY_GENAI_OPERATION.get(operation)
    if kind is not None:
        return kind
    # Agent frameworks invent their own operation names, nearly all containing "agent".
    return SpanKind.AGENT if "agent" in operation else SpanKind.UNKNOWN


def messages(attributes: Attributes) -> tuple[tuple[Message, ...], tuple[Message, ...]]:
    """Input and output chat messages, in OpenAI's chat shape."""
    flattened_input, flattened_output = _group_flattened_messages(attributes)
    if flattened_input:
        inputs = _flattened_messages(flattened_input, _INPUT.default_role)
    else:
        inputs = _genai_system_instructions(attributes) + _genai_messages(
            attributes.get(_INPUT.messages_key), _INPUT.default_role
        )
    if flattened_output:
        outputs = _flattened_messages(flattened_output, _OUTPUT.default_role)
    else:
        outputs = _genai_messages(attributes.get(_OUTPUT.messages_key), _OUTPUT.default_role)
    return inputs, outputs


def model_name(attributes: Attributes) -> str | None:
    """The model that answered, falling back to the one requested."""
    for key in _MODEL_KEYS:
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def token_counts(attributes: Attributes) -> TokenCounts:
    """Token usage; counts that are not non-negative whole numbers read as unknown."""
    prompt = _first_count(attributes, "llm.token_count.prompt", "gen_ai.usage.input_tokens")
    completion = _first_count(
        attributes, "llm.token_count.completion", "gen_ai.usage.output_tokens"
    )
    total = _count(attributes.get("llm.token_count.total"))
    if total is None and (prompt is not None or completion is not None):
        total = _count((prompt or 0) + (completion or 0))
    return TokenCounts(prompt, completion, total)


def _value(attributes: Attributes, direction: _Direction) -> tuple[str | None, str | None]:
    value = attributes.get(direction.value_key)
    if value is not None:
        mime = attributes.get(direction.mime_key)
        valid_mime = isinstance(mime, str) and len(mime) <= MAX_MIME_TYPE_LENGTH
        return _as_text(value), mime if valid_mime else None
    genai_messages = attributes.get(direction.messages_key)
    if genai_messages is not None:
        return _as_text(genai_messages), "application/json"
    # GenAI tool spans carry their arguments and result, as text or structured values.
    tool_value = attributes.get(direction.tool_key)
    if tool_value is not None:
        return _as_text(tool_value), None if isinstance(tool_value, str) else "application/json"
    legacy = attributes.get(direction.legacy_key)
    if legacy is not None:
        return _as_text(legacy), None
    return None, None


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _optional_text(value: object) -> str | None:
    return None if value is None else _as_text(value)


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _load_json(value: object) -> object:
    """Parsed JSON for strings, the value itself otherwise; None for malformed JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = _number_from_text(value)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    if isinstance(value, int) and 0 <= value <= MAX_COUNT:
        return value
    return None


def _number_from_text(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _first_count(attributes: Attributes, *keys: str) -> int | None:
    for key in keys:
        count = _count(attributes.get(key))
        if count is not None:
            return count
    return None


# --- OpenInference flattened messages -------------------------------------------------

_FLATTENED_KEY = re.compile(
    r"llm\.(?P<direction>input|output)_messages\.(?P<index>\d+)\.message\."
    r"(?:contents\.(?P<part>\d+)\.message_content\.|tool_calls\.(?P<call>\d+)\.tool_call\.)?"
    r"(?P<field>.+)",
    re.ASCII,
)

Fields = dict[str, Any]


class _FlatMessage:
    """The flattened attributes of one message, nested lists kept apart by index."""

    __slots__ = ("fields", "parts", "tool_calls")

    def __init__(self) -> None:
        self.fields: Fields = {}
        self.parts: dict[str, Fields] = {}
        self.tool_calls: dict[str, Fields] = {}


def _group_flattened_messages(
    attributes: Attributes,
) -> tuple[dict[str, _FlatMessage], dict[str, _FlatMessage]]:
    """`llm.{input,output}_messages.{i}.message.*` grouped by direction and index."""
    inputs: dict[str, _FlatMessage] = {}
    outputs: dict[str, _FlatMessage] = {}
    # The prefix test is cheap; most spans have no such keys and never reach the regex.
    for key in [key for key in attributes if key.startswith(_FLATTENED_PREFIXES)]:
        match = _FLATTENED_KEY.fullmatch(key)
        if match is None:
            continue
        direction, index, part, call, field = match.groups()
        groups = inputs if direction == "input" else outputs
        message = groups.get(index)
        if message is None:
            message = groups[index] = _FlatMessage()
        if part is not None:
            target = message.parts.setdefault(part, {})
        elif call is not None:
            target = message.tool_calls.setdefault(call, {})
        else:
            target = message.fields
        target[field] = attributes[key]
    return inputs, outputs


def _in_index_order(items: dict[str, Any]) -> list[Any]:
    # Numeric order keeps item 10 after item 9; the keys are digit strings, sorted as text
    # they would not be. Converting only here saves an int() per attribute.
    return [items[index] for index in sorted(items, key=int)]


def _flattened_messages(groups: dict[str, _FlatMessage], default_role: str) -> tuple[Message, ...]:
    return tuple(_flattened_message(message, default_role) for message in _in_index_order(groups))


def _flattened_message(message: _FlatMessage, default_role: str) -> Message:
    fields = message.fields
    content = fields.get("content")
    if content is None and message.parts:
        texts = [
            part["text"]
            for part in _in_index_order(message.parts)
            if isinstance(part.get("text"), str) and part.get("type", "text") == "text"
        ]
        content = "\n".join(texts) if texts else None
    tool_calls = (
        tuple(
            _tool_call(call.get("id"), call.get("function.name"), call.get("function.arguments"))
            for call in _in_index_order(message.tool_calls)
        )
        if message.tool_calls
        else ()
    )
    role = fields.get("role")
    return Message(
        role=role if isinstance(role, str) and role else default_role,
        content=_optional_text(content),
        name=_optional_str(fields.get("name")),
        tool_call_id=_optional_str(fields.get("tool_call_id")),
        tool_calls=tool_calls,
    )


def _tool_call(call_id: object, name: object, arguments: object) -> JsonObject:
    return {
        "id": _optional_str(call_id),
        "type": "function",
        "function": {"name": _optional_str(name), "arguments": _optional_text(arguments)},
    }


# --- GenAI semantic conventions -------------------------------------------------------


def _genai_system_instructions(attributes: Attributes) -> tuple[Message, ...]:
    raw = attributes.get("gen_ai.system_instructions")
    parsed = _load_json(raw)
    if isinstance(parsed, list):
        content = _joined_text_parts(parsed)
    else:
        # A plain instruction string is not JSON; take it as it is.
        content = raw if isinstance(raw, str) and raw else None
    return (Message(role="system", content=content),) if content else ()


def _genai_messages(raw: object, default_role: str) -> tuple[Message, ...]:
    parsed = _load_json(raw)
    if not isinstance(parsed, list):
        return ()
    return tuple(
        message
        for item in parsed
        if isinstance(item, dict)
        for message in _genai_message(item, default_role)
    )


def _genai_message(item: dict[str, Any], default_role: str) -> list[Message]:
    """One GenAI message; tool results become one OpenAI `tool` message each."""
    role = item.get("role")
    role = role if isinstance(role, str) and role else default_role
    name = _optional_str(item.get("name"))
    parts = item.get("parts")
    if not isinstance(parts, list):
        # Pre-"parts" GenAI instrumentations sent OpenAI's {"role", "content"} directly.
        return [Message(role=role, content=_optional_text(item.get("content")), name=name)]
    parts = [part for part in parts if isinstance(part, dict)]
    tool_calls = tuple(
        _tool_call(part.get("id"), part.get("name"), part.get("arguments"))
        for part in parts
        if part.get("type") == "tool_call"
    )
    replies = [
        Message(
            role="tool",
            content=_optional_text(part.get("response")),
            tool_call_id=_optional_str(part.get("id")),
        )
        for part in parts
        if part.get("type") == "tool_call_response"
    ]
    content = _joined_text_parts(parts)
    if replies and content is None and not tool_calls:
        return replies
    return [Message(role=role, content=content, name=name, tool_calls=tool_calls), *replies]


def _joined_text_parts(parts: list[Any]) -> str | None:
    texts = [
        part["content"]
        for part in parts
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("content"), str)
    ]
    return "\n".join(texts) if texts else None
