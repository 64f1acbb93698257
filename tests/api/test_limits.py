"""Every limit, in one table: what goes over it is refused with 413 or 422 naming the
field and what was expected, and changes nothing."""

from __future__ import annotations

import select as io_select
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from annotrace.settings import Settings
from annotrace.storage import models
from annotrace.storage.engine import Database
from tests.conftest import make_key_pair
from tests.support.annotations import Project, make_project
from tests.support.servers import LiveServer

pytestmark = pytest.mark.anyio

BODY_LIMIT = 512 * 1024
ITEM_LIMIT = 40


@pytest.fixture
def settings() -> Settings:
    return Settings(max_request_bytes=BODY_LIMIT, max_bulk_records=20, max_bulk_items=ITEM_LIMIT)


@pytest.fixture
async def project(client, database: Database, auth) -> Project:
    return await make_project(client, database, auth)


def bulk(project: Project, records: int, annotations: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "records": [
            {
                "observation_span_id": project.spans[number % len(project.spans)],
                "annotations": [
                    {
                        "annotation_label_id": project.labels["thumbs"],
                        "annotator_id": f"a{index}",
                        "value_bool": True,
                    }
                    for index in range(annotations)
                ],
                **extra,
            }
            for number in range(records)
        ]
    }


def deep_filter(project: Project, depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"type": "notes"}
    for _ in range(depth - 1):
        condition = {"type": "not", "condition": condition}
    return {"filter": {"project_id": project.id, "where": condition}}


def label(**fields: Any) -> dict[str, Any]:
    return {"name": "fresh", "type": "categorical", "settings": {"options": ["a", "b"]}} | fields


@dataclass(frozen=True)
class Limit:
    name: str
    method: str
    path: Callable[[Project], str]
    body: Callable[[Project], Any]
    status: int
    field: str


LIMITS = [
    Limit(
        "request body bytes",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(description="x" * BODY_LIMIT),
        413,
        "body",
    ),
    Limit(
        "bulk records",
        "POST",
        lambda p: "/tracer/bulk-annotation/",
        lambda p: bulk(p, 21),
        413,
        "records",
    ),
    Limit(
        "bulk annotations and notes, all records together",
        "POST",
        lambda p: "/tracer/bulk-annotation/",
        lambda p: bulk(p, 5, annotations=9),
        413,
        "records",
    ),
    Limit(
        "label name length",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(name="n" * 201),
        422,
        "name",
    ),
    Limit(
        "label description length",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(description="d" * 5_001),
        422,
        "description",
    ),
    Limit(
        "label options",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(settings={"options": [f"o{n}" for n in range(101)]}),
        422,
        "settings.options",
    ),
    Limit(
        "label option length",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(settings={"options": ["o" * 201]}),
        422,
        "settings.options",
    ),
    Limit(
        "stars",
        "POST",
        lambda p: f"/api/v1/projects/{p.id}/labels",
        lambda p: label(type="star", settings={"no_of_stars": 11}),
        422,
        "settings.no_of_stars",
    ),
    Limit(
        "annotation reason length",
        "POST",
        lambda p: f"/api/v1/spans/{p.spans[0]}/annotations",
        lambda p: {"name": "thumbs", "annotator_id": "ana", "score": 1, "reason": "r" * 20_001},
        422,
        "reason",
    ),
    Limit(
        "note length",
        "POST",
        lambda p: f"/api/v1/spans/{p.spans[0]}/notes",
        lambda p: {"text": "t" * 20_001, "annotator_id": "ana"},
        422,
        "text",
    ),
    Limit(
        "search page size",
        "POST",
        lambda p: "/api/v1/spans/search",
        lambda p: {"filter": {"project_id": p.id}, "limit": 501},
        422,
        "body.limit",
    ),
    Limit(
        "trace page size",
        "GET",
        lambda p: f"/api/v1/projects/{p.id}/traces?limit=501",
        lambda p: None,
        422,
        "query.limit",
    ),
    Limit(
        "filter depth",
        "POST",
        lambda p: "/api/v1/spans/search",
        lambda p: deep_filter(p, 9),
        422,
        "where",
    ),
    Limit(
        "conditions in one and",
        "POST",
        lambda p: "/api/v1/spans/search",
        lambda p: {
            "filter": {
                "project_id": p.id,
                "where": {
                    "type": "and",
                    "conditions": [
                        {"type": "span", "field": "name", "op": "eq", "value": f"n{n}"}
                        for n in range(51)
                    ],
                },
            }
        },
        422,
        "body.filter.where.and.conditions",
    ),
    Limit(
        "values of one condition",
        "POST",
        lambda p: "/api/v1/spans/search",
        lambda p: {
            "filter": {
                "project_id": p.id,
                "where": {
                    "type": "span",
                    "field": "name",
                    "op": "in",
                    "values": [f"n{n}" for n in range(101)],
                },
            }
        },
        422,
        "body.filter.where.span.values",
    ),
    Limit(
        "filter text length",
        "POST",
        lambda p: "/api/v1/spans/search",
        lambda p: {"filter": {"project_id": p.id, "where": {"type": "text", "value": "q" * 501}}},
        422,
        "body.filter.where.text.value",
    ),
    Limit(
        "queue instructions length",
        "POST",
        lambda p: "/api/v1/queues",
        lambda p: {
            "project_id": p.id,
            "name": "q",
            "labels": [{"name": "thumbs"}],
            "instructions": "i" * 50_001,
        },
        422,
        "body.instructions",
    ),
    Limit(
        "queue span ids",
        "POST",
        lambda p: "/api/v1/queues",
        lambda p: {
            "project_id": p.id,
            "name": "q",
            "labels": [{"name": "thumbs"}],
            "items": {"span_ids": [f"{n:016x}" for n in range(10_001)]},
        },
        422,
        "body.items.span_ids",
    ),
]


def counts(database: Database) -> dict[str, int]:
    tables = [
        models.Label,
        models.Annotation,
        models.Note,
        models.Queue,
        models.QueueItem,
        models.Span,
    ]
    with database.read() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in tables
        }


@pytest.mark.parametrize("limit", LIMITS, ids=[limit.name for limit in LIMITS])
async def test_over_the_limit_is_refused_and_changes_nothing(
    client, auth, database: Database, project: Project, limit: Limit
) -> None:
    before = counts(database)
    body = limit.body(project)
    response = await client.request(
        limit.method, limit.path(project), headers=auth, json=body if body is not None else None
    )
    assert response.status_code == limit.status, response.text
    error = response.json()["error"]
    fields = [error["field"]] + [detail["field"] for detail in error["details"]]
    assert any(field and field.startswith(limit.field) for field in fields), error
    assert error["message"]
    if limit.status == 413:
        assert error["expected"].startswith("at most")
    assert counts(database) == before


async def test_just_under_the_limits_is_accepted(client, auth, project: Project) -> None:
    response = await client.post(
        "/tracer/bulk-annotation/", headers=auth, json=bulk(project, 20, annotations=2)
    )
    assert response.status_code == 200
    assert response.json()["result"]["errorsCount"] == 0
    search = await client.post("/api/v1/spans/search", headers=auth, json=deep_filter(project, 8))
    assert search.status_code == 200


def test_a_streamed_body_is_cut_off_at_the_limit(live_server: LiveServer) -> None:
    """A body without Content-Length is counted as it arrives: the server answers 413
    once the limit is passed, without reading (or holding) the rest."""
    database = Database(live_server.database_url)
    pair = make_key_pair(database, "streaming")
    database.dispose()
    address = urlsplit(live_server.base_url)
    chunk = b"x" * (1024 * 1024)
    sent = 0
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(
            b"POST /tracer/bulk-annotation/ HTTP/1.1\r\nHost: annotrace\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            + f"X-Api-Key: {pair.api_key}\r\nX-Secret-Key: {pair.secret_key}\r\n\r\n".encode()
        )
        answer = b""
        try:
            while sent < 256 * len(chunk):
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                readable, _, _ = io_select.select([connection], [], [], 0)
                if readable:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        connection.settimeout(30)
        while b"\r\n\r\n" not in answer:
            part = connection.recv(65536)
            if not part:
                break
            answer += part
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    # The default limit is 32 MiB: the server spoke up soon after it.
    assert sent < 48 * len(chunk)
