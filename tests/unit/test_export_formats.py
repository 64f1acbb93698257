"""The export encoders on their own: rules at the edges, without a database."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

from annotrace.exports import chat, preferences
from annotrace.exports.chat import OpenAIChatWriter, chat_example
from annotrace.exports.preferences import PreferencePairsWriter
from annotrace.exports.records import ExportAnnotation, ExportGold, ExportSpan, iso, span_record
from annotrace.exports.table import FIXED_COLUMNS, CsvWriter

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def span(**fields: object) -> ExportSpan:
    base = ExportSpan(
        project="p",
        trace_id="t" * 32,
        span_id="s" * 16,
        parent_span_id=None,
        kind="LLM",
        name="ChatCompletion",
        status="OK",
        start_time=AT,
        end_time=AT,
        model=None,
        input="Hi",
        output="Hello",
        input_messages=[],
        output_messages=[],
        prompt_tokens=None,
        completion_tokens=None,
        total_tokens=None,
        attributes={},
        corrected_output=None,
        corrected_by=None,
        corrected_at=None,
        annotations=[],
        notes=[],
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def annotation(
    name: str, label_type: str | None, value: object, **fields: object
) -> ExportAnnotation:
    base = ExportAnnotation(
        name=name,
        label_type=label_type,
        label_settings=None,
        value=value,
        label=None,
        score=None,
        reason=None,
        annotator="ana",
        source="human",
        kind="annotation",
        created_at=AT,
        updated_at=AT,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_times_are_iso_8601_utc_with_z() -> None:
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"
    assert iso(None) is None
    assert span_record(span())["start_time"] == "2026-11-01T12:00:00Z"


def test_typed_values_keep_one_type_per_key() -> None:
    record = span_record(span(annotations=[annotation("free", None, None, label="ok", score=0.5)]))[
        "annotations"
    ][0]
    assert (record["value"], record["value_float"], record["value_str_list"]) == (None, None, None)
    assert record["value_bool"] is None
    stars = span_record(span(annotations=[annotation("s", "star", 4)]))["annotations"][0]
    assert stars["value_float"] == 4.0


def test_chat_examples_keep_tool_calls_and_refuse_what_is_not_chat() -> None:
    tool_call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    example = chat_example(
        span(
            input_messages=[{"role": "user", "content": "Weather?"}],
            output_messages=[{"role": "assistant", "content": None, "tool_calls": [tool_call]}],
        )
    )
    assert example == [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [tool_call]},
    ]
    assert chat_example(span(kind="TOOL")) == chat.NOT_LLM
    assert chat_example(span(input="  ")) == chat.NO_INPUT
    assert chat_example(span(input='[{"x": 1}]')) == chat.JSON_INPUT
    # Text that merely starts like JSON is a prompt all the same.
    assert chat_example(span(input="[draft] fix this"))[0] == {
        "role": "user",
        "content": "[draft] fix this",
    }
    assert chat_example(span(output=None)) == chat.NO_OUTPUT
    fixed = chat_example(span(output=None, corrected_output="Better"))
    assert fixed[-1] == {"role": "assistant", "content": "Better"}
    writer = OpenAIChatWriter()
    lines = writer.write([span(), span(kind="CHAIN")]) + writer.finish()
    assert [json.loads(line) for line in lines.splitlines()] == [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ]
    assert (writer.records, dict(writer.skipped)) == (1, {chat.NOT_LLM: 1})


def test_csv_label_columns_never_hide_fixed_ones_and_match_names_ignoring_case() -> None:
    writer = CsvWriter(["input", "Tone"])
    content = writer.start() + writer.write(
        [
            span(
                annotations=[
                    annotation("input", "text", "x", label="x"),
                    annotation("tone", None, None, label="warm", annotator="ben"),
                    annotation("Tone", None, None, score=2.0, annotator="ana"),
                ]
            )
        ]
    )
    (row,) = csv.DictReader(io.StringIO(content.decode()))
    assert row["input"] == "Hi"
    assert row["label:input"] == "x"
    assert row["Tone"] == "2 | warm"  # ana, then ben


def test_csv_gold_columns_never_meet_label_columns() -> None:
    gold = ExportGold(
        name="Tone",
        label_id="lbl_1",
        label_type="numeric",
        value=2.5,
        label=None,
        score=2.5,
        reason=None,
        decided_by="lead",
        decided_at=AT,
    )
    writer = CsvWriter(["gold.tone", "notes_json", "Tone"], ["Tone"])
    content = writer.start() + writer.write(
        [
            span(
                annotations=[
                    annotation("gold.tone", None, None, label="a label so named"),
                    annotation("tone", None, None, score=1.0),
                ],
                gold=[gold],
            ),
            span(span_id="e" * 16),
        ]
    )
    first, second = csv.DictReader(io.StringIO(content.decode()))
    assert list(first)[len(FIXED_COLUMNS) :] == [
        "label:gold.tone",
        "label:notes_json",
        "Tone",
        "gold.Tone",
        "notes_json",
        "annotations_json",
        "gold_json",
    ]
    assert (first["label:gold.tone"], first["Tone"], first["gold.Tone"]) == (
        "a label so named",
        "1",
        "2.5",
    )
    assert json.loads(first["gold_json"]) == [
        {
            "name": "Tone",
            "label_id": "lbl_1",
            "value": None,
            "value_float": 2.5,
            "value_str_list": None,
            "value_bool": None,
            "label": None,
            "score": 2.5,
            "reason": None,
            "decided_by": "lead",
            "decided_at": "2026-11-01T12:00:00Z",
        }
    ]
    assert (second["gold.Tone"], second["gold_json"]) == ("", "[]")


def test_preference_pairs_at_the_edges() -> None:
    def judged(span_id: str, output: str, up: bool) -> ExportSpan:
        return span(
            span_id=span_id, output=output, annotations=[annotation("thumbs", "thumbs_up_down", up)]
        )

    writer = PreferencePairsWriter()
    out = writer.write([judged("a" * 16, "A", True), judged("b" * 16, "B", True)])
    out += writer.write([judged("c" * 16, "C", False), span(span_id="d" * 16, input="Other")])
    out += writer.finish()
    pairs = [json.loads(line) for line in out.splitlines()]
    # The group runs across batches; ties give no pair, the best is paired with each worse.
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [("A", "C")]
    assert dict(writer.skipped) == {preferences.ALONE: 1, preferences.NO_SIGNAL: 1}
    # Eval scores are not people's preferences; a named label without a range counts raw.
    scored = [
        span(
            span_id="e" * 16,
            output="E",
            annotations=[annotation("Quality", "categorical", ["good"], score=0.9)],
        ),
        span(
            span_id="f" * 16,
            output="F",
            annotations=[
                annotation("Quality", "categorical", ["bad"], score=0.1),
                annotation("judge", None, None, score=1.0, source="eval"),
            ],
        ),
    ]
    default = PreferencePairsWriter()
    assert default.write(scored) + default.finish() == b""
    named = PreferencePairsWriter("quality")
    (pair,) = (named.write(scored) + named.finish()).splitlines()
    assert (json.loads(pair)["chosen"], json.loads(pair)["rejected_score"]) == ("E", 0.1)
