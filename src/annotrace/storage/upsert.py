"""Set-based writes: one statement per table per batch, compiled once, sent with executemany.

Rows go to the driver's executemany with SQLAlchemy's own bind processors applied: the
same values SQLAlchemy would send, without its per-row bookkeeping, which cost as much as
the insert itself. Every row of a batch must have the same keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import ClauseElement, Dialect, Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

Conflict = Literal["error", "ignore", "update"]


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

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.defaults:
            defaults = self.default_values()
            rows = [{**row, **defaults} for row in rows]
        parameters = []
        for row in rows:
            values = list(self.values_of(row))
            for position, convert in self.conversions:
                values[position] = convert(values[position])
            parameters.append(tuple(values))
        session.connection().exec_driver_sql(self.sql, parameters)


def _compile(dialect: Dialect, table: Table, statement: ClauseElement, defaults: Any) -> _Plan:
    # Positional placeholders (psycopg takes %s as well as %(name)s), so that each row is
    # handed over as a tuple built in C by itemgetter rather than a dict built in Python.
    make_dialect: Callable[..., Dialect] = type(dialect)
    positional = dialect if dialect.positional else make_dialect(paramstyle="format")
    compiled = statement.compile(dialect=positional)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    # Bind names are the column names, or "key_<column>" for an update's WHERE clause.
    columns = [name.removeprefix("key_") for name in names]
    conversions = tuple(
        (position, processor)
        for position, column in enumerate(columns)
        if (processor := table.c[column].type.dialect_impl(dialect).bind_processor(dialect))
    )
    values_of = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    return _Plan(compiled.string, values_of, conversions, defaults)


@lru_cache(maxsize=128)
def _insert_plan(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    conflict: Conflict,
    unique_by: tuple[str, ...],
    update_columns: tuple[str, ...],
) -> _Plan:
    defaults = tuple(
        (column.name, column.default)
        for column in table.columns
        if column.default is not None and column.name not in columns
    )
    columns = columns + tuple(name for name, _ in defaults)
    module = postgresql if dialect.name == "postgresql" else sqlite
    statement = module.insert(table).values({column: bindparam(column) for column in columns})
    if conflict == "update":
        statement = statement.on_conflict_do_update(
            index_elements=list(unique_by),
            set_={column: statement.excluded[column] for column in update_columns},
        )
    elif conflict == "ignore":
        statement = statement.on_conflict_do_nothing(index_elements=list(unique_by) or None)
    return _compile(dialect, table, statement, defaults)


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict: Conflict = "error",
    unique_by: Sequence[str] = (),
    update_columns: Sequence[str] = (),
) -> None:
    """Insert rows. Where a row with the same `unique_by` key exists: fail ("error"),
    leave it ("ignore"), or overwrite its `update_columns` ("update")."""
    if not rows:
        return
    plan = _insert_plan(
        session.connection().dialect,
        table,
        tuple(rows[0]),
        on_conflict,
        tuple(unique_by),
        tuple(update_columns),
    )
    plan.execute(session, rows)


def insert_on_conflict(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unique_by: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert rows, leaving (or, with `update`, overwriting) those whose key exists.

    Rows should be deduplicated first (`dedupe`).
    """
    insert_rows(
        session,
        table,
        rows,
        on_conflict="update" if update else "ignore",
        unique_by=unique_by,
        update_columns=update,
    )


@lru_cache(maxsize=128)
def _update_plan(dialect: Dialect, table: Table, columns: tuple[str, ...], key: str) -> _Plan:
    statement = (
        update(table)
        .where(table.c[key] == bindparam(f"key_{key}"))
        .values({column: bindparam(column) for column in columns if column != key})
    )
    return _compile(dialect, table, statement, ())


def update_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str
) -> None:
    """Update each row's other columns in the table row whose `key` column matches."""
    if not rows:
        return
    plan = _update_plan(session.connection().dialect, table, tuple(rows[0]), key)
    plan.execute(session, rows)
