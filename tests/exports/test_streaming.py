"""Exports stream: a batch of spans at a time, a constant number of queries per batch."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from annotrace.domain.spans import SpanKind
from annotrace.schemas.exports import ExportRequest
from annotrace.services import exports
from annotrace.services.exports import SpanExport
from annotrace.services.projects import list_projects
from annotrace.storage.engine import Database
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import BASE_TIME, make_span
from tests.support.statements import count_statements

SPANS = 250


@pytest.mark.parametrize(
    "export_format", ["jsonl", "csv", "parquet", "openai-chat", "preference-pairs"]
)
def test_an_export_is_written_batch_by_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch, export_format: str
) -> None:
    monkeypatch.setattr(exports, "BATCH_SIZE", 50)
    principal = principal_of(database)
    store(
        database,
        principal,
        [
            make_span(
                name="ChatCompletion",
                kind=SpanKind.LLM,
                project="bulk",
                start=BASE_TIME + timedelta(seconds=index),
                input_value=f"question {index}",
                output_value=f"answer {index}",
            )
            for index in range(SPANS)
        ],
    )
    with database.read() as session:
        (project,) = list_projects(session=session, principal=principal)
        request = ExportRequest.model_validate(
            {"filter": {"project_id": project.id}, "format": export_format}
        )
        export = SpanExport(session=session, principal=principal, request=request)
        seen: list[int] = []
        with count_statements(database) as statements:
            chunks = list(export.chunks(progress=seen.append))
    assert seen == [50] * 5
    # The streaming query once, then annotations, notes, corrections and gold values for
    # each batch (preference pairs stream span rowids, and fetch each batch's spans).
    per_batch = 5 if export_format == "preference-pairs" else 4
    fetches = 5 if database.kind == "postgresql" else 0  # a server-side cursor's FETCHes
    assert len(statements) <= 1 + per_batch * 5 + fetches
    if export_format == "preference-pairs":
        # Every input differs: no pairs, every span counted.
        assert sum(export.summary().skipped.values()) == SPANS
        return
    # start, one chunk per batch, finish (csv has its header first; parquet its footer last).
    assert len([chunk for chunk in chunks if chunk]) >= 5
    assert export.summary().records == SPANS
    if export_format in ("jsonl", "openai-chat"):
        assert len(b"".join(chunks).splitlines()) == SPANS
        first = json.loads(b"".join(chunks).splitlines()[0])
        assert "question 0" in json.dumps(first)
