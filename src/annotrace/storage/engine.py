"""The one place where database engines are made and tuned.

Every choice below has a reason next to it; nothing else in annotrace configures a
connection.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from annotrace.errors import InvalidInput
from annotrace.storage.types import json_dumps

DatabaseKind = Literal["sqlite", "postgresql"]

# Marks connections that open write transactions (see `_begin_sqlite`).
_WRITE_OPTION = "annotrace_write"


def normalize_url(raw: str) -> URL:
    """Parse a database URL and pin the driver annotrace is built and tested with."""
    try:
        url = make_url(raw)
    except Exception as error:  # SQLAlchemy raises ArgumentError and ValueError alike.
        raise InvalidInput(
            f"database URL {raw!r} cannot be parsed: {error}",
            field="database_url",
            expected="postgresql://user@host:port/db or sqlite:///path/to/file.sqlite",
        ) from error
    backend = url.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        # psycopg 3: the maintained driver, with pipelined executemany for batch writes.
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url.set(drivername="sqlite+pysqlite")
    raise InvalidInput(
        f"database URL {url.render_as_string(hide_password=True)!r} is neither SQLite nor "
        "PostgreSQL",
        field="database_url",
        expected="a postgresql:// or sqlite:/// URL",
    )


# PostgreSQL's JSONB columns use the same codec as SQLite's (storage.types.SqliteJson).
_JSON_CODEC: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}


def _md5(value: str | None) -> str | None:
    if value is None:
        return None
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(
        url,
        # Waiting writers (another process, e.g. the CLI while the server runs) retry for
        # up to 30 s instead of failing at once with "database is locked".
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start: pysqlite's own
        # implicit BEGIN would start write transactions lazily and deadlock-prone.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer and the writer never blocks readers.
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL syncs the WAL at every commit: an acknowledged write survives power loss,
        # not only a process crash. Commits are per request (hundreds of rows), so the
        # fsync is a small share of the cost.
        cursor.execute("PRAGMA synchronous=FULL")
        # SQLite leaves foreign keys unenforced unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # 32 MiB of page cache per connection instead of 2 MiB: index lookups during
        # ingest and listing stay in memory without growing the server much.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()
        # PostgreSQL's md5(text), so one query sorts by a short digest of long text on
        # both databases (exports group answers to the same input this way).
        dbapi_connection.create_function("md5", 1, _md5, deterministic=True)

    @event.listens_for(engine, "begin")
    def _begin_sqlite(connection: Any) -> None:
        # A write transaction takes the write lock up front (IMMEDIATE): a deferred one
        # that reads first and writes later can fail with SQLITE_BUSY at the write,
        # after work is done, where busy_timeout cannot help.
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _postgresql_engine(url: URL) -> Engine:
    return create_engine(
        url,
        **_JSON_CODEC,
        # A server restart or idle timeout must not surface as an error on the next request.
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


class Database:
    """An engine plus the two ways to open a unit of work: `read()` and `write()`.

    The caller owns the transaction: `with database.write() as session:` commits when
    the block ends and rolls back when it raises, so a failed request changes nothing.
    Services receive the session and never commit.
    """

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.kind: DatabaseKind = (
            "postgresql" if self.url.get_backend_name() == "postgresql" else "sqlite"
        )
        if self.kind == "sqlite":
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = _postgresql_engine(self.url)
        # PostgreSQL's default, READ COMMITTED, gives each statement its own snapshot: a
        # search whose annotations are loaded by a second query could list a span next to
        # annotations that no longer match. REPEATABLE READ holds one snapshot for the
        # transaction, as SQLite's WAL reads do; a transaction that only reads never
        # fails with a serialization error under it.
        reads = (
            self.engine.execution_options(isolation_level="REPEATABLE READ")
            if self.kind == "postgresql"
            else self.engine
        )
        self._reader = sessionmaker(reads, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )
        # SQLite has one writer at a time. Writers of this process queue on a lock
        # instead of polling the file lock, so a waiting request starts the moment the
        # previous one commits; busy_timeout still covers other processes.
        self._write_lock = threading.Lock() if self.kind == "sqlite" else None
        self._writing_thread: int | None = None

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; its transaction gives one consistent snapshot."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits at the end of the block or rolls back."""
        if self._write_lock is None:
            with self._writer() as session, session.begin():
                yield session
            return
        if self._writing_thread == threading.get_ident():
            # Would wait forever on our own lock: a programming error, so fail loudly.
            raise RuntimeError("database.write() opened inside another write() of this thread")
        with self._write_lock:
            self._writing_thread = threading.get_ident()
            try:
                with self._writer() as session, session.begin():
                    yield session
            finally:
                self._writing_thread = None

    def dispose(self) -> None:
        self.engine.dispose()
