"""Idempotent, set-based writes: one INSERT … ON CONFLICT statement per table per batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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
    positional: bool
    # (column, SQLAlchemy's bind processor for it), in the order the driver wants.
    processors: tuple[tuple[str, Callable[[Any], Any] | None], ...]
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
    compiled = statement.compile(dialect=dialect)
    # Positional paramstyles (SQLite's qmark) need the values in the compiled order.
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    processors = tuple(
        (column, table.c[column].type.dialect_impl(dialect).bind_processor(dialect))
        for column in (order or columns)
    )
    return _Plan(compiled.string, order is not None, processors, defaults)


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
    processors = plan.processors
    if not plan.positional:
        parameters: list[Any] = [
            {
                column: row[column] if process is None else process(row[column])
                for column, process in processors
            }
            for row in rows
        ]
    else:
        # Positional drivers (SQLite) take tuples: build them directly, in driver order.
        parameters = [
            tuple(
                row[column] if process is None else process(row[column])
                for column, process in processors
            )
            for row in rows
        ]
    connection.exec_driver_sql(plan.sql, parameters)
