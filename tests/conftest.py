"""Fixtures shared by the whole suite.

Every test that touches storage takes the `database` fixture, which is parametrised
over SQLite and PostgreSQL. PostgreSQL databases are cloned from a template built by
the real migrations, one fresh database per test. Without a reachable PostgreSQL the
PostgreSQL half is skipped, loudly, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from annotrace.services.keys import CreatedKeyPair, create_key_pair
from annotrace.settings import Settings
from annotrace.storage import migrate
from annotrace.storage.engine import Database
from annotrace.web.app import create_app
from tests.support.servers import LiveServer, start_server

POSTGRES_URL = os.environ.get(
    "ANNOTRACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]

_postgres_problem: list[str] = []


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's workers inherit COLUMNS=80, and rich fixes a console's width to
    # $COLUMNS when it is made: CLI tests set the width they need themselves.
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


def pytest_report_header() -> str:
    return f"PostgreSQL for tests: {make_url(POSTGRES_URL).render_as_string()} (CI={IN_CI})"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[object]:
    """An engine on the PostgreSQL server's maintenance database, or a skip."""
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # Any connection failure means "no PostgreSQL here".
        engine.dispose()
        message = f"PostgreSQL unavailable at {POSTGRES_URL}: {error}".splitlines()[0]
        if IN_CI:
            pytest.fail(f"{message} -- CI=true requires PostgreSQL", pytrace=False)
        _postgres_problem.append(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


def create_postgres_database(admin: object, *, template: str | None = None) -> str:
    name = f"annotrace_test_{uuid.uuid4().hex[:12]}"
    clause = f" TEMPLATE {template}" if template else ""
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f"CREATE DATABASE {name}{clause}"))
    return name


def drop_postgres_database(admin: object, name: str) -> None:
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: object) -> Iterator[str]:
    name = create_postgres_database(postgres_admin)
    database = Database(postgres_url(name))
    migrate.upgrade(database)
    database.dispose()
    yield name
    drop_postgres_database(postgres_admin, name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    # Fold the WAL into the main file, so a plain file copy is a complete database.
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@contextmanager
def fresh_database(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database of the kind `request.param` names."""
    if request.param == "sqlite":
        path = directory / "annotrace.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name = create_postgres_database(admin, template=request.getfixturevalue("postgres_template"))
    try:
        yield postgres_url(name)
    finally:
        drop_postgres_database(admin, name)


@pytest.fixture(params=DIALECTS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database of each kind."""
    with fresh_database(request, tmp_path) as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://annotrace.test") as client:
        yield client


def make_key_pair(database: Database, workspace: str = "acme") -> CreatedKeyPair:
    with database.write() as session:
        return create_key_pair(session=session, workspace=workspace)


def headers_for(pair: CreatedKeyPair) -> dict[str, str]:
    return {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}


@pytest.fixture
def key_pair(database: Database) -> CreatedKeyPair:
    return make_key_pair(database)


@pytest.fixture
def auth(key_pair: CreatedKeyPair) -> dict[str, str]:
    return headers_for(key_pair)


@pytest.fixture(scope="session", params=DIALECTS)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`annotrace serve` in a subprocess on a free port, on a database of its own."""
    workdir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'server.sqlite'}"
        with start_server(url, workdir) as server:
            yield server
        return
    admin = request.getfixturevalue("postgres_admin")
    name = create_postgres_database(admin)
    with start_server(postgres_url(name), workdir) as server:
        yield server
    drop_postgres_database(admin, name)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # With pytest-xdist the skips happen in the workers: their reports say why.
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "postgresql" in getattr(report, "keywords", {})
        and "PostgreSQL unavailable" in _skip_reason(report)
    ]
    if not skipped:
        return
    problem = _postgres_problem[0] if _postgres_problem else _skip_reason(skipped[0])
    terminalreporter.write_sep("!", "POSTGRESQL TESTS SKIPPED", red=True, bold=True)
    terminalreporter.write_line(f"{len(skipped)} PostgreSQL tests did not run: {problem}", red=True)
    terminalreporter.write_line(
        "Only the SQLite half of the suite ran. Start PostgreSQL or set "
        "ANNOTRACE_TEST_POSTGRES_URL; under CI=true this is a failure.",
        red=True,
    )
