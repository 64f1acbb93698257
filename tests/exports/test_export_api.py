"""POST /api/v1/exports: every format, read back by pandas, pyarrow and datasets, on both
databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pyarrow.parquet
import pytest

from annotrace.exports import chat, preferences
from annotrace.exports.parquet import SCHEMA
from tests.exports.conftest import QUESTION, Shop, export
from tests.exports.readers import check_readable, with_datasets, with_pandas, with_pyarrow

pytestmark = pytest.mark.anyio

ROLES = ["agent", "chat", "tool", "rival", "plain", "json_input", "silent"]  # by start time


def lines(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in response.content.splitlines()]


async def test_jsonl_has_every_span_with_annotations_notes_and_correction(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, tmp_path: Path
) -> None:
    response = await export(client, auth, shop, "jsonl")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["x-annotrace-span-count"] == "7"
    assert response.headers["content-disposition"] == 'attachment; filename="shop.jsonl"'
    records = lines(response)
    assert [record["span_id"] for record in records] == [shop.spans[role] for role in ROLES]
    chat_record = records[1]
    assert chat_record["trace_id"] == shop.traces["chat"]
    assert chat_record["kind"] == "LLM"
    assert chat_record["model"] == "gpt-4o"
    assert chat_record["input"] == QUESTION
    assert chat_record["start_time"] == "2026-11-01T12:00:01Z"
    assert [m["role"] for m in chat_record["input_messages"]] == ["system", "user"]
    assert chat_record["notes"][0]["text"] == "model answer, fine"
    by_key = {(a["name"], a["annotator"]): a for a in chat_record["annotations"]}
    assert len(by_key) == 7
    assert by_key[("verdict", "ana")]["value_str_list"] == ["good"]
    assert by_key[("verdict", "ben")]["label"] == "meh"
    assert by_key[("stars", "ana")]["value_float"] == 5.0
    assert by_key[("thumbs", "ana")]["value_bool"] is True
    assert by_key[("quality", "ana")]["value"] == "concise"
    assert by_key[("topics", "ana")]["value_str_list"] == ["shipping", "refunds"]
    faithfulness = by_key[("faithfulness", "judge")]
    assert (faithfulness["source"], faithfulness["kind"], faithfulness["score"]) == (
        "eval",
        "eval",
        0.25,
    )
    assert by_key[("verdict", "ana")]["source"] == "api"
    assert by_key[("verdict", "ana")]["created_at"].endswith("Z")
    plain = records[4]
    assert plain["output"] == "Hi!"
    assert plain["corrected_output"] == "Hello! How can I help?"
    assert plain["corrected_by"] == "ana"
    assert records[0]["corrected_output"] is None
    # Gold values, typed as annotations are, by label name.
    stars, verdict = chat_record["gold"]
    assert verdict == {
        "name": "verdict",
        "label_id": shop.labels["verdict"],
        "value": None,
        "value_float": None,
        "value_str_list": ["good"],
        "value_bool": None,
        "label": "good",
        "score": None,
        "reason": "ana was right",
        "decided_by": verdict["decided_by"],
        "decided_at": verdict["decided_at"],
    }
    assert verdict["decided_by"].startswith("api-key:")  # the key that added the gold item
    assert verdict["decided_at"].endswith("Z")
    assert (stars["name"], stars["value_float"], stars["score"]) == ("stars", 4.0, 4.0)
    rival = records[3]
    assert [(g["name"], g["value"], g["value_bool"], g["label"]) for g in rival["gold"]] == [
        ("quality", "vague", None, "vague"),
        ("thumbs", None, False, "thumbs_down"),
    ]
    assert {g["decided_by"] for g in rival["gold"]} == {"lead"}
    assert [
        record["gold"]
        for record in records
        if record["span_id"] not in (shop.spans["chat"], shop.spans["rival"])
    ] == [[]] * 5
    # The annotations are the annotators' alone.
    assert len(by_key) == 7
    check_readable(response.content, "jsonl", tmp_path, rows=7)
    frame = with_pandas(response.content, "jsonl")
    assert frame["gold"][1][1]["value_str_list"] == ["good"]
    table = with_pyarrow(response.content, "jsonl")
    assert table.column("gold").to_pylist()[3][1]["value_bool"] is False
    loaded = with_datasets(response.content, "jsonl", tmp_path)
    assert loaded[1]["gold"][0]["value_float"] == 4.0


async def test_the_filter_selects_what_is_exported(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    where = {"type": "annotation", "label": "thumbs", "value": {"op": "eq", "value": "thumbs_up"}}
    response = await export(client, auth, shop, "jsonl", where)
    assert response.headers["x-annotrace-span-count"] == "1"
    assert [record["span_id"] for record in lines(response)] == [shop.spans["chat"]]
    response = await export(client, auth, shop, "jsonl", {"type": "correction"})
    assert [record["span_id"] for record in lines(response)] == [shop.spans["plain"]]


async def test_csv_has_a_column_per_label(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, tmp_path: Path
) -> None:
    response = await export(client, auth, shop, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    header = list(rows[0])
    labels = ["faithfulness", "helpfulness", "quality", "stars", "thumbs", "topics", "verdict"]
    gold = ["gold.quality", "gold.stars", "gold.thumbs", "gold.verdict"]
    assert header[header.index("total_tokens") + 1 :] == [
        *labels,
        *gold,
        "notes_json",
        "annotations_json",
        "gold_json",
    ]
    chat_row, rival_row = rows[1], rows[3]
    assert chat_row["verdict"] == "good | meh"  # ana, then ben
    assert chat_row["stars"] == "5"
    assert chat_row["thumbs"] == "thumbs_up"
    assert chat_row["topics"] == "shipping, refunds"
    assert chat_row["faithfulness"] == "0.25"
    assert chat_row["helpfulness"] == ""
    assert rival_row["helpfulness"] == "1.5"
    assert rows[4]["corrected_output"] == "Hello! How can I help?"
    assert len(json.loads(chat_row["annotations_json"])) == 7
    assert json.loads(chat_row["notes_json"])[0]["annotator"] == "ana"
    # Gold values apart from the annotators' values: a column each, and whole in gold_json.
    assert (chat_row["gold.verdict"], chat_row["gold.stars"], chat_row["gold.thumbs"]) == (
        "good",
        "4",
        "",
    )
    assert (rival_row["gold.thumbs"], rival_row["gold.quality"]) == ("thumbs_down", "vague")
    assert [g["name"] for g in json.loads(chat_row["gold_json"])] == ["stars", "verdict"]
    assert json.loads(rows[0]["gold_json"]) == []
    check_readable(response.content, "csv", tmp_path, rows=7)
    frame = with_pandas(response.content, "csv")
    assert frame["gold.stars"].tolist()[1] == 4.0  # a number column
    assert frame["gold.verdict"].tolist()[1] == "good"
    assert with_pyarrow(response.content, "csv").column("gold.stars").type == pyarrow.int64()
    loaded = with_datasets(response.content, "csv", tmp_path)
    assert loaded[3]["gold.thumbs"] == "thumbs_down"


async def test_parquet_has_a_fixed_schema(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, tmp_path: Path
) -> None:
    response = await export(client, auth, shop, "parquet")
    table = pyarrow.parquet.read_table(io.BytesIO(response.content))
    assert table.schema.equals(SCHEMA)
    records = table.to_pylist()
    assert records[1]["start_time"].isoformat() == "2026-11-01T12:00:01+00:00"
    stars = next(a for a in records[1]["annotations"] if a["name"] == "stars")
    assert stars["value_float"] == 5.0
    assert records[4]["corrected_output"] == "Hello! How can I help?"
    gold_stars, gold_verdict = records[1]["gold"]
    assert (gold_stars["value_float"], gold_verdict["value_str_list"]) == (4.0, ["good"])
    assert gold_verdict["reason"] == "ana was right"
    assert gold_verdict["label_id"] == shop.labels["verdict"]
    assert gold_verdict["decided_at"].tzinfo is not None
    assert [(g["name"], g["value"], g["value_bool"]) for g in records[3]["gold"]] == [
        ("quality", "vague", None),
        ("thumbs", None, False),
    ]
    assert records[0]["gold"] == []
    check_readable(response.content, "parquet", tmp_path, rows=7)
    frame = with_pandas(response.content, "parquet")
    assert frame["gold"][3][1]["decided_by"] == "lead"
    loaded = with_datasets(response.content, "parquet", tmp_path)
    assert loaded[1]["gold"][1]["label"] == "good"
    # No span matches: the schema is the same.
    where = {"type": "span", "field": "name", "op": "eq", "value": "nothing"}
    empty = await export(client, auth, shop, "parquet", where)
    assert pyarrow.parquet.read_table(io.BytesIO(empty.content)).schema.equals(SCHEMA)


async def test_openai_chat_uses_corrections_and_reports_what_it_skips(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, tmp_path: Path
) -> None:
    response = await export(client, auth, shop, "openai-chat")
    assert response.headers["content-disposition"].endswith('filename="shop-openai-chat.jsonl"')
    examples = [record["messages"] for record in lines(response)]
    # Messages only: gold values (like annotations) are not part of an example.
    assert {tuple(record) for record in lines(response)} == {("messages",)}
    assert examples == [
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "It ships tomorrow."},
        ],
        [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "I do not know."}],
        [
            {"role": "user", "content": "Say hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
        ],
    ]
    summary = await client.post(
        "/api/v1/exports?dry_run=true",
        headers=auth,
        json={"filter": {"project_id": shop.project_id}, "format": "openai-chat"},
    )
    assert summary.json() == {
        "format": "openai-chat",
        "spans": 7,
        "records": 3,
        "skipped": {chat.NOT_LLM: 2, chat.JSON_INPUT: 1, chat.NO_OUTPUT: 1},
    }
    assert with_datasets(response.content, "jsonl", tmp_path).num_rows == 3


async def test_preference_pairs_from_judgments_and_corrections(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop, tmp_path: Path
) -> None:
    response = await export(client, auth, shop, "preference-pairs")
    pairs = {pair["source"]: pair for pair in lines(response)}
    assert not any("gold" in key for pair in pairs.values() for key in pair)
    assert set(pairs) == {"judgments", "correction"}
    judged = pairs["judgments"]
    assert (judged["prompt"], judged["chosen"], judged["rejected"]) == (
        QUESTION,
        "It ships tomorrow.",
        "I do not know.",
    )
    assert (judged["chosen_span_id"], judged["rejected_span_id"]) == (
        shop.spans["chat"],
        shop.spans["rival"],
    )
    # chat: thumbs up and 5 of 5 stars; rival: thumbs down and 1.5 of 0..5.
    assert judged["chosen_score"] == 1.0
    assert judged["rejected_score"] == pytest.approx(0.15)
    fixed = pairs["correction"]
    assert (fixed["prompt"], fixed["chosen"], fixed["rejected"]) == (
        "Say hi",
        "Hello! How can I help?",
        "Hi!",
    )
    summary = await client.post(
        "/api/v1/exports?dry_run=true",
        headers=auth,
        json={"filter": {"project_id": shop.project_id}, "format": "preference-pairs"},
    )
    assert summary.json()["records"] == 2
    assert summary.json()["skipped"] == {preferences.NO_SIGNAL: 4}
    assert with_datasets(response.content, "jsonl", tmp_path).num_rows == 2
    by_thumbs = await export(client, auth, shop, "preference-pairs", preference_label="Thumbs")
    judged = next(pair for pair in lines(by_thumbs) if pair["source"] == "judgments")
    assert (judged["chosen_score"], judged["rejected_score"]) == (1.0, 0.0)


BAD_EXPORTS = [
    ({"filter": {"project_id": "prj_00000000000000000000"}}, 404, None),
    ({"filter": {"project_id": "PROJECT"}, "format": "xml"}, 422, "body.format"),
    (
        {"filter": {"project_id": "PROJECT", "where": {"type": "annotation", "score": {}}}},
        422,
        "body.filter.where.annotation.score",
    ),
    ({"filter": {}}, 422, "body.filter.project_id"),
    ({"filter": {"project_id": "PROJECT"}, "preference_label": ""}, 422, "body.preference_label"),
]


async def test_bad_requests_name_the_field(
    client: httpx.AsyncClient, auth: dict[str, str], shop: Shop
) -> None:
    for body, status, field in BAD_EXPORTS:
        text = json.dumps(body).replace("PROJECT", shop.project_id)
        response = await client.post(
            "/api/v1/exports", headers={**auth, "Content-Type": "application/json"}, content=text
        )
        assert response.status_code == status, response.text
        if field:
            assert response.json()["error"]["field"] == field


async def test_exports_need_a_key_of_the_workspace(
    client: httpx.AsyncClient, shop: Shop, database
) -> None:
    from tests.conftest import headers_for, make_key_pair

    body = {"filter": {"project_id": shop.project_id}}
    assert (await client.post("/api/v1/exports", json=body)).status_code == 401
    other = headers_for(make_key_pair(database, "elsewhere"))
    response = await client.post("/api/v1/exports", headers=other, json=body)
    assert response.status_code == 404
    assert shop.project_id in response.json()["error"]["message"]
    assert "shop" not in response.text
