"""The engine's tuning is what engine.py says it is."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from annotrace.errors import InvalidInput
from annotrace.storage.engine import Database, normalize_url
from annotrace.storage.models import Workspace


def test_sqlite_pragmas(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with database.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 30000
        assert pragma("synchronous") == 2  # FULL
    database.dispose()


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.sqlite", "sqlite+pysqlite"),
    ],
)
def test_urls_get_the_tested_driver(raw: str, driver: str) -> None:
    assert normalize_url(raw).drivername == driver


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "not a url", ""])
def test_other_urls_are_refused_with_the_field_named(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_url(raw)
    assert error.value.field == "database_url"


def _add_then_fail(database: Database) -> None:
    with database.write() as session:
        session.add(Workspace(id="wsp_x", name="rolled-back"))
        session.flush()
        raise RuntimeError("boom")


def test_write_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError):
        _add_then_fail(database)
    with database.read() as session:
        assert session.scalar(select(Workspace).where(Workspace.name == "rolled-back")) is None


def test_concurrent_writers_do_not_fail(database: Database) -> None:
    """Writers from many threads queue up instead of failing with 'database is locked'."""
    failures: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for round_ in range(5):
                with database.write() as session:
                    session.add(Workspace(id=f"wsp_{index}_{round_}", name=f"w{index}-{round_}"))
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.read() as session:
        assert session.execute(text("SELECT count(*) FROM workspaces")).scalar() == 40


def test_a_read_sees_one_snapshot(database: Database) -> None:
    """A read of several statements (a page and its annotations) sees one state of the
    database, though writers commit in between."""
    count = select(func.count()).select_from(Workspace)
    with database.read() as session:
        before = session.scalar(count)
        with database.write() as writer:
            writer.add(Workspace(id="wsp_snapshot", name="committed-during-the-read"))
        assert session.scalar(count) == before
    with database.read() as session:
        assert session.scalar(count) == before + 1
