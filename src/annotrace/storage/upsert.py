"""Idempotent, set-based writes: one INSERT … ON CONFLICT statement per table per batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dedupe(rows: Sequence[Mapping[str, Any]], unique_by: Sequence[str]) -> list[Mapping[str, Any]]:
    """The rows with one row per key, the last one winning.

    PostgreSQL refuses an upsert that touches one row twice in a statement, and the
    counts a caller reports must not count a repeated row twice.
    """
    by_key = {tuple(row[column] for column in unique_by): row for row in rows}
    return list(by_key.values())


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    # Pulls the parameters out of a row dict, in the order of the statement's placeholders.
    values_of: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    # (position, SQLAlchemy's bind processor) of the columns whose values need converting.
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]
    # Python-side column defaults (e.g. created_at) of columns the rows leave out.
    defaults: tuple[tuple[str, Any], ...]

    def default_values(self) -> dict[str, Any]:
        """One value per defaulted column, shared by the batch."""
        return {
            column: default.arg(None) if default.is_callable else default.arg
            for column, default in self.defaults
        }


@lru_cache(maxsize=64)
def _plan(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    unique_by: tuple[str, ...],
    update: tuple[str, ...],
) -> _Plan:
    module = postgresql if dialect.name == "postgresql" else sqlite
    defaults = tuple(
        (column.name, column.default)
        for column in table.columns
        if column.default is not None and column.name not in columns
    )
    columns = columns + tuple(name for name, _ in defaults)
    statement = module.insert(table).values({column: bindparam(column) for column in columns})
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(unique_by),
            set_={column: statement.excluded[column] for column in update},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(unique_by))
    # Positional placeholders (psycopg takes %s as well as %(name)s), so that each row is
    # handed over as a tuple built in C by itemgetter rather than a dict built in Python.
    make_dialect: Callable[..., Dialect] = type(dialect)
    positional = dialect if dialect.positional else make_dialect(paramstyle="format")
    compiled = statement.compile(dialect=positional)
    names = tuple(compiled.positiontup or ())
    conversions = tuple(
        (position, processor)
        for position, name in enumerate(names)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    )
    values_of = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    return _Plan(compiled.string, values_of, conversions, defaults)


def insert_on_conflict(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unique_by: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert `rows`; where a row with the same `unique_by` exists, update `update` columns.

    With no `update` columns, existing rows are left as they are (ON CONFLICT DO NOTHING).
    Every row must have the same keys; rows should be deduplicated first (`dedupe`).

    The statement is compiled once and the rows go to the driver's executemany with
    SQLAlchemy's own type processors applied: the same values SQLAlchemy would send,
    without its per-row bookkeeping, which cost as much as the insert itself.
    """
    if not rows:
        return
    connection = session.connection()
    plan = _plan(connection.dialect, table, tuple(rows[0]), tuple(unique_by), tuple(update))
    if plan.defaults:
        defaults = plan.default_values()
        rows = [{**row, **defaults} for row in rows]
    parameters = []
    for row in rows:
        values = list(plan.values_of(row))
        for position, convert in plan.conversions:
            values[position] = convert(values[position])
        parameters.append(tuple(values))
    connection.exec_driver_sql(plan.sql, parameters)
