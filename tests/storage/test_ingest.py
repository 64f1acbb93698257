"""Storing spans through the ingest service, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from annotrace.domain.access import Principal, Role
from annotrace.domain.spans import SpanKind, StatusCode
from annotrace.services.ingest import store_spans
from annotrace.services.keys import authenticate_key_pair
from annotrace.storage.engine import Database
from annotrace.storage.models import Project, Span, Trace
from tests.conftest import make_key_pair
from tests.support.spans import BASE_TIME, make_span, make_trace, trace_id
from tests.support.statements import count_statements


def principal_of(database: Database, workspace: str = "acme") -> Principal:
    pair = make_key_pair(database, workspace)
    with database.read() as session:
        return authenticate_key_pair(
            session=session, api_key=pair.api_key, secret_key=pair.secret_key
        )


def store(database: Database, principal: Principal, spans) -> None:
    with database.write() as session:
        store_spans(session=session, principal=principal, spans=spans)


def count(database: Database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_spans_are_stored_with_every_field(database: Database) -> None:
    principal = principal_of(database)
    spans = make_trace(project="support")
    store(database, principal, spans)
    with database.read() as session:
        llm = session.scalar(select(Span).where(Span.kind == "LLM"))
        project = session.scalar(select(Project))
    assert project.name == "support"
    assert llm.model_name == "gpt-4o-mini"
    assert (llm.prompt_tokens, llm.completion_tokens, llm.total_tokens) == (100, 20, 120)
    assert llm.attributes["llm.model_name"] == "gpt-4o-mini"
    assert llm.start_time == spans[1].span.start_time
    assert llm.start_time.tzinfo is not None


def test_the_same_spans_twice_are_stored_once(database: Database) -> None:
    principal = principal_of(database)
    spans = make_trace(size=5)
    store(database, principal, spans)
    store(database, principal, spans)
    store(database, principal, spans + spans)  # and repeated inside one batch
    assert count(database, Span) == 5
    assert count(database, Trace) == 1
    with database.read() as session:
        assert session.scalar(select(Trace.span_count)) == 5


def test_trace_totals_follow_spans_arriving_in_pieces(database: Database) -> None:
    principal = principal_of(database)
    spans = make_trace(size=6, error=True)
    store(database, principal, spans[3:])
    store(database, principal, spans[:3])
    with database.read() as session:
        trace = session.scalar(select(Trace))
    assert trace.span_count == 6
    assert trace.error_count == 2  # the root and the first tool
    assert (trace.prompt_tokens, trace.completion_tokens, trace.total_tokens) == (100, 20, 120)
    assert trace.start_time == spans[0].span.start_time
    assert trace.end_time == spans[0].span.end_time


def test_token_totals_count_llm_spans_only(database: Database) -> None:
    """An agent span that repeats its children's usage must not double the trace's tokens."""
    principal = principal_of(database)
    trace = trace_id()
    agent = make_span(trace=trace, kind=SpanKind.AGENT, total_tokens=500, prompt_tokens=400)
    llm = make_span(trace=trace, parent=agent.span.span_id, kind=SpanKind.LLM, total_tokens=500)
    store(database, principal, [agent, llm])
    with database.read() as session:
        assert session.scalar(select(Trace.total_tokens)) == 500


def test_projects_are_created_once_per_workspace(database: Database) -> None:
    acme, other = principal_of(database, "acme"), principal_of(database, "other")
    store(database, acme, make_trace(project="bot"))
    store(database, acme, make_trace(project="bot") + make_trace(project="rag"))
    store(database, other, make_trace(project="bot"))
    with database.read() as session:
        names = session.execute(select(Project.workspace_rowid, Project.name)).all()
    assert sorted(names) == sorted(
        [
            (acme.workspace_rowid, "bot"),
            (acme.workspace_rowid, "rag"),
            (other.workspace_rowid, "bot"),
        ]
    )


def test_same_trace_in_two_projects_is_two_traces(database: Database) -> None:
    principal = principal_of(database)
    shared = trace_id()
    store(
        database,
        principal,
        [make_span(trace=shared, project="frontend"), make_span(trace=shared, project="backend")],
    )
    assert count(database, Trace) == 2
    assert count(database, Span) == 2


def test_a_batch_costs_the_same_few_statements_whatever_its_size(database: Database) -> None:
    principal = principal_of(database)
    store(database, principal, make_trace())  # creates the project

    def statements_for(traces: int) -> int:
        spans = [
            span
            for index in range(traces)
            for span in make_trace(start=BASE_TIME + timedelta(seconds=index), size=10)
        ]
        with count_statements(database) as statements, database.write() as session:
            store_spans(session=session, principal=principal, spans=spans)
        return len(statements)

    assert statements_for(2) == statements_for(40) <= 8


def test_unicode_and_big_values_round_trip(database: Database) -> None:
    principal = principal_of(database)
    text = "日本語の質問 — <img src=x onerror=alert(1)> " + "x" * 100_000
    span = make_span(
        input_value=text,
        status=StatusCode.ERROR,
        status_message="Timeout",
        attributes={"nested": {"list": [1, 2.5, True, None, "s"]}, "big": 2**62},
        total_tokens=2**62,
    )
    store(database, principal, [span])
    with database.read() as session:
        stored = session.scalar(select(Span))
    assert stored.input_value == text
    assert stored.attributes == {"nested": {"list": [1, 2.5, True, None, "s"]}, "big": 2**62}
    assert stored.total_tokens == 2**62


def test_principal_role_of_a_key_is_admin(database: Database) -> None:
    assert principal_of(database).role is Role.ADMIN
