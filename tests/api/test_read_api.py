"""The read API: projects, traces (paginated), a trace's span tree, one span."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from annotrace.storage.engine import Database
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import BASE_TIME, make_span, make_trace, span_id, trace_id

pytestmark = pytest.mark.anyio


async def project_id(client: httpx.AsyncClient, auth: dict[str, str], name: str) -> str:
    projects = (await client.get("/api/v1/projects", headers=auth)).json()
    return next(project["id"] for project in projects if project["name"] == name)


async def test_projects_with_counts(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    principal = principal_of(database)
    store(database, principal, make_trace(project="bot", size=4) + make_trace(project="bot"))
    store(database, principal, make_trace(project="rag", size=5))
    response = await client.get("/api/v1/projects", headers=auth)
    assert response.status_code == 200
    projects = {project["name"]: project for project in response.json()}
    assert (projects["bot"]["trace_count"], projects["bot"]["span_count"]) == (2, 7)
    assert (projects["rag"]["trace_count"], projects["rag"]["span_count"]) == (1, 5)
    assert projects["bot"]["id"].startswith("prj_")
    assert projects["bot"]["last_trace_at"].startswith("2026-11-01T12:00:00")


async def test_traces_newest_first_with_cursor_pagination(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    principal = principal_of(database)
    spans = []
    for minute in range(25):
        spans += make_trace(project="bot", start=BASE_TIME + timedelta(minutes=minute))
    # Two traces starting at the same instant: the cursor must not lose or repeat one.
    spans += make_trace(project="bot", start=BASE_TIME + timedelta(minutes=10))
    store(database, principal, spans)
    project = await project_id(client, auth, "bot")

    seen: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (
            await client.get(f"/api/v1/projects/{project}/traces", headers=auth, params=params)
        ).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 26
    assert len({trace["trace_id"] for trace in seen}) == 26
    starts = [trace["start_time"] for trace in seen]
    assert starts == sorted(starts, reverse=True)
    first = seen[0]
    assert first["root_span"]["name"] == "agent"
    assert first["root_span"]["kind"] == "AGENT"
    assert first["span_count"] == 3
    assert first["total_tokens"] == 120
    assert first["status"] == "OK"
    assert first["duration_ms"] == 1000


async def test_traces_in_a_time_range(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    principal = principal_of(database)
    for hour in range(5):
        store(
            database, principal, make_trace(project="bot", start=BASE_TIME + timedelta(hours=hour))
        )
    project = await project_id(client, auth, "bot")
    response = await client.get(
        f"/api/v1/projects/{project}/traces",
        headers=auth,
        params={
            "start_time": (BASE_TIME + timedelta(hours=1)).isoformat(),
            "end_time": (BASE_TIME + timedelta(hours=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    hours = [item["start_time"][11:13] for item in response.json()["items"]]
    assert hours == ["14", "13"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"start_time": "yesterday"}, "query.start_time"),
    ],
)
async def test_bad_listing_parameters_name_the_field(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], params, field
) -> None:
    store(database, principal_of(database), make_trace(project="bot"))
    project = await project_id(client, auth, "bot")
    response = await client.get(f"/api/v1/projects/{project}/traces", headers=auth, params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_unknown_project_is_404(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await client.get("/api/v1/projects/prj_nope/traces", headers=auth)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "project 'prj_nope' not found",
        "field": None,
        "expected": None,
        "details": [],
    }


async def test_trace_with_its_span_tree(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    trace = trace_id()
    root = make_span(trace=trace, name="root", duration_ms=500)
    child = make_span(
        trace=trace,
        parent=root.span.span_id,
        name="child",
        start=BASE_TIME + timedelta(seconds=0.1),
    )
    grandchild = make_span(
        trace=trace,
        parent=child.span.span_id,
        name="grandchild",
        start=BASE_TIME + timedelta(seconds=0.2),
    )
    orphan = make_span(trace=trace, parent=span_id(), name="orphan")
    store(database, principal_of(database), [grandchild, orphan, child, root])
    response = await client.get(f"/api/v1/traces/{trace}", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["span_count"] == 4
    names = [(node["name"], [c["name"] for c in node["children"]]) for node in body["spans"]]
    assert names == [("root", ["child"]), ("orphan", [])]
    assert body["spans"][0]["children"][0]["children"][0]["name"] == "grandchild"
    assert body["spans"][1]["parent_span_id"] == orphan.span.parent_span_id


async def test_one_span_with_everything(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    spans = make_trace(project="bot")
    store(database, principal_of(database), spans)
    llm = spans[1].span
    response = await client.get(f"/api/v1/spans/{llm.span_id.upper()}", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["span_id"] == llm.span_id
    assert body["trace_id"] == llm.trace_id
    assert body["parent_span_id"] == spans[0].span.span_id
    assert body["kind"] == "LLM"
    assert body["model_name"] == "gpt-4o-mini"
    assert body["input_messages"] == [{"role": "user", "content": "What is the refund policy?"}]
    assert body["attributes"]["openinference.span.kind"] == "LLM"
    assert body["duration_ms"] == 100


async def test_a_span_id_in_two_traces_asks_for_the_trace(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str]
) -> None:
    shared = span_id()
    first, second = make_span(span=shared, name="one"), make_span(span=shared, name="two")
    store(database, principal_of(database), [first, second])
    response = await client.get(f"/api/v1/spans/{shared}", headers=auth)
    assert response.status_code == 409
    assert "?trace_id=" in response.json()["error"]["message"]
    chosen = await client.get(
        f"/api/v1/spans/{shared}", headers=auth, params={"trace_id": second.span.trace_id}
    )
    assert chosen.json()["name"] == "two"


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/spans/xyz", "span_id"), ("/api/v1/traces/" + "0" * 32, "trace_id")],
)
async def test_malformed_ids_are_422(
    client: httpx.AsyncClient, auth: dict[str, str], path: str, field: str
) -> None:
    response = await client.get(path, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/v1/traces",
        "/api/v1/projects",
        "/api/v1/projects/{project_id}/traces",
        "/api/v1/traces/{trace_id}",
        "/api/v1/spans/{span_id}",
        "/healthz",
    ):
        assert path in spec["paths"], path
    schemes = spec["components"]["securitySchemes"]
    assert {scheme.get("name") for scheme in schemes.values()} >= {"X-Api-Key", "X-Secret-Key"}
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_unknown_endpoint_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
