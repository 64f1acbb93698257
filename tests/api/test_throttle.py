"""Guessing is throttled per client address: failed key checks and sign-ins, counted in
the database, so that every server process on it sees the same count."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.errors import TooManyAttempts
from annotrace.services import throttle
from annotrace.services.users import create_user
from annotrace.settings import Settings
from annotrace.storage.engine import Database
from annotrace.storage.types import utcnow
from annotrace.web.app import create_app
from tests.api.test_dashboard_auth import hidden
from tests.conftest import headers_for

pytestmark = pytest.mark.anyio

LIMIT = 3


@pytest.fixture
def settings() -> Settings:
    return Settings(auth_failure_limit=LIMIT, auth_failure_window_seconds=300)


def client_from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://annotrace.test")


def wrong_secret(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "X-Secret-Key": "ats_wrong"}


async def test_an_address_over_the_limit_is_refused_even_with_the_right_key(app, auth) -> None:
    async with client_from(app, "10.0.0.1") as guesser, client_from(app, "10.0.0.2") as other:
        for _ in range(LIMIT):
            response = await guesser.get("/api/v1/projects", headers=wrong_secret(auth))
            assert response.status_code == 401
        refused = await guesser.get("/api/v1/projects", headers=auth)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_attempts"
        assert 1 <= int(refused.headers["Retry-After"]) <= 301
        bearer = await guesser.get(
            "/api/v1/projects", headers={"Authorization": f"Bearer {auth['X-Secret-Key']}"}
        )
        assert bearer.status_code == 429
        # Another address is not held back by the guesser.
        assert (await other.get("/api/v1/projects", headers=auth)).status_code == 200


async def test_requests_without_credentials_are_not_counted(app, auth) -> None:
    async with client_from(app, "10.0.0.3") as caller:
        for _ in range(LIMIT + 2):
            assert (await caller.get("/api/v1/projects")).status_code == 401
        assert (await caller.get("/api/v1/projects", headers=auth)).status_code == 200


async def test_the_count_is_shared_by_every_server_on_the_database(
    settings, database, auth
) -> None:
    first, second = create_app(settings, database), create_app(settings, database)
    async with client_from(first, "10.0.0.4") as one, client_from(second, "10.0.0.4") as two:
        for _ in range(LIMIT):
            assert (
                await one.get("/api/v1/projects", headers=wrong_secret(auth))
            ).status_code == 401
        assert (await two.get("/api/v1/projects", headers=auth)).status_code == 429


async def test_compatible_and_otlp_endpoints_are_throttled_in_their_own_shapes(app, auth) -> None:
    async with client_from(app, "10.0.0.5") as guesser:
        for _ in range(LIMIT):
            await guesser.get("/tracer/get-annotation-labels/", headers=wrong_secret(auth))
        compat = await guesser.get("/tracer/get-annotation-labels/", headers=auth)
        assert compat.status_code == 429
        assert compat.json()["status"] is False
        otlp = await guesser.post(
            "/v1/traces",
            headers={**auth, "Content-Type": "application/json"},
            content=b'{"resourceSpans": []}',
        )
        assert otlp.status_code == 429
        assert otlp.headers["content-type"].startswith("application/json")
        assert otlp.json()["code"] == 8  # RESOURCE_EXHAUSTED


def test_failures_age_out_of_the_window(database: Database) -> None:
    window = timedelta(minutes=5)
    start = utcnow()
    with database.write() as session:
        for seconds in range(LIMIT):
            throttle.record_failure(
                session=session,
                address="10.0.0.6",
                window=window,
                now=start + timedelta(seconds=seconds),
            )
    later = start + timedelta(seconds=LIMIT)
    with database.read() as session, pytest.raises(TooManyAttempts) as refused:
        throttle.check_address(
            session=session, address="10.0.0.6", limit=LIMIT, window=window, now=later
        )
    assert refused.value.retry_after == 298
    # Once the first failure is older than the window, one more check is allowed.
    with database.read() as session:
        throttle.check_address(
            session=session,
            address="10.0.0.6",
            limit=LIMIT,
            window=window,
            now=start + window + timedelta(seconds=0.5),
        )
    # And the next failure sweeps the rows that have aged out.
    with database.write() as session:
        throttle.record_failure(
            session=session, address="10.0.0.7", window=window, now=start + 2 * window
        )
    with database.read() as session:
        throttle.check_address(
            session=session, address="10.0.0.6", limit=1, window=window, now=start + 2 * window
        )


async def test_sign_in_guesses_across_emails_are_throttled_per_address(app, database) -> None:
    with database.write() as session:
        create_user(
            session=session,
            workspace="acme",
            email="ana@example.com",
            password="correct horse battery",
            role=Role.ANNOTATOR,
        )
    async with client_from(app, "10.0.0.8") as guesser:

        async def attempt(email: str, password: str) -> httpx.Response:
            form = await guesser.get("/login")
            data = {
                "email": email,
                "password": password,
                "csrf_token": hidden(form.text, "csrf_token"),
                "next": "/traces",
            }
            return await guesser.post("/login", data=data)

        for number in range(LIMIT):
            assert (await attempt(f"user{number}@example.com", "guess")).status_code == 401
        refused = await attempt("ana@example.com", "correct horse battery")
        assert refused.status_code == 429
        assert "Retry-After" in refused.headers


async def test_successful_checks_are_not_counted(app, database, key_pair) -> None:
    async with client_from(app, "10.0.0.9") as caller:
        for _ in range(LIMIT * 3):
            response = await caller.get("/api/v1/projects", headers=headers_for(key_pair))
            assert response.status_code == 200
