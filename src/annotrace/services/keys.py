"""API key pairs: creation, authentication, listing and revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import new_id
from annotrace.domain.names import MAX_NAME_LENGTH
from annotrace.errors import InvalidInput, NotFound, Unauthenticated
from annotrace.services.workspaces import get_or_create_workspace
from annotrace.storage.models import ApiKey, Workspace
from annotrace.storage.types import utcnow

INVALID_CREDENTIALS = "invalid API key or secret key"


@dataclass(frozen=True, slots=True)
class CreatedKeyPair:
    """A new key pair. The only moment the secret exists outside the caller's hands."""

    id: str
    workspace: str
    api_key: str
    secret_key: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    api_key: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def create_key_pair(*, session: Session, workspace: str, name: str = "") -> CreatedKeyPair:
    """Create a key pair in `workspace`, creating the workspace when it does not exist."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}",
            field="name",
            expected=f"at most {MAX_NAME_LENGTH} characters",
        )
    owner = get_or_create_workspace(session=session, name=workspace)
    secret_key = security.new_secret_key()
    key = ApiKey(
        id=new_id("key"),
        workspace_rowid=owner.workspace_rowid,
        api_key=security.new_api_key(),
        secret_hash=security.hash_secret(secret_key),
        name=name,
    )
    session.add(key)
    session.flush()
    return CreatedKeyPair(
        id=key.id,
        workspace=owner.name,
        api_key=key.api_key,
        secret_key=secret_key,
        name=key.name,
        created_at=key.created_at,
    )


def authenticate_key_pair(*, session: Session, api_key: str, secret_key: str) -> Principal:
    """The principal of a live key pair; Unauthenticated for anything else."""
    row = session.execute(
        select(ApiKey, Workspace)
        .join(Workspace, Workspace.workspace_rowid == ApiKey.workspace_rowid)
        .where(ApiKey.api_key == api_key)
    ).first()
    # Hash and compare even when the key is unknown, so timing does not tell which half
    # of the pair was wrong.
    stored_hash = row[0].secret_hash if row else security.hash_secret("")
    matches = security.secret_matches(secret_key, stored_hash)
    if row is None or not matches or row[0].revoked_at is not None:
        raise Unauthenticated(INVALID_CREDENTIALS)
    return _principal(row[0], row[1])


def authenticate_bearer(*, session: Session, token: str) -> Principal:
    """The principal of a bearer token, which is the secret key of a key pair."""
    row = session.execute(
        select(ApiKey, Workspace)
        .join(Workspace, Workspace.workspace_rowid == ApiKey.workspace_rowid)
        .where(ApiKey.secret_hash == security.hash_secret(token))
    ).first()
    if row is None or row[0].revoked_at is not None:
        raise Unauthenticated(INVALID_CREDENTIALS)
    return _principal(row[0], row[1])


def _principal(key: ApiKey, workspace: Workspace) -> Principal:
    # A key pair acts for its whole workspace, as pipelines do.
    return Principal(
        workspace_rowid=workspace.workspace_rowid,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        role=Role.ADMIN,
        api_key_rowid=key.api_key_rowid,
    )


def list_keys(*, session: Session, workspace_rowid: int) -> list[KeyInfo]:
    keys = session.scalars(
        select(ApiKey)
        .where(ApiKey.workspace_rowid == workspace_rowid)
        .order_by(ApiKey.created_at, ApiKey.api_key_rowid)
    )
    return [_info(key) for key in keys]


def revoke_key(*, session: Session, workspace_rowid: int, key: str) -> KeyInfo:
    """Revoke a key pair of the workspace, named by its id or its public api_key."""
    row = session.scalar(
        select(ApiKey).where(
            ApiKey.workspace_rowid == workspace_rowid,
            (ApiKey.id == key) | (ApiKey.api_key == key),
        )
    )
    if row is None:
        raise NotFound(f"key {key!r} not found in this workspace")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _info(row)


def _info(key: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=key.id,
        api_key=key.api_key,
        name=key.name,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )
