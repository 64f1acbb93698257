"""Every API request but /healthz needs a live key pair; keys never cross workspaces."""

from __future__ import annotations

import httpx
import pytest

from annotrace.services.keys import CreatedKeyPair, revoke_key
from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_trace

pytestmark = pytest.mark.anyio

PROTECTED = ["/api/v1/projects", "/api/v1/projects/prj_x/traces", "/api/v1/spans/" + "a" * 16]


async def test_health_needs_no_key(client: httpx.AsyncClient, database: Database) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == database.kind
    assert body["version"]


@pytest.mark.parametrize("path", PROTECTED)
async def test_missing_keys_get_401_with_a_json_error(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert "X-Api-Key" in error["message"]


@pytest.mark.parametrize(
    "make_headers",
    [
        lambda pair: {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key + "x"},
        lambda pair: {"X-Api-Key": pair.api_key + "x", "X-Secret-Key": pair.secret_key},
        lambda pair: {"X-Api-Key": pair.api_key},
        lambda pair: {"X-Secret-Key": pair.secret_key},
        lambda pair: {"Authorization": f"Bearer {pair.api_key}"},
        lambda pair: {"Authorization": "Bearer "},
        lambda pair: {"Authorization": f"Basic {pair.secret_key}"},
    ],
    ids=[
        "wrong-secret",
        "wrong-api-key",
        "api-key-only",
        "secret-only",
        "bearer-api-key",
        "empty-bearer",
        "basic",
    ],
)
async def test_wrong_credentials_get_401(
    client: httpx.AsyncClient, key_pair: CreatedKeyPair, make_headers
) -> None:
    response = await client.get("/api/v1/projects", headers=make_headers(key_pair))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert key_pair.secret_key not in response.text


async def test_key_pair_and_bearer_both_work(
    client: httpx.AsyncClient, key_pair: CreatedKeyPair
) -> None:
    by_pair = await client.get("/api/v1/projects", headers=headers_for(key_pair))
    by_bearer = await client.get(
        "/api/v1/projects", headers={"Authorization": f"Bearer {key_pair.secret_key}"}
    )
    assert by_pair.status_code == by_bearer.status_code == 200


async def test_a_revoked_key_is_refused(
    client: httpx.AsyncClient, database: Database, key_pair: CreatedKeyPair
) -> None:
    assert (await client.get("/api/v1/projects", headers=headers_for(key_pair))).status_code == 200
    principal = principal_of(database, "acme")
    with database.write() as session:
        revoke_key(session=session, workspace_rowid=principal.workspace_rowid, key=key_pair.id)
    for headers in (headers_for(key_pair), {"Authorization": f"Bearer {key_pair.secret_key}"}):
        assert (await client.get("/api/v1/projects", headers=headers)).status_code == 401


async def test_secrets_are_stored_hashed(database: Database, key_pair: CreatedKeyPair) -> None:
    with database.engine.connect() as connection:
        dump = " ".join(
            str(value)
            for row in connection.exec_driver_sql("SELECT * FROM api_keys").all()
            for value in row
        )
    assert key_pair.api_key in dump
    assert key_pair.secret_key not in dump


async def test_ids_of_another_workspace_are_not_found(
    client: httpx.AsyncClient, database: Database
) -> None:
    theirs = principal_of(database, "theirs")
    spans = make_trace(project="secret-project")
    store(database, theirs, spans)
    their_headers = headers_for(make_key_pair(database, "theirs"))
    their_project = (await client.get("/api/v1/projects", headers=their_headers)).json()[0]["id"]

    mine = headers_for(make_key_pair(database, "mine"))
    assert (await client.get("/api/v1/projects", headers=mine)).json() == []
    trace_id, span_id = spans[0].span.trace_id, spans[0].span.span_id
    for path in (
        f"/api/v1/projects/{their_project}/traces",
        f"/api/v1/traces/{trace_id}",
        f"/api/v1/spans/{span_id}",
    ):
        response = await client.get(path, headers=mine)
        assert response.status_code == 404, path
        assert "secret-project" not in response.text
        # The same path works for the owner, so the 404 is about visibility alone.
        assert (await client.get(path, headers=their_headers)).status_code == 200
