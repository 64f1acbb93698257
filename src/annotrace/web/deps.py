"""Request dependencies: the database, the settings and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from annotrace.domain.access import Principal
from annotrace.errors import Unauthenticated
from annotrace.services import keys
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


def get_principal(
    database: Annotated[Database, Depends(get_database)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
    secret_key: Annotated[str | None, Depends(_secret_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by X-Api-Key + X-Secret-Key, or by `Authorization: Bearer`."""
    with database.read() as session:
        if api_key and secret_key:
            return keys.authenticate_key_pair(
                session=session, api_key=api_key.strip(), secret_key=secret_key.strip()
            )
        if bearer is not None and bearer.credentials:
            return keys.authenticate_bearer(session=session, token=bearer.credentials.strip())
    if api_key or secret_key:
        raise Unauthenticated("send both X-Api-Key and X-Secret-Key (or Authorization: Bearer)")
    raise Unauthenticated(
        "authentication required: send X-Api-Key and X-Secret-Key headers, "
        "or Authorization: Bearer <secret key>"
    )


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
