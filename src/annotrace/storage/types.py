"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Dialect, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, timezone-aware UTC datetimes out.

    PostgreSQL stores `timestamptz`. SQLite has no time type: values are stored as
    naive UTC text of a fixed width, so text order is time order and indexes work.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; annotrace stores only aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_dumps(value: Any) -> str:
    """JSON for JSON columns: orjson is several times faster than the standard library,
    which matters at thousands of spans per second with several JSON columns each."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits, which orjson refuses
        return json.dumps(value)


class SqliteJson(TypeDecorator[Any]):
    """JSON stored as TEXT on SQLite.

    A column declared JSON gets SQLite's NUMERIC affinity, which turns a stored scalar
    such as "4.5" or "3.0" into a number (and 3.0 into the integer 3); TEXT keeps every
    JSON document exactly as written. SQLite's json functions read TEXT all the same.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json_dumps(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else orjson.loads(value)


# JSONB on PostgreSQL: stored parsed, so attribute filters can use GIN indexes later.
JsonType = JSON().with_variant(JSONB(), "postgresql").with_variant(SqliteJson(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)
