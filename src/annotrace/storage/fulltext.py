"""Substring search in span text (name, input, output), served by an index on each database.

SQLite: an FTS5 table with the trigram tokenizer, `spans_fts`, whose content is the spans
table itself (kept by triggers, see migration 0005), finds candidate spans. PostgreSQL:
pg_trgm GIN indexes on each column serve the ILIKE directly. Either way a plain
case-insensitive LIKE decides: an index only narrows the rows it is checked on, so
results are those of the LIKE alone.

Neither is declared in the models: see `models.DIALECT_OBJECTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import InstrumentedAttribute

from annotrace.storage.models import FTS_TABLE, Span

# A trigram index holds nothing for shorter terms: those are found by the LIKE alone.
MIN_INDEXED = 3
# `some_span_contains` reads the FTS candidates when fewer spans than this contain the term
# (as services.search.FEW_MATCHES).
FEW_CANDIDATES = 2_000

_fts = table(FTS_TABLE)


TextColumn = InstrumentedAttribute[str] | InstrumentedAttribute[str | None]


def contains_text(
    columns: Sequence[TextColumn],
    term: str,
    *,
    dialect: str,
    few: Callable[[Select[int]], Sequence[int] | None] | None = None,
) -> ColumnElement[bool]:
    """Whether any of the span's `columns` contains `term`, ignoring case (as LIKE does).

    `few(candidates)` gives the span rowids a query selects when they are few (None when
    many): the FTS candidates then drive the search, and a term in many spans is looked
    for in the newest spans first instead. Without it (inside a correlated subquery, say)
    the condition is the LIKE alone.
    """
    like = _like(columns, term)
    if few is None or dialect != "sqlite" or len(term) < MIN_INDEXED:
        return like
    found = few(_fts_rowids(columns, term))
    return like if found is None else and_(Span.span_rowid.in_(found), like)


def some_span_contains(
    columns: Sequence[TextColumn],
    term: str,
    *,
    dialect: str,
    group: InstrumentedAttribute[int],
    of: InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    """Whether a span whose `group` column equals `of` (a trace's spans, say) contains
    `term` in any of `columns`, ignoring case.

    When fewer than FEW_CANDIDATES spans hold the term, the groups of the FTS candidates
    are read once; otherwise each group's spans are checked, and a common term is found
    in the first groups looked at. The count decides in SQL, once per statement.
    """
    like = _like(columns, term)
    per_group = exists().where(group == of, like)
    if dialect != "sqlite" or len(term) < MIN_INDEXED:
        return per_group
    candidates = _fts_rowids(columns, term)
    groups = of.in_(select(group).where(Span.span_rowid.in_(candidates), like))
    counted = select(func.count()).select_from(candidates.limit(FEW_CANDIDATES).subquery())
    return case((counted.scalar_subquery() < FEW_CANDIDATES, groups), else_=per_group)


def _like(columns: Sequence[TextColumn], term: str) -> ColumnElement[bool]:
    return or_(*(column.icontains(term, autoescape=True) for column in columns))


def _fts_rowids(columns: Sequence[TextColumn], term: str) -> Select[int]:
    # An FTS5 phrase in double quotes (quotes inside doubled) is matched as a substring
    # by the trigram tokenizer; `{a b} :` limits it to those columns.
    phrase = '"' + term.replace('"', '""') + '"'
    wanted = " ".join(column.key for column in columns)
    return (
        select(literal_column("rowid", Integer))
        .select_from(_fts)
        .where(literal_column(FTS_TABLE).op("MATCH")(f"{{{wanted}}} : {phrase}"))
    )
