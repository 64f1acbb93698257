"""Idempotent, set-based writes: one INSERT … ON CONFLICT statement per table per batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dedupe(rows: Sequence[Mapping[str, Any]], unique_by: Sequence[str]) -> list[Mapping[str, Any]]:
    """The rows with one row per key, the last one winning.

    PostgreSQL refuses an upsert that touches one row twice in a statement, and the
    counts a caller reports must not count a repeated row twice.
    """
    by_key = {tuple(row[column] for column in unique_by): row for row in rows}
    return list(by_key.values())


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
    Rows should be deduplicated first (`dedupe`).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(unique_by),
            set_={column: statement.excluded[column] for column in update},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(unique_by))
    connection.execute(statement, list(rows))
