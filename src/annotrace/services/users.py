"""Users of the dashboard and their roles in workspaces."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Role
from annotrace.domain.ids import new_id
from annotrace.errors import Conflict, InvalidInput
from annotrace.services.workspaces import get_or_create_workspace, get_workspace
from annotrace.storage.models import Membership, User

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: str
    email: str
    workspace: str
    role: Role


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or len(cleaned) > 320 or any(c.isspace() for c in cleaned):
        raise InvalidInput(
            f"email {email!r} is not an email address",
            field="email",
            expected="an address such as ana@example.com",
        )
    return cleaned


def validate_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
            field="password",
            expected=f"at least {MIN_PASSWORD_LENGTH} characters",
        )
    return password


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"role {role!r} is not a role",
            field="role",
            expected="one of " + ", ".join(r.value for r in Role),
        ) from None


def create_user(
    *, session: Session, workspace: str, email: str, password: str, role: Role = Role.ANNOTATOR
) -> UserInfo:
    """Create a user with a role in `workspace`, creating the workspace when needed."""
    email = normalize_email(email)
    password = validate_password(password)
    if session.scalar(select(User.user_rowid).where(User.email == email)) is not None:
        raise Conflict(f"a user with the email {email!r} already exists")
    owner = get_or_create_workspace(session=session, name=workspace)
    user = User(id=new_id("usr"), email=email, password_hash=security.hash_password(password))
    session.add(user)
    session.flush()
    session.add(
        Membership(workspace_rowid=owner.workspace_rowid, user_rowid=user.user_rowid, role=role)
    )
    session.flush()
    return UserInfo(id=user.id, email=user.email, workspace=owner.name, role=role)


def list_users(*, session: Session, workspace: str) -> list[UserInfo]:
    owner = get_workspace(session=session, name=workspace)
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_rowid == User.user_rowid)
        .where(Membership.workspace_rowid == owner.workspace_rowid)
        .order_by(User.email)
    )
    return [
        UserInfo(id=user.id, email=user.email, workspace=owner.name, role=Role(role))
        for user, role in rows
    ]
