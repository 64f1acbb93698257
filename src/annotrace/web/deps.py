"""Request dependencies: the database, the settings and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from annotrace.domain.access import Principal
from annotrace.errors import Unauthenticated
from annotrace.services import keys, throttle
from annotrace.settings import Settings
from annotrace.storage.engine import Database

# Declared as security schemes so /docs offers them under "Authorize".
_api_key_header = APIKeyHeader(
    name="X-Api-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="Public half of a key pair.",
)
_secret_key_header = APIKeyHeader(
    name="X-Secret-Key",
    scheme_name="SecretKey",
    auto_error=False,
    description="Secret half of a key pair.",
)
_bearer = HTTPBearer(
    scheme_name="Bearer", auto_error=False, description="The secret key of a key pair."
)


# Async, so that FastAPI calls them in the event loop instead of a worker thread.
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    """The caller's address, as uvicorn resolved it (X-Forwarded-For from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def get_principal(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    settings: Annotated[Settings, Depends(get_settings)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
    secret_key: Annotated[str | None, Depends(_secret_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by X-Api-Key + X-Secret-Key, or by `Authorization: Bearer`.

    Failed checks are counted per client address, and an address over the limit is
    refused (429) before its credentials are looked at.
    """
    token = bearer.credentials.strip() if bearer is not None and bearer.credentials else ""
    if not (api_key and secret_key) and not token:
        if api_key or secret_key:
            raise Unauthenticated("send both X-Api-Key and X-Secret-Key (or Authorization: Bearer)")
        raise Unauthenticated(
            "authentication required: send X-Api-Key and X-Secret-Key headers, "
            "or Authorization: Bearer <secret key>"
        )
    address = client_address(request)
    window = settings.auth_failure_window
    with database.read() as session:
        throttle.check_address(
            session=session, address=address, limit=settings.auth_failure_limit, window=window
        )
        try:
            if api_key and secret_key:
                return keys.authenticate_key_pair(
                    session=session, api_key=api_key.strip(), secret_key=secret_key.strip()
                )
            return keys.authenticate_bearer(session=session, token=token)
        except Unauthenticated as error:
            refused = error
    with database.write() as session:
        throttle.record_failure(session=session, address=address, window=window)
    raise refused


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
