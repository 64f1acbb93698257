"""The admin commands, through Typer's CliRunner, on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from annotrace import __version__
from annotrace.cli.app import app
from annotrace.services.keys import authenticate_key_pair
from annotrace.storage.engine import Database
from annotrace.storage.models import Membership, Span, User

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    assert run("--version") == (0, f"annotrace {__version__}\n", "")


def test_keys_create_json_is_exactly_the_pair(database_url: str) -> None:
    code, out, _ = run(
        "keys", "create", "--workspace", "acme", "--json", "--database-url", database_url
    )
    assert code == 0
    pair = json.loads(out)
    assert set(pair) == {"workspace", "api_key", "secret_key"}
    assert pair["workspace"] == "acme"
    database = Database(database_url)
    with database.read() as session:
        principal = authenticate_key_pair(
            session=session, api_key=pair["api_key"], secret_key=pair["secret_key"]
        )
    database.dispose()
    assert principal.workspace_name == "acme"


def test_keys_list_and_revoke(database_url: str) -> None:
    _, out, _ = run(
        "keys", "create", "--workspace", "acme", "--json", "--database-url", database_url
    )
    api_key = json.loads(out)["api_key"]
    code, out, _ = run(
        "keys", "list", "--workspace", "acme", "--json", "--database-url", database_url
    )
    assert code == 0
    listed = json.loads(out)
    assert [key["api_key"] for key in listed] == [api_key]
    assert listed[0]["revoked_at"] is None
    assert "secret" not in out
    assert (
        run("keys", "revoke", "--workspace", "acme", api_key, "--database-url", database_url)[0]
        == 0
    )
    _, out, _ = run("keys", "list", "--workspace", "acme", "--json", "--database-url", database_url)
    assert json.loads(out)[0]["revoked_at"] is not None


def test_keys_create_prints_a_readable_pair(database_url: str) -> None:
    code, out, _ = run("keys", "create", "--workspace", "acme", "--database-url", database_url)
    assert code == 0
    assert "X-Api-Key:    atk_" in out
    assert "X-Secret-Key: ats_" in out


def test_users_create_with_role(database_url: str) -> None:
    code, out, _ = run(
        "users",
        "create",
        "--workspace",
        "acme",
        "--email",
        "Ana@Example.com",
        "--password",
        "correct horse",
        "--role",
        "admin",
        "--database-url",
        database_url,
    )
    assert code == 0, out
    database = Database(database_url)
    with database.read() as session:
        user = session.scalar(select(User))
        role = session.scalar(select(Membership.role))
    database.dispose()
    assert user.email == "ana@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert role == "admin"
    code, out, _ = run(
        "users", "list", "--workspace", "acme", "--json", "--database-url", database_url
    )
    assert json.loads(out)[0] | {"id": None} == {
        "id": None,
        "email": "ana@example.com",
        "role": "admin",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--email", "not-an-email", "--password", "long enough"), "email"),
        (("--email", "a@b.co", "--password", "short"), "password"),
    ],
)
def test_users_create_refuses_bad_input_with_exit_code_1(
    database_url: str, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(
        "users", "create", "--workspace", "acme", *args, "--database-url", database_url
    )
    assert code == 1
    assert err.startswith(f"Error: {message}")


def test_users_create_twice_is_a_clear_error(database_url: str) -> None:
    args = (
        "users",
        "create",
        "--workspace",
        "acme",
        "--email",
        "a@b.co",
        "--password",
        "long enough",
    )
    assert run(*args, "--database-url", database_url)[0] == 0
    code, _, err = run(*args, "--database-url", database_url)
    assert code == 1
    assert "already exists" in err


def test_an_unknown_role_is_a_usage_error(database_url: str) -> None:
    code, _, err = run(
        "users",
        "create",
        "--workspace",
        "acme",
        "--email",
        "a@b.co",
        "--password",
        "long enough",
        "--role",
        "boss",
        "--database-url",
        database_url,
    )
    assert code == 2
    assert "boss" in err


def test_an_unknown_workspace_is_a_clear_error(database_url: str) -> None:
    code, _, err = run("keys", "list", "--workspace", "nope", "--database-url", database_url)
    assert code == 1
    assert "workspace 'nope' does not exist" in err


def test_a_bad_database_url_is_a_clear_error() -> None:
    code, _, err = run("db", "current", "--database-url", "mysql://x@y/z")
    assert code == 1
    assert "database_url" in err


def test_db_upgrade_and_current(database_url: str) -> None:
    code, out, _ = run("db", "upgrade", "--database-url", database_url)
    assert code == 0
    assert "already up to date" in out
    code, out, _ = run("db", "current", "--database-url", database_url)
    assert "up to date" in out


def test_db_upgrade_creates_the_default_sqlite_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ANNOTRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ANNOTRACE_DATABASE_URL", raising=False)
    code, out, _ = run("db", "upgrade")
    assert code == 0
    assert (tmp_path / "data" / "annotrace.sqlite").exists()
    assert "was empty" in out


def test_demo_load_twice_stores_the_demo_once(database_url: str) -> None:
    code, out, _ = run("demo", "load", "--database-url", database_url)
    assert code == 0, out
    assert "atk_demo" in out
    database = Database(database_url)
    with database.read() as session:
        first = session.scalar(select(func.count()).select_from(Span))
    assert run("demo", "load", "--database-url", database_url)[0] == 0
    with database.read() as session:
        second = session.scalar(select(func.count()).select_from(Span))
        principal = authenticate_key_pair(
            session=session, api_key="atk_demo", secret_key="ats_demo"
        )
    database.dispose()
    assert 1000 < first == second
    assert principal.workspace_name == "demo"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+psycopg://postgres:hunter22@127.0.0.1:1/none", "connection"),
        ("sqlite:////nonexistent/directory/annotrace.sqlite", "unable to open database file"),
    ],
)
def test_an_unreachable_database_is_one_line_without_its_password(url: str, reason: str) -> None:
    code, out, err = run("db", "current", "--database-url", url)
    assert code == 1
    assert err.startswith("Error: cannot use the database: ")
    assert reason in err
    assert "Traceback" not in out + err
    assert "hunter22" not in out + err
