"""openai-chat: fine-tuning lines `{"messages": [...]}` from LLM spans.

The prompt is the span's input messages (a plain-text input becomes one user message);
the answer is the reviewer's corrected output where there is one, else what the model
said. A span that cannot become an example is counted under its reason.

Gold values are not part of it: an example holds messages only, and the format has no
place for labels. Export jsonl, csv or parquet for them, or choose the spans by them
(`{"type": "gold"}` in the filter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from annotrace.domain.spans import SpanKind
from annotrace.exports.base import ExportWriter
from annotrace.exports.records import ExportSpan

NOT_LLM = "not an LLM span"
NO_INPUT = "no input messages"
JSON_INPUT = "input is JSON but not chat messages"
NO_OUTPUT = "no output and no correction"


class OpenAIChatWriter(ExportWriter):
    extension = "jsonl"
    media_type = "application/x-ndjson"

    def write(self, spans: Sequence[ExportSpan]) -> bytes:
        lines = []
        for span in spans:
            example = chat_example(span)
            if isinstance(example, str):
                self.skipped[example] += 1
                continue
            self.records += 1
            lines.append(orjson.dumps({"messages": example}) + b"\n")
        return b"".join(lines)


def chat_example(span: ExportSpan) -> list[dict[str, Any]] | str:
    """The messages of a fine-tuning example, or why the span cannot give one."""
    if span.kind != SpanKind.LLM:
        return NOT_LLM
    prompt = [_clean(message) for message in span.input_messages]
    if not prompt:
        text = (span.input or "").strip()
        if not text:
            return NO_INPUT
        if _is_json(text):
            return JSON_INPUT
        prompt = [{"role": "user", "content": span.input}]
    if span.corrected_output is not None:
        return [*prompt, {"role": "assistant", "content": span.corrected_output}]
    answer = [_clean(message) for message in span.output_messages]
    if answer:
        return [*prompt, *answer]
    if span.output:
        return [*prompt, {"role": "assistant", "content": span.output}]
    return NO_OUTPUT


def _clean(message: dict[str, Any]) -> dict[str, Any]:
    # OpenAI's format: absent fields are left out, but content stays (null is allowed
    # beside tool calls).
    return {key: value for key, value in message.items() if value is not None or key == "content"}


def _is_json(text: str) -> bool:
    if text[0] not in "[{":
        return False
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True
