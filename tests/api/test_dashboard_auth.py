"""Dashboard sign-in, sessions, CSRF and security headers, in-process on both databases."""

from __future__ import annotations

import re

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.services.users import create_user
from annotrace.storage.engine import Database

pytestmark = pytest.mark.anyio

EMAIL = "ana@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture
def user(database: Database) -> str:
    with database.write() as session:
        create_user(
            session=session, workspace="acme", email=EMAIL, password=PASSWORD, role=Role.ANNOTATOR
        )
    return EMAIL


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


async def attempt(client: httpx.AsyncClient, password: str, email: str = EMAIL) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": "/traces",
        },
    )


async def test_signing_in_sets_a_safe_cookie_and_opens_the_dashboard(client, user) -> None:
    assert (await client.get("/traces")).status_code == 303
    response = await attempt(client, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/traces"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("annotrace_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    page = await client.get("/traces")
    assert page.status_code == 200
    assert EMAIL in page.text


async def test_a_wrong_password_says_so_and_unknown_emails_read_the_same(client, user) -> None:
    wrong = await attempt(client, "nope")
    unknown = await attempt(client, PASSWORD, email="nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert "annotrace_session" not in response.headers.get("set-cookie", "")


async def test_repeated_failures_are_throttled_even_for_the_right_password(client, user) -> None:
    for _ in range(5):
        assert (await attempt(client, "guess")).status_code == 401
    blocked = await attempt(client, PASSWORD)
    assert blocked.status_code == 429
    assert "too many failed sign-ins" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0


async def test_the_sign_in_form_needs_its_csrf_token(client, user) -> None:
    await client.get("/login")
    response = await client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": "forged", "next": "/"}
    )
    assert response.status_code == 403
    assert (await client.get("/traces")).status_code == 303


async def test_state_changes_need_the_session_csrf_token(client, user) -> None:
    await attempt(client, PASSWORD)
    page = (await client.get("/traces")).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert (await client.post("/logout", data={"csrf_token": "forged"})).status_code == 403
    assert (await client.get("/traces")).status_code == 200  # still signed in
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    assert (await client.get("/traces")).status_code == 303  # the session is gone


async def test_sign_in_redirects_only_within_the_site(client, user) -> None:
    form = await client.get("/login?next=https://evil.example/")
    assert 'value="/traces"' in form.text
    response = await client.post(
        "/login",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/traces"


async def test_security_headers(client, user) -> None:
    page = await client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    api = await client.get("/healthz")
    assert api.headers["x-content-type-options"] == "nosniff"


async def test_api_docs_are_served_without_a_cdn(client) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert (await client.get("/static/swagger/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/static/app.js")).status_code == 200
