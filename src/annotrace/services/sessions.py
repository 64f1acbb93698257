"""Dashboard sign-in: sessions kept in the database, throttled against guessing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.errors import TooManyAttempts, Unauthenticated
from annotrace.storage.models import Membership, SignInFailure, User, WebSession, Workspace
from annotrace.storage.types import utcnow

SESSION_LIFETIME = timedelta(days=7)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
WRONG_CREDENTIALS = "wrong email or password"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A dashboard session: who, in which workspace, and the token of its CSRF checks."""

    principal: Principal
    email: str
    csrf_token: str


def sign_in(
    *, session: Session, email: str, password: str, now: datetime | None = None
) -> tuple[str, SignedIn] | None:
    """Check the password and open a session; the token goes into the cookie.

    A wrong email or password gives None (not an error), so that the caller commits the
    failure it recorded: the count of failures must survive the refusal.

    After MAX_FAILURES wrong passwords for an email within FAILURE_WINDOW, sign-in for
    that email is refused until the window has passed, even with the right password.
    """
    now = now or utcnow()
    key = email.strip().lower()
    if not key.isprintable():
        # No account has such an email (users refuses control characters), and PostgreSQL
        # could not even look it up: a NUL is no text to it.
        security.burn_password_check()
        return None
    failures = session.scalars(
        select(SignInFailure.created_at)
        .where(SignInFailure.email == key, SignInFailure.created_at > now - FAILURE_WINDOW)
        .order_by(SignInFailure.created_at)
    ).all()
    if len(failures) >= MAX_FAILURES:
        wait = failures[0] + FAILURE_WINDOW - now
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        raise TooManyAttempts(
            f"too many failed sign-ins for this email; try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}",
            retry_after=int(wait.total_seconds()) + 1,
        )
    user = session.scalar(select(User).where(User.email == key))
    if user is None:
        security.burn_password_check()
    if user is None or not security.password_matches(password, user.password_hash):
        session.add(SignInFailure(email=key, created_at=now))
        return None
    membership = session.execute(
        select(Membership, Workspace)
        .join(Workspace, Workspace.workspace_rowid == Membership.workspace_rowid)
        .where(Membership.user_rowid == user.user_rowid)
        .order_by(Membership.created_at, Membership.membership_rowid)
    ).first()
    if membership is None:
        raise Unauthenticated("this account belongs to no workspace; ask an admin")
    session.execute(delete(SignInFailure).where(SignInFailure.email == key))
    # Old sessions of anyone are swept here rather than by a background job.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    token = security.new_session_token()
    record = WebSession(
        token_hash=security.hash_secret(token),
        user_rowid=user.user_rowid,
        workspace_rowid=membership[1].workspace_rowid,
        csrf_token=security.new_csrf_token(),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(record)
    session.flush()
    return token, _signed_in(record, user, membership[0], membership[1])


def signed_in(*, session: Session, token: str) -> SignedIn | None:
    """The live session of a cookie token, or None."""
    row = session.execute(
        select(WebSession, User, Membership, Workspace)
        .join(User, User.user_rowid == WebSession.user_rowid)
        .join(Workspace, Workspace.workspace_rowid == WebSession.workspace_rowid)
        .join(
            Membership,
            (Membership.user_rowid == WebSession.user_rowid)
            & (Membership.workspace_rowid == WebSession.workspace_rowid),
        )
        .where(
            WebSession.token_hash == security.hash_secret(token),
            WebSession.expires_at > utcnow(),
        )
    ).first()
    if row is None:
        return None
    return _signed_in(*row)


def sign_out(*, session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == security.hash_secret(token)))


def _signed_in(
    record: WebSession, user: User, membership: Membership, workspace: Workspace
) -> SignedIn:
    return SignedIn(
        principal=Principal(
            workspace_rowid=workspace.workspace_rowid,
            workspace_id=workspace.id,
            workspace_name=workspace.name,
            role=Role(membership.role),
            user_rowid=user.user_rowid,
            user_email=user.email,
        ),
        email=user.email,
        csrf_token=record.csrf_token,
    )
