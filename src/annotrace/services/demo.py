"""The demo workspace: realistic traces, an admin user and a key pair, ready to explore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.domain.demo_traces import generate_demo_traces
from annotrace.domain.ids import new_id
from annotrace.domain.spans import IncomingSpan
from annotrace.services.users import create_user
from annotrace.services.workspaces import get_or_create_workspace
from annotrace.storage.models import ApiKey, User

DEMO_WORKSPACE = "demo"
DEMO_EMAIL = "demo@annotrace.local"
DEMO_PASSWORD = "annotrace-demo"  # noqa: S105 (published on purpose, like the keys below)
# Fixed, published credentials: the README's examples run against the demo as written.
DEMO_API_KEY = "atk_demo"
DEMO_SECRET_KEY = "ats_demo"  # noqa: S105


@dataclass(frozen=True, slots=True)
class DemoAccess:
    workspace: str
    email: str
    password: str
    api_key: str
    secret_key: str


def demo_spans(*, now: datetime, traces: int = 300) -> list[IncomingSpan]:
    """The demo's spans; the same ids every time, so loading twice stores them once."""
    return generate_demo_traces(now=now, traces=traces)


def ensure_demo_access(*, session: Session) -> tuple[DemoAccess, Principal]:
    """The demo workspace with its admin user and key pair, created when missing."""
    workspace = get_or_create_workspace(session=session, name=DEMO_WORKSPACE)
    if session.scalar(select(User.user_rowid).where(User.email == DEMO_EMAIL)) is None:
        create_user(
            session=session,
            workspace=DEMO_WORKSPACE,
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            role=Role.ADMIN,
        )
    key = session.scalar(select(ApiKey).where(ApiKey.api_key == DEMO_API_KEY))
    if key is None:
        key = ApiKey(
            id=new_id("key"),
            workspace_rowid=workspace.workspace_rowid,
            api_key=DEMO_API_KEY,
            secret_hash=security.hash_secret(DEMO_SECRET_KEY),
            name="demo",
        )
        session.add(key)
        session.flush()
    access = DemoAccess(
        workspace=DEMO_WORKSPACE,
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        api_key=DEMO_API_KEY,
        secret_key=DEMO_SECRET_KEY,
    )
    principal = Principal(
        workspace_rowid=workspace.workspace_rowid,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        role=Role.ADMIN,
        api_key_rowid=key.api_key_rowid,
    )
    return access, principal
