"""Counting the SQL statements a block of code sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from annotrace.storage.engine import Database


@contextmanager
def count_statements(database: Database) -> Iterator[list[str]]:
    """Collects each statement sent (an executemany counts once, as it is one round)."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
