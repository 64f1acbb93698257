"""Secrets and passwords never reach the server log, an error message or CLI output
(issue 8), on both databases.

A real `annotrace serve` at uvicorn's most verbose level (trace: every ASGI message) gets
requests carrying right and wrong secret keys, bearer tokens, right and wrong passwords at
sign-in, users and keys created through the dashboard's forms, and refused bodies that hold
a password or a secret; the CLI creates users and keys on the same database. A new secret
key is shown once, by what created it; nothing else ever shows a secret or a password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from annotrace import security
from annotrace.cli.app import app as cli_app
from tests.support.servers import LiveServer, start_server, stop

WORKSPACE = "hush"
ADMIN_EMAIL = "keeper@hush.test"
ADMIN_PASSWORD = "keeper's right passphrase 7f3k"
WRONG_PASSWORD = "keeper's wrong passphrase q9z1"
SHORT_PASSWORD = "Sh0rt!x"  # one character short of the minimum
UNUSED_PASSWORD = "never-stored passphrase m2v8"
MEMBER_PASSWORD = "member's own passphrase 5j2w"
DATABASE_PASSWORD = "database passphrase b7c4"
WRONG_SECRET = security.new_secret_key()
SECRET_KEY = re.compile(r"ats_[A-Za-z0-9_-]{43}")


@pytest.fixture
def database_url_with_password(database_url: str) -> str:
    """PostgreSQL's URL with a password in it (the test server trusts every local user,
    so it is ignored); SQLite's as it is."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return database_url
    return url.set(password=DATABASE_PASSWORD).render_as_string(hide_password=False)


@pytest.fixture
def server(
    database_url_with_password: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    monkeypatch.setenv("ANNOTRACE_LOG_LEVEL", "trace")
    with start_server(database_url_with_password, tmp_path) as live:
        yield live


class Cli:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.outputs: list[str] = []

    def __call__(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(cli_app, [*args, "--database-url", self.database_url])
        output = result.stdout + result.stderr
        assert result.exit_code == code, output
        self.outputs.append(output)
        return output


def csrf_of(page: str) -> str:
    """The token of the sign-in form, or of a signed-in page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)">', page
    )
    assert found, "no CSRF token in the page"
    return found.group(1)


def test_no_secret_or_password_is_logged_echoed_or_printed_twice(
    server: LiveServer, database_url_with_password: str
) -> None:
    cli = Cli(database_url_with_password)

    def create_user(email: str, password: str, *, code: int = 0) -> str:
        command = ["users", "create", "--workspace", WORKSPACE, "--email", email]
        return cli(*command, "--password", password, "--role", "admin", code=code)

    create_user(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "password must be" in create_user("x@hush.test", SHORT_PASSWORD, code=1)
    assert "not an email address" in create_user("not an email", UNUSED_PASSWORD, code=1)
    created = cli("keys", "create", "--workspace", WORKSPACE, "--name", "ci")
    (secret,) = SECRET_KEY.findall(created)
    as_json = cli("keys", "create", "--workspace", WORKSPACE, "--json")
    (json_secret,) = SECRET_KEY.findall(as_json)
    api_key = re.search(r"atk_[0-9a-f]{32}", created).group(0)  # type: ignore[union-attr]
    cli("keys", "list", "--workspace", WORKSPACE)
    cli("db", "current")

    responses: list[httpx.Response] = []
    with httpx.Client(base_url=server.base_url, timeout=30) as http:

        def send(method: str, url: str, expected: int, **options: object) -> httpx.Response:
            response = http.request(method, url, **options)  # type: ignore[arg-type]
            assert response.status_code == expected, response.text
            responses.append(response)
            return response

        keyed = {"X-Api-Key": api_key, "X-Secret-Key": secret}
        send("GET", "/api/v1/projects", 200, headers=keyed)
        send("GET", "/api/v1/projects", 200, headers={"Authorization": f"Bearer {json_secret}"})
        send("GET", "/api/v1/projects", 401, headers={**keyed, "X-Secret-Key": WRONG_SECRET})
        send("GET", "/api/v1/projects", 401, headers={"Authorization": f"Bearer {WRONG_SECRET}"})
        send("POST", "/v1/traces", 401, headers={**keyed, "X-Secret-Key": WRONG_SECRET}, json={})
        # Refused bodies that hold a secret or a password: the errors name the field only.
        search = "/api/v1/spans/search"
        send("POST", search, 422, headers=keyed, json={"filter": {}, "password": ADMIN_PASSWORD})
        send("POST", search, 422, headers=keyed, json={"filter": {"project_id": [secret]}})
        broken = f'{{"secret_key": "{secret}", "x"'
        json_type = {"Content-Type": "application/json"}
        send("POST", search, 400, headers={**keyed, **json_type}, content=broken)

        def sign_in(password: str, expected: int, email: str = ADMIN_EMAIL) -> httpx.Response:
            form = send("GET", "/login", 200).text
            data = {"email": email, "password": password, "csrf_token": csrf_of(form)}
            return send("POST", "/login", expected, data=data)

        sign_in(WRONG_PASSWORD, 401)
        # An email no account can have (PostgreSQL could not even look it up).
        sign_in(ADMIN_PASSWORD, 401, email="keeper\x00@hush.test")
        signed = sign_in(ADMIN_PASSWORD, 303)
        token = http.cookies["annotrace_session"]
        csrf = csrf_of(send("GET", "/users", 200).text)

        def add_user(email: str, password: str, expected: int) -> None:
            data = {"email": email, "password": password, "role": "annotator", "csrf_token": csrf}
            send("POST", "/users", expected, data=data)

        add_user("member@hush.test", MEMBER_PASSWORD, 303)
        add_user("short@hush.test", SHORT_PASSWORD, 422)
        add_user("not an email", UNUSED_PASSWORD, 422)
        add_user("nul\x00@hush.test", UNUSED_PASSWORD, 422)
        page_key = send("POST", "/keys", 201, data={"name": "page", "csrf_token": csrf})
        (page_secret,) = set(SECRET_KEY.findall(page_key.text))
        send("GET", "/keys", 200)
        send("GET", "/api/v1/projects", 200, headers={"Authorization": f"Bearer {page_secret}"})
    stop(server)  # all of the log, shutting down included
    log = server.log()
    # Written at the level `serve` was given: every request is in it, with its ASGI messages.
    assert "TRACE:" in log
    assert '"POST /login HTTP/1.1" 303' in log

    passwords = [ADMIN_PASSWORD, WRONG_PASSWORD, SHORT_PASSWORD, UNUSED_PASSWORD]
    passwords += [MEMBER_PASSWORD, DATABASE_PASSWORD]
    secrets = [*passwords, secret, json_secret, page_secret, WRONG_SECRET, token]
    assert [s for s in secrets if s in log] == []
    for response in responses:
        shown = response.text + str(response.headers)
        # A new key's page shows its secret; the sign-in sets the session's cookie.
        allowed = (
            {page_secret} if response is page_key else {token} if response is signed else set()
        )
        found = [s for s in secrets if s in shown and s not in allowed]
        assert found == [], f"{response.request.method} {response.request.url} shows {found}"
    # The one place a CLI secret is shown: once, in the output of the command that made it.
    assert created.count(secret) == as_json.count(json_secret) == 1
    for output in cli.outputs:
        made = {created: [secret], as_json: [json_secret]}.get(output, [])
        assert [s for s in secrets if s in output] == made, output
