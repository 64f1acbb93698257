"""POST /api/v1/spans/search: every condition of the filter, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from annotrace.domain.spans import SpanKind, StatusCode
from annotrace.services import search as search_service
from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.annotations import Project, make_project
from tests.support.spans import BASE_TIME, make_span

pytestmark = pytest.mark.anyio


@pytest.fixture
async def project(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Project:
    """Six spans with known annotations (spans[0] newest) and the labels of make_project."""
    spans = [
        make_span(
            name="greet",
            kind=SpanKind.CHAIN,
            project="bot",
            input_value="Hello there",
            start=BASE_TIME + timedelta(minutes=10),
        ),
        make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="bot",
            model_name="gpt-4o",
            output_value="Your refund is on its way",
            start=BASE_TIME + timedelta(minutes=9),
        ),
        make_span(
            name="lookup_order",
            kind=SpanKind.TOOL,
            project="bot",
            status=StatusCode.ERROR,
            start=BASE_TIME + timedelta(minutes=8),
        ),
        make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="bot",
            model_name="claude",
            output_value="Sorry!",
            start=BASE_TIME + timedelta(minutes=7),
        ),
        make_span(
            name="retrieve",
            kind=SpanKind.RETRIEVER,
            project="bot",
            start=BASE_TIME + timedelta(minutes=6),
        ),
        make_span(
            name="plain", kind=SpanKind.CHAIN, project="bot", start=BASE_TIME + timedelta(minutes=5)
        ),
    ]
    store(database, principal_of(database), spans)
    project = await make_project(client, database, auth, traces=0)
    project.spans = [incoming.span.span_id for incoming in spans]
    s = project.spans

    def record(span: str, *annotations: dict[str, Any]) -> dict[str, Any]:
        return {"observation_span_id": span, "annotations": list(annotations)}

    def ann(label: str, annotator: str, **value: Any) -> dict[str, Any]:
        return {"annotation_label_id": project.labels[label], "annotator_id": annotator, **value}

    response = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth,
        json={
            "records": [
                record(
                    s[0],
                    ann("verdict", "ana", value_str_list=["good"]),
                    ann("stars", "ana", value_float=5),
                ),
                record(
                    s[1],
                    ann("verdict", "ana", value_str_list=["bad"]),
                    ann("verdict", "ben", value_str_list=["good"]),
                ),
                record(s[2], ann("topics", "ana", value_str_list=["billing", "refunds"])),
                record(s[3], ann("helpfulness", "ben", value_float=2.5)),
            ]
        },
    )
    assert response.json()["result"]["errorsCount"] == 0
    await client.post(
        "/api/v1/scores",
        headers=auth,
        json={
            "scores": [
                {
                    "span_id": s[3],
                    "name": "verdict",
                    "label": "good",
                    "score": 0.9,
                    "evaluator": "judge",
                },
                {"span_id": s[4], "name": "faithfulness", "score": 0.3, "evaluator": "judge"},
            ]
        },
    )
    await client.post(
        f"/api/v1/spans/{s[5]}/notes", headers=auth, json={"text": "check", "annotator_id": "ana"}
    )
    return project


async def search(client, auth, project: Project, where: Any = None, **extra: Any) -> list[int]:
    """Positions (in project.spans) of the spans found, newest first."""
    body = {"filter": {"project_id": project.id, **({"where": where} if where else {})}, **extra}
    response = await client.post("/api/v1/spans/search", headers=auth, json=body)
    assert response.status_code == 200, response.text
    return [project.spans.index(item["span_id"]) for item in response.json()["items"]]


CASES = [
    (None, [0, 1, 2, 3, 4, 5]),
    ({"type": "span", "field": "kind", "op": "eq", "value": "llm"}, [1, 3]),
    ({"type": "span", "field": "kind", "op": "in", "values": ["TOOL", "RETRIEVER"]}, [2, 4]),
    ({"type": "span", "field": "name", "op": "contains", "value": "chatcomp"}, [1, 3]),
    ({"type": "span", "field": "status", "op": "eq", "value": "ERROR"}, [2]),
    ({"type": "span", "field": "model", "op": "eq", "value": "claude"}, [3]),
    ({"type": "text", "contains": "REFUND"}, [1]),
    ({"type": "text", "contains": "hello", "within": ["input"]}, [0]),
    ({"type": "text", "contains": "hello", "within": ["output"]}, []),
    ({"type": "text", "contains": "100%"}, []),  # % is text, not a wildcard
    ({"type": "annotation", "label": "Verdict", "value": {"op": "eq", "value": "good"}}, [0, 1, 3]),
    (
        {
            "type": "annotation",
            "label": "verdict",
            "value": {"op": "eq", "value": "good"},
            "source": "human",
        },
        [0, 1],
    ),
    ({"type": "annotation", "label": "verdict", "source": "eval"}, [3]),
    (
        {"type": "annotation", "label": "verdict", "value": {"op": "in", "values": ["bad", "meh"]}},
        [1],
    ),
    (
        {"type": "annotation", "label": "topics", "value": {"op": "contains", "value": "refunds"}},
        [2],
    ),
    (
        {"type": "annotation", "label": "topics", "value": {"op": "contains", "value": "shipping"}},
        [],
    ),
    ({"type": "annotation", "score": {"gte": 0.8}}, [0, 3]),
    ({"type": "annotation", "label": "helpfulness", "score": {"gte": 2, "lte": 3}}, [3]),
    ({"type": "annotation", "annotator": "ben"}, [1, 3]),
    ({"type": "annotation", "label": "verdict", "exists": False}, [2, 4, 5]),
    ({"type": "annotation", "exists": False}, [5]),
    ({"type": "notes"}, [5]),
    ({"type": "notes", "exists": False}, [0, 1, 2, 3, 4]),
    (
        {
            "type": "and",
            "conditions": [
                {"type": "annotation", "label": "verdict", "value": {"op": "eq", "value": "good"}},
                {"type": "span", "field": "kind", "op": "eq", "value": "LLM"},
            ],
        },
        [1, 3],
    ),
    (
        {
            "type": "or",
            "conditions": [
                {"type": "span", "field": "status", "op": "eq", "value": "ERROR"},
                {"type": "notes"},
            ],
        },
        [2, 5],
    ),
    (
        {
            "type": "not",
            "condition": {"type": "span", "field": "kind", "op": "eq", "value": "CHAIN"},
        },
        [1, 2, 3, 4],
    ),
    # Response Quality = good and score >= 0.8, by the same annotation.
    (
        {
            "type": "annotation",
            "label": "verdict",
            "value": {"op": "eq", "value": "good"},
            "score": {"gte": 0.8},
        },
        [3],
    ),
]


CASES += [
    ({"type": "text", "contains": "re"}, [0, 1]),  # too short for a trigram index
    ({"type": "text", "contains": "REFUND IS ON"}, [1]),
    ({"type": "text", "contains": "hello", "within": ["name"]}, []),
    (
        {
            "type": "not",
            "condition": {
                "type": "annotation",
                "label": "verdict",
                "value": {"op": "eq", "value": "good"},
            },
        },
        [2, 4, 5],
    ),
    ({"type": "not", "condition": {"type": "annotation", "annotator": "ana"}}, [3, 4, 5]),
    (
        {
            "type": "or",
            "conditions": [
                {"type": "annotation", "label": "topics"},
                {"type": "text", "contains": "sorry"},
            ],
        },
        [2, 3],
    ),
]


@pytest.fixture(params=["set of matches", "per span"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways a condition can be written: the set of matching spans (taken when the
    matches are few) and EXISTS per span (when they are many)."""
    few = 10**9 if request.param == "set of matches" else 0
    monkeypatch.setattr(search_service, "FEW_MATCHES", few)


@pytest.mark.parametrize(("where", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
async def test_each_condition(client, auth, project: Project, plan, where, expected) -> None:
    assert await search(client, auth, project, where) == expected


async def test_trace_id_condition(client, auth, project: Project) -> None:
    first = (await client.get(f"/api/v1/spans/{project.spans[2]}", headers=auth)).json()
    where = {"type": "span", "field": "trace_id", "op": "eq", "value": first["trace_id"].upper()}
    assert await search(client, auth, project, where) == [2]


async def test_results_carry_annotations_and_notes(client, auth, project: Project) -> None:
    body = {"filter": {"project_id": project.id, "where": {"type": "notes"}}}
    (item,) = (await client.post("/api/v1/spans/search", headers=auth, json=body)).json()["items"]
    assert [n["text"] for n in item["notes"]] == ["check"]
    assert item["gold"] == []  # gold values: tests/queues/test_queue_agreement.py
    body["filter"]["where"] = {"type": "annotation", "annotator": "judge"}
    items = (await client.post("/api/v1/spans/search", headers=auth, json=body)).json()["items"]
    assert {a["kind"] for item in items for a in item["annotations"]} == {"eval", "annotation"}


async def test_cursor_pagination_and_time_range(client, auth, project: Project) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        body: dict[str, Any] = {"filter": {"project_id": project.id}, "limit": 4}
        if cursor:
            body["cursor"] = cursor
        page = (await client.post("/api/v1/spans/search", headers=auth, json=body)).json()
        seen += [project.spans.index(item["span_id"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [0, 1, 2, 3, 4, 5]
    body = {
        "filter": {
            "project_id": project.id,
            "start_time": (BASE_TIME + timedelta(minutes=6)).isoformat(),
            "end_time": (BASE_TIME + timedelta(minutes=9)).isoformat(),
        }
    }
    found = (await client.post("/api/v1/spans/search", headers=auth, json=body)).json()["items"]
    assert [project.spans.index(item["span_id"]) for item in found] == [2, 3, 4]


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ({"type": "nope"}, "body.filter.where"),
        (
            {"type": "span", "field": "colour", "op": "eq", "value": "x"},
            "body.filter.where.span.field",
        ),
        ({"type": "span", "field": "kind", "op": "in"}, "body.filter.where.span"),
        ({"type": "annotation", "score": {}}, "body.filter.where.annotation.score"),
        (
            {"type": "annotation", "score": {"gte": 2, "lte": 1}},
            "body.filter.where.annotation.score",
        ),
        ({"type": "and", "conditions": []}, "body.filter.where.and.conditions"),
        ({"type": "text", "contains": ""}, "body.filter.where.text.contains"),
        ({"type": "annotation", "colour": "red"}, "body.filter.where.annotation.colour"),
    ],
)
async def test_invalid_filters_name_the_bad_part(client, auth, project, where, field) -> None:
    body = {"filter": {"project_id": project.id, "where": where}}
    response = await client.post("/api/v1/spans/search", headers=auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_nesting_deeper_than_the_limit_is_refused(client, auth, project: Project) -> None:
    where: dict[str, Any] = {"type": "notes"}
    for _ in range(9):
        where = {"type": "not", "condition": where}
    body = {"filter": {"project_id": project.id, "where": where}}
    response = await client.post("/api/v1/spans/search", headers=auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "where"


async def test_another_workspace_cannot_search_the_project(
    client, database: Database, project: Project
) -> None:
    stranger = headers_for(make_key_pair(database, "stranger"))
    body = {"filter": {"project_id": project.id}}
    response = await client.post("/api/v1/spans/search", headers=stranger, json=body)
    assert response.status_code == 404
