"""Text search through the indexes finds exactly what a case-insensitive LIKE finds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, exists, inspect, or_, select, text, update

from annotrace.storage import fulltext
from annotrace.storage.engine import Database
from annotrace.storage.fulltext import contains_text, some_span_contains
from annotrace.storage.models import DIALECT_OBJECTS, OPTIONS_INDEX, TRIGRAM_INDEXES, Span, Trace
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_span

TEXTS = [
    ("ChatCompletion", "Where is my REFUND?", "Your refund is on its way"),
    ("lookup_order", 'He said "hello" twice', "100% done, 50_50 split"),
    ("retrieve", "naïve Café résumé", "ÉLAN and élan"),
    ("plain", None, None),
    ("greet", "a_b%c\\d", "tab\there, newline\nthere"),
]
TERMS = [
    "refund",
    "REFUND",
    "refund is",
    '"hello"',
    'said "hello',
    "100%",
    "0_5",
    "50_50",
    "café",
    "CAFÉ",
    "élan",
    "naïve",
    "a_b%c\\d",
    "\\d",
    "tab\there",
    "on\nthere",
    "chatcomp",
    "ok",  # shorter than a trigram
    "e",
    "nowhere to be found",
    "{input_value}",
    "input_value : x",
    "NEAR(a b)",
    "*",
]
WITHIN = [
    [Span.input_value, Span.output_value],
    [Span.input_value],
    [Span.name, Span.input_value, Span.output_value],
]
# Let the index drive (few) or look newest first (many).
CHOICES = ["few", "many"]


@pytest.fixture
def stored(database: Database) -> Database:
    spans = [
        make_span(name=name, input_value=input_value, output_value=output_value)
        for name, input_value, output_value in TEXTS
    ]
    store(database, principal_of(database), spans)
    return database


def found(database: Database, condition: Any) -> set[str]:
    with database.read() as session:
        return set(session.scalars(select(Span.name).where(condition)))


def searched(database: Database, columns: list[Any], term: str, choice: str) -> set[str]:
    with database.read() as session:

        def few(rows: Any) -> list[int] | None:
            return None if choice == "many" else list(session.scalars(rows))

        condition = contains_text(columns, term, dialect=database.kind, few=few)
        return set(session.scalars(select(Span.name).where(condition)))


def traces_found(database: Database, condition: Any) -> set[str]:
    with database.read() as session:
        return set(session.scalars(select(Trace.trace_id).where(condition)))


@pytest.mark.parametrize("term", TERMS)
def test_same_spans_as_like(stored: Database, term: str) -> None:
    for columns in WITHIN:
        like = or_(*(column.icontains(term, autoescape=True) for column in columns))
        expected = found(stored, like)
        for choice in CHOICES:
            assert searched(stored, columns, term, choice) == expected, (term, columns, choice)
        by_trace = exists().where(Span.trace_rowid == Trace.trace_rowid, like)
        assert traces_found(stored, by_trace) == traces_found(
            stored,
            some_span_contains(
                columns, term, dialect=stored.kind, group=Span.trace_rowid, of=Trace.trace_rowid
            ),
        )


def test_traces_with_a_common_term(stored: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FEW_CANDIDATES spans the trace's own spans are checked: the same traces."""
    monkeypatch.setattr(fulltext, "FEW_CANDIDATES", 1)
    condition = some_span_contains(
        [Span.input_value],
        "refund",
        dialect=stored.kind,
        group=Span.trace_rowid,
        of=Trace.trace_rowid,
    )
    assert len(traces_found(stored, condition)) == 1


def test_index_follows_updates_and_deletes(stored: Database) -> None:
    condition = contains_text([Span.input_value], "wombat", dialect=stored.kind)
    with stored.write() as session:
        session.execute(
            update(Span).where(Span.name == "retrieve").values(input_value="a Wombat here")
        )
    assert found(stored, condition) == {"retrieve"}
    assert found(stored, contains_text([Span.input_value], "naïve", dialect=stored.kind)) == set()
    with stored.write() as session:
        session.execute(delete(Span).where(Span.name == "retrieve"))
    assert found(stored, condition) == set()
    if stored.kind == "sqlite":
        with stored.write() as session:  # raises when the index and the spans disagree
            session.execute(text("INSERT INTO spans_fts(spans_fts) VALUES ('integrity-check')"))


def test_text_indexes_exist(database: Database) -> None:
    inspector = inspect(database.engine)
    if database.kind == "sqlite":
        assert "spans_fts" in inspector.get_table_names()
        with database.read() as session:
            stats = session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()
        assert {"spans", "annotations"} <= set(stats)
    else:
        names = {index["name"] for index in inspector.get_indexes("spans")}
        assert set(TRIGRAM_INDEXES.values()) <= names
        names = {index["name"] for index in inspector.get_indexes("annotations")}
        assert OPTIONS_INDEX in names
    assert {*TRIGRAM_INDEXES.values(), OPTIONS_INDEX} <= DIALECT_OBJECTS
