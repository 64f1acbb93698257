"""Several servers on one database behave as one system: `serve --workers 2` and a second
server process on another port, with 16 clients sending overlapping bulk annotations
through both at once."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from annotrace.domain.access import Role
from annotrace.services.users import create_user
from annotrace.storage.engine import Database
from annotrace.storage.models import Annotation, Note, Span
from tests.conftest import DIALECTS, fresh_database, headers_for, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer, start_server
from tests.support.spans import make_trace

CLIENTS = 16
REQUESTS_PER_CLIENT = 4
ANNOTATORS = [f"reviewer-{number}" for number in range(4)]
LABELS: list[dict[str, Any]] = [
    {"name": "verdict", "type": "categorical", "settings": {"options": ["good", "bad", "meh"]}},
    {"name": "quality", "type": "numeric", "settings": {"min": 0, "max": 1, "step_size": 0.1}},
    {"name": "helpful", "type": "thumbs_up_down", "settings": {}},
]
EMAIL, PASSWORD = "lead@example.com", "several servers, one truth"


@pytest.fixture(scope="module", params=DIALECTS)
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[LiveServer], dict[str, str]]]:
    """A `--workers 2` server and a plain one, on one database with 48 spans."""
    tmp_path = tmp_path_factory.mktemp(f"several-{request.param}")
    with fresh_database(request, tmp_path) as database_url:
        database = Database(database_url)
        store(
            database,
            principal_of(database),
            [span for _ in range(12) for span in make_trace(project="bot", size=4)],
        )
        headers = headers_for(make_key_pair(database))
        with database.write() as session:
            create_user(
                session=session, workspace="acme", email=EMAIL, password=PASSWORD, role=Role.ADMIN
            )
        database.dispose()
        (tmp_path / "first").mkdir()
        (tmp_path / "second").mkdir()
        with ExitStack() as stack:
            started = [
                stack.enter_context(
                    start_server(database_url, tmp_path / "first", extra_args=("--workers", "2"))
                ),
                stack.enter_context(start_server(database_url, tmp_path / "second")),
            ]
            yield started, headers


def value_for(label: dict[str, Any], chooser: random.Random) -> dict[str, Any]:
    if label["type"] == "categorical":
        return {"value_str_list": [chooser.choice(["good", "bad", "meh"])]}
    if label["type"] == "numeric":
        return {"value_float": chooser.randrange(11) / 10}
    return {"value_bool": chooser.random() < 0.5}


def test_overlapping_bulk_annotations_through_two_servers_count_once(servers) -> None:
    started, headers = servers
    clients = [httpx.Client(base_url=s.base_url, headers=headers, timeout=120) for s in started]
    try:
        api = clients[0]
        project = api.get("/api/v1/projects").json()[0]["id"]
        label_ids = []
        for label in LABELS:
            response = api.post(f"/api/v1/projects/{project}/labels", json=label)
            assert response.status_code == 201, response.text
            label_ids.append(response.json()["id"])
        spans = api.post(
            "/api/v1/spans/search", json={"filter": {"project_id": project}, "limit": 100}
        ).json()
        span_ids = [span["span_id"] for span in spans["items"]]
        assert len(span_ids) == 48

        def send(request_number: int) -> dict[str, Any]:
            # Every request names the same spans, labels and annotators, with values of
            # its own: the servers race on every single annotation.
            chooser = random.Random(request_number)
            records = [
                {
                    "observation_span_id": span_id,
                    "annotations": [
                        {"annotation_label_id": label_id, "annotator_id": annotator}
                        | value_for(label, chooser)
                        for annotator in ANNOTATORS
                        for label, label_id in zip(LABELS, label_ids, strict=True)
                    ],
                    "notes": [
                        {"text": f"looked at {span_id}", "annotator_id": annotator}
                        for annotator in ANNOTATORS
                    ],
                }
                for span_id in span_ids
            ]
            response = clients[request_number % 2].post(
                "/tracer/bulk-annotation/", json={"records": records}
            )
            assert response.status_code == 200, response.text
            return response.json()["result"]

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(send, range(CLIENTS * REQUESTS_PER_CLIENT)))
    finally:
        for client in clients:
            client.close()

    triples = len(span_ids) * len(LABELS) * len(ANNOTATORS)
    sent = triples * len(results)
    assert {result["errorsCount"] for result in results} == {0}
    assert sum(result["succeededCount"] for result in results) == len(span_ids) * len(results)
    assert sum(result["annotationsCreated"] for result in results) == triples
    assert (
        sum(
            result["annotationsCreated"]
            + result["annotationsUpdated"]
            + result["annotationsUnchanged"]
            for result in results
        )
        == sent
    )
    assert sum(result["notesCreated"] for result in results) == len(span_ids) * len(ANNOTATORS)

    database = Database(started[0].database_url)
    try:
        with database.read() as session:
            key = (Annotation.span_rowid, Annotation.label_rowid, Annotation.annotator_id)
            doubled = session.execute(select(*key).group_by(*key).having(func.count() > 1)).all()
            assert doubled == []
            assert session.scalar(select(func.count()).select_from(Annotation)) == triples
            assert session.scalar(select(func.count()).select_from(Note)) == len(span_ids) * len(
                ANNOTATORS
            )
            assert session.scalar(select(func.count()).select_from(Span)) == 48
    finally:
        database.dispose()


def test_a_session_opened_on_one_server_works_on_the_other(servers) -> None:
    started, _ = servers
    with httpx.Client(base_url=started[0].base_url) as first:
        form = first.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert token
        signed_in = first.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed_in.status_code == 303
        cookie = first.cookies["annotrace_session"]
    with httpx.Client(base_url=started[1].base_url) as second:
        second.cookies.set("annotrace_session", cookie)
        page = second.get("/traces")
        assert page.status_code == 200
        assert EMAIL in page.text
        # And signing out on the second ends the session everywhere.
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        assert csrf
        assert second.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 303
    with httpx.Client(base_url=started[0].base_url) as first:
        first.cookies.set("annotrace_session", cookie)
        assert first.get("/traces").status_code == 303
