"""Users of the dashboard and their roles in workspaces."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import new_id
from annotrace.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotrace.services.integrity import flush_unique
from annotrace.services.workspaces import get_or_create_workspace, get_workspace
from annotrace.storage.models import Membership, User, WebSession

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: str
    email: str
    workspace: str
    role: Role
    # Set by add_user: the email already had an account, whose password stays as it was.
    had_account: bool = False


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    # Control characters are in no address (and PostgreSQL cannot store a NUL).
    strange = any(c.isspace() or not c.isprintable() for c in cleaned)
    if not local or "." not in domain or len(cleaned) > 320 or strange:
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
    flush_unique(session, f"a user with the email {email!r} already exists")
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


# --- managing the members of the caller's workspace ---------------------------------------

MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
_MANAGER_VALUES = tuple(role.value for role in MANAGER_ROLES)


def workspace_users(*, session: Session, principal: Principal) -> list[UserInfo]:
    """The members of the caller's workspace and their roles, by email."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_rowid == User.user_rowid)
        .where(Membership.workspace_rowid == principal.workspace_rowid)
        .order_by(User.email)
    )
    return [_info(user, principal, role) for user, role in rows]


def add_user(
    *, session: Session, principal: Principal, email: str, password: str, role: str
) -> UserInfo:
    """Make `email` a member of the caller's workspace with `role` (a Role or its name).

    A new email gets an account with `password`. An email that already has an account (a
    member of another workspace) becomes a member here too and keeps its own password:
    `password` is then checked like any other but not used, and `had_account` says so.
    Only an owner or admin may add users, and only an owner may add an owner; an email
    that is already a member here is a Conflict.
    """
    acting = _acting_role(principal, _managers(session, principal))
    email = normalize_email(email)
    password = validate_password(password)
    wanted = parse_role(role)
    if wanted is Role.OWNER and acting is not Role.OWNER:
        raise PermissionDenied("only an owner may make someone an owner")
    user = session.scalar(select(User).where(User.email == email))
    had_account = user is not None
    if user is None:
        user = User(id=new_id("usr"), email=email, password_hash=security.hash_password(password))
        session.add(user)
        flush_unique(session, f"a user with the email {email!r} already exists")
    elif _membership(session, principal, user) is not None:
        raise Conflict(f"{email} is already a member of this workspace")
    session.add(
        Membership(
            workspace_rowid=principal.workspace_rowid, user_rowid=user.user_rowid, role=wanted.value
        )
    )
    session.flush()
    return _info(user, principal, wanted, had_account=had_account)


def change_role(*, session: Session, principal: Principal, user_id: str, role: str) -> UserInfo:
    """Give a member of the caller's workspace another role (a Role or its name).

    Only an owner or admin may; only an owner may make an owner or change an owner's role;
    nobody changes their own; the workspace keeps at least one owner or admin.
    """
    managers = _managers(session, principal)
    acting = _acting_role(principal, managers)
    wanted = parse_role(role)
    user, membership = _member(session, principal, user_id)
    _check_may_change(principal, acting, user, membership, doing="change the role of")
    if wanted is Role.OWNER and acting is not Role.OWNER:
        raise PermissionDenied("only an owner may make someone an owner")
    if wanted not in MANAGER_ROLES:
        _keep_a_manager(managers, membership, user)
    membership.role = wanted.value
    session.flush()
    return _info(user, principal, wanted)


def remove_user(*, session: Session, principal: Principal, user_id: str) -> None:
    """Take a member out of the caller's workspace and end their sessions in it.

    Their account is deleted with its last membership; a member of other workspaces keeps
    it. What they annotated keeps their email as its annotator. The rules are those of
    `change_role`: owner or admin only, an owner only by an owner, never oneself, never the
    last owner or admin.
    """
    managers = _managers(session, principal)
    acting = _acting_role(principal, managers)
    user, membership = _member(session, principal, user_id)
    _check_may_change(principal, acting, user, membership, doing="remove")
    _keep_a_manager(managers, membership, user)
    session.execute(
        delete(WebSession).where(
            WebSession.user_rowid == user.user_rowid,
            WebSession.workspace_rowid == principal.workspace_rowid,
        )
    )
    session.execute(
        delete(Membership).where(Membership.membership_rowid == membership.membership_rowid)
    )
    others = select(Membership.membership_rowid).where(Membership.user_rowid == user.user_rowid)
    if session.scalar(others.limit(1)) is None:
        session.execute(delete(User).where(User.user_rowid == user.user_rowid))
    session.flush()


def _info(user: User, principal: Principal, role: str, *, had_account: bool = False) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        workspace=principal.workspace_name,
        role=Role(role),
        had_account=had_account,
    )


def _managers(session: Session, principal: Principal) -> list[Membership]:
    """The owner and admin memberships of the caller's workspace, locked to the end of the
    transaction: two admins demoting each other at once on PostgreSQL then take turns, and
    the second sees the first's change (SQLite's write transactions already take turns)."""
    return list(
        session.scalars(
            select(Membership)
            .where(
                Membership.workspace_rowid == principal.workspace_rowid,
                Membership.role.in_(_MANAGER_VALUES),
            )
            .order_by(Membership.membership_rowid)
            .with_for_update()
        )
    )


def _acting_role(principal: Principal, managers: list[Membership]) -> Role:
    """The caller's role as it is now rather than when their session was read: an admin
    demoted a moment ago manages nothing. A key pair acts for the workspace with its role."""
    if principal.user_rowid is None:
        role = principal.role
    else:
        mine = next((m for m in managers if m.user_rowid == principal.user_rowid), None)
        if mine is None and principal.role in MANAGER_ROLES:
            raise PermissionDenied(
                "your role in this workspace has changed: only an owner or admin may manage users"
            )
        role = Role(mine.role) if mine is not None else principal.role
    if role not in MANAGER_ROLES:
        raise PermissionDenied(f"your role ({role.value}) may not manage users; ask an admin")
    return role


def _membership(session: Session, principal: Principal, user: User) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_rowid == principal.workspace_rowid,
            Membership.user_rowid == user.user_rowid,
        )
    )


def _member(session: Session, principal: Principal, user_id: str) -> tuple[User, Membership]:
    """A member of the caller's workspace by public id; members of other workspaces only
    are not found, like any id of another workspace."""
    row = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_rowid == User.user_rowid)
        .where(User.id == user_id, Membership.workspace_rowid == principal.workspace_rowid)
    ).first()
    if row is None:
        raise NotFound(f"no user {user_id!r} in this workspace")
    return row[0], row[1]


def _check_may_change(
    principal: Principal, acting: Role, user: User, membership: Membership, *, doing: str
) -> None:
    """`doing` is "change the role of" or "remove"."""
    if user.user_rowid == principal.user_rowid:
        # Another manager must do it: a lone admin cannot lock everyone out by a slip.
        change = "remove yourself" if doing == "remove" else "change your own role"
        raise Conflict(
            f"you cannot {change}; another owner or admin can, so that the workspace "
            "always keeps someone who manages it"
        )
    if membership.role == Role.OWNER.value and acting is not Role.OWNER:
        raise PermissionDenied(f"only an owner may {doing} an owner")


def _keep_a_manager(managers: list[Membership], membership: Membership, user: User) -> None:
    """Refuse to leave the workspace with nobody who can manage it."""
    others = [m for m in managers if m.membership_rowid != membership.membership_rowid]
    if membership.role in _MANAGER_VALUES and not others:
        raise Conflict(
            f"{user.email} is the last owner or admin of this workspace; "
            "make someone else an owner or admin first"
        )
