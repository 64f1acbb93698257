"""SIGKILL in the middle of a stream of bulk annotations and OTLP exports: after a
restart, every request that was answered with success is there in full, none is there
in part, and the database passes its integrity checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from sqlalchemy import func, select, text

from annotrace.storage.engine import Database
from annotrace.storage.models import Annotation, Note, Span, Trace
from tests.conftest import headers_for, make_key_pair
from tests.otlp.test_otlp_http import PROTOBUF, sdk_spans
from tests.support.servers import LiveServer, start_server

SPANS_PER_EXPORT = 10
WRITERS = 3
EXPORTERS = 2


class Stream:
    """Requests sent by several threads until the server dies; what each one got back."""

    def __init__(self, server: LiveServer, headers: dict[str, str]) -> None:
        self.server = server
        self.headers = headers
        self.lock = threading.Lock()
        self.answered: dict[str, list[Any]] = {"bulk": [], "otlp": []}
        self.unanswered: dict[str, list[Any]] = {"bulk": [], "otlp": []}
        self.refused: list[str] = []
        self.counter = 0
        self.stop = threading.Event()

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def run(self, kind: str, send: Callable[[httpx.Client, int], tuple[Any, bool]]) -> None:
        with httpx.Client(base_url=self.server.base_url, headers=self.headers, timeout=30) as c:
            while not self.stop.is_set():
                number = self.next_number()
                try:
                    what, ok = send(c, number)
                except httpx.TransportError:
                    # Killed while this request was in flight: it may or may not be stored,
                    # but never in part.
                    self.unanswered[kind].append(number)
                    return
                if not ok:
                    self.refused.append(f"{kind} request {number}")
                    return
                self.answered[kind].append(what)


def bulk_sender(span_ids: list[str], label_id: str) -> Callable[[httpx.Client, int], Any]:
    def send(client: httpx.Client, number: int) -> tuple[int, bool]:
        # Every request writes its own annotator's annotations and notes, so what it
        # stored can be told apart from what the others did.
        records = [
            {
                "observation_span_id": span_id,
                "annotations": [
                    {
                        "annotation_label_id": label_id,
                        "annotator_id": f"writer-{number}",
                        "value_float": float(number % 5 + 1),
                    }
                ],
                "notes": [{"text": f"note {number}", "annotator_id": f"writer-{number}"}],
            }
            for span_id in span_ids
        ]
        response = client.post("/tracer/bulk-annotation/", json={"records": records})
        result = response.json()["result"] if response.status_code == 200 else {}
        return number, response.status_code == 200 and result.get("errorsCount") == 0

    return send


def otlp_send(client: httpx.Client, number: int) -> tuple[str, bool]:
    spans = sdk_spans({"service.name": "crash"}, count=SPANS_PER_EXPORT)
    trace_id = f"{spans[0].context.trace_id:032x}"
    body = encode_spans(spans).SerializeToString()
    response = client.post("/v1/traces", content=body, headers=PROTOBUF)
    return trace_id, response.status_code == 200


def integrity_problems(database: Database) -> list[str]:
    """What the database's own checks report; empty when it is sound."""
    with database.engine.connect() as connection:
        if database.kind == "sqlite":
            verdict = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            broken_links = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            return [v for v in verdict if v != "ok"] + [str(row) for row in broken_links]
        # amcheck verifies every B-tree index against the invariants of its structure and
        # against the table it indexes (heapallindexed).
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = (
            connection.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am a ON a.oid = c.relam "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE a.amname = 'btree' AND n.nspname = 'public'"
                )
            )
            .scalars()
            .all()
        )
        problems = [] if len(indexes) > 20 else [f"only {len(indexes)} indexes found to check"]
        for index in indexes:
            try:
                connection.execute(
                    text("SELECT bt_index_check(CAST(:index AS regclass), true)"),
                    {"index": index},
                )
            except Exception as error:  # amcheck reports corruption as an error
                problems.append(f"{index}: {error}")
        connection.commit()
        return problems


def test_a_killed_server_keeps_every_acknowledged_request_whole(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    headers = headers_for(make_key_pair(database))
    database.dispose()
    (tmp_path / "before").mkdir()
    with start_server(database_url, tmp_path / "before") as server:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as api:
            assert otlp_send(api, 0)[1]
            project = api.get("/api/v1/projects").json()[0]["id"]
            label = api.post(
                f"/api/v1/projects/{project}/labels",
                json={"name": "quality", "type": "star", "settings": {"no_of_stars": 5}},
            ).json()
            found = api.post(
                "/api/v1/spans/search", json={"filter": {"project_id": project}, "limit": 100}
            ).json()
            span_ids = [span["span_id"] for span in found["items"]]
        stream = Stream(server, headers)
        threads = [
            threading.Thread(target=stream.run, args=("bulk", bulk_sender(span_ids, label["id"])))
            for _ in range(WRITERS)
        ] + [
            threading.Thread(target=stream.run, args=("otlp", otlp_send)) for _ in range(EXPORTERS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while (
            len(stream.answered["bulk"]) < 10 or len(stream.answered["otlp"]) < 10
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        server.process.kill()  # SIGKILL: no shutdown, no flush, no rollback
        server.process.wait()
        stream.stop.set()
        for thread in threads:
            thread.join(60)
    answered, unanswered = stream.answered, stream.unanswered
    assert stream.refused == [], "refused while the server was up"
    assert len(answered["bulk"]) >= 10
    assert len(answered["otlp"]) >= 10
    assert sum(map(len, unanswered.values())) >= 1, "the kill hit no request in flight"

    (tmp_path / "after").mkdir()
    # The restarted server reads what was stored before the kill.
    with start_server(database_url, tmp_path / "after") as restarted:
        response = httpx.get(f"{restarted.base_url}/api/v1/projects", headers=headers)
        assert response.status_code == 200
    database = Database(database_url)
    try:
        assert integrity_problems(database) == []
        with database.read() as session:
            per_writer = dict(
                session.execute(
                    select(Annotation.annotator_id, func.count()).group_by(Annotation.annotator_id)
                ).all()
            )
            notes_per_writer = dict(
                session.execute(
                    select(Note.annotator_id, func.count()).group_by(Note.annotator_id)
                ).all()
            )
            per_trace = dict(
                session.execute(
                    select(Trace.trace_id, func.count())
                    .join(Span, Span.trace_rowid == Trace.trace_rowid)
                    .group_by(Trace.trace_id)
                ).all()
            )
    finally:
        database.dispose()
    whole = len(span_ids)
    for number in answered["bulk"]:
        assert per_writer.get(f"writer-{number}") == whole, f"bulk request {number} lost"
        assert notes_per_writer.get(f"writer-{number}") == whole
    for number in unanswered["bulk"]:
        assert per_writer.get(f"writer-{number}", 0) in {0, whole}, f"{number} half stored"
        assert notes_per_writer.get(f"writer-{number}", 0) == per_writer.get(f"writer-{number}", 0)
    assert all(count == whole for count in per_writer.values())
    for trace_id in answered["otlp"]:
        assert per_trace.get(trace_id) == SPANS_PER_EXPORT, f"export of {trace_id} lost"
    assert all(count == SPANS_PER_EXPORT for count in per_trace.values()), "half an export"
