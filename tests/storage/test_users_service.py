"""The rules of managing a workspace's users, at the service, on both databases: who may
add, change and remove whom, that nobody changes themselves, and that every workspace keeps
an owner or admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotrace.services import users
from annotrace.services.users import UserInfo
from annotrace.storage.engine import Database
from annotrace.storage.models import Membership, User, WebSession, Workspace
from annotrace.storage.types import utcnow
from tests.storage.test_ingest import principal_of

PASSWORD = "correct horse battery staple"


def create(database: Database, email: str, role: Role, workspace: str = "acme") -> UserInfo:
    with database.write() as session:
        return users.create_user(
            session=session, workspace=workspace, email=email, password=PASSWORD, role=role
        )


def member(database: Database, email: str, workspace: str = "acme") -> Principal:
    """The principal of `email` signed in to `workspace`, as a dashboard session makes it."""
    with database.read() as session:
        user, membership, space = session.execute(
            select(User, Membership, Workspace)
            .join(Membership, Membership.user_rowid == User.user_rowid)
            .join(Workspace, Workspace.workspace_rowid == Membership.workspace_rowid)
            .where(User.email == email, Workspace.name == workspace)
        ).one()
        return Principal(
            workspace_rowid=space.workspace_rowid,
            workspace_id=space.id,
            workspace_name=space.name,
            role=Role(membership.role),
            user_rowid=user.user_rowid,
            user_email=user.email,
        )


def roles(database: Database, workspace: str = "acme") -> dict[str, Role]:
    with database.read() as session:
        return {u.email: u.role for u in users.list_users(session=session, workspace=workspace)}


def add(database: Database, principal: Principal, email: str, role: str) -> UserInfo:
    with database.write() as session:
        return users.add_user(
            session=session, principal=principal, email=email, password=PASSWORD, role=role
        )


def change(database: Database, principal: Principal, user_id: str, role: str) -> UserInfo:
    with database.write() as session:
        return users.change_role(session=session, principal=principal, user_id=user_id, role=role)


def remove(database: Database, principal: Principal, user_id: str) -> None:
    with database.write() as session:
        users.remove_user(session=session, principal=principal, user_id=user_id)


@pytest.fixture
def admin(database: Database) -> Principal:
    create(database, "admin@acme.test", Role.ADMIN)
    return member(database, "admin@acme.test")


# --- adding ---------------------------------------------------------------------------------


def test_an_admin_adds_a_user_to_their_own_workspace(database: Database, admin: Principal) -> None:
    create(database, "someone@globex.test", Role.ADMIN, workspace="globex")

    added = add(database, admin, "  Ana@Example.COM ", "Viewer")

    assert (added.email, added.workspace, added.role, added.had_account) == (
        "ana@example.com",
        "acme",
        Role.VIEWER,
        False,
    )
    assert roles(database) == {"admin@acme.test": Role.ADMIN, "ana@example.com": Role.VIEWER}
    assert "ana@example.com" not in roles(database, "globex")
    with database.read() as session:
        listed = users.workspace_users(session=session, principal=admin)
        stored = session.scalar(select(User).where(User.email == "ana@example.com"))
    assert [u.email for u in listed] == ["admin@acme.test", "ana@example.com"]
    assert stored is not None
    assert security.password_matches(PASSWORD, stored.password_hash)


def test_an_account_of_another_workspace_joins_and_keeps_its_password(
    database: Database, admin: Principal
) -> None:
    existing = create(database, "bo@globex.test", Role.OWNER, workspace="globex")

    with database.write() as session:
        added = users.add_user(
            session=session,
            principal=admin,
            email="BO@globex.test",
            password="another password",
            role=Role.ANNOTATOR,
        )

    assert (added.id, added.role, added.had_account) == (existing.id, Role.ANNOTATOR, True)
    assert roles(database)["bo@globex.test"] is Role.ANNOTATOR
    assert roles(database, "globex") == {"bo@globex.test": Role.OWNER}
    with database.read() as session:
        stored = session.scalar(select(User).where(User.email == "bo@globex.test"))
    assert stored is not None
    assert security.password_matches(PASSWORD, stored.password_hash)
    assert not security.password_matches("another password", stored.password_hash)


def test_a_member_cannot_be_added_twice(database: Database, admin: Principal) -> None:
    add(database, admin, "ana@example.com", "annotator")

    with pytest.raises(Conflict, match=re.escape("ana@example.com is already a member")):
        add(database, admin, "Ana@example.com", "viewer")

    assert roles(database)["ana@example.com"] is Role.ANNOTATOR


@pytest.mark.parametrize(
    ("email", "password", "role", "field"),
    [
        ("not an email", PASSWORD, "viewer", "email"),
        ("ana@example.com", "short", "viewer", "password"),
        ("ana@example.com", PASSWORD, "superuser", "role"),
    ],
)
def test_invalid_input_names_its_field_and_adds_nobody(
    database: Database, admin: Principal, email: str, password: str, role: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        users.add_user(session=session, principal=admin, email=email, password=password, role=role)
    assert refused.value.field == field
    assert list(roles(database)) == ["admin@acme.test"]


# --- who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR])
def test_viewers_and_annotators_manage_nobody(database: Database, role: Role) -> None:
    other = create(database, "other@acme.test", Role.VIEWER)
    create(database, "me@acme.test", role)
    me = member(database, "me@acme.test")

    with pytest.raises(PermissionDenied, match=f"your role \\({role.value}\\) may not manage"):
        add(database, me, "new@acme.test", "viewer")
    with pytest.raises(PermissionDenied):
        change(database, me, other.id, "annotator")
    with pytest.raises(PermissionDenied):
        remove(database, me, other.id)

    assert roles(database) == {"me@acme.test": role, "other@acme.test": Role.VIEWER}


def test_only_an_owner_makes_changes_or_removes_owners(
    database: Database, admin: Principal
) -> None:
    owner = create(database, "owner@acme.test", Role.OWNER)
    viewer = create(database, "viewer@acme.test", Role.VIEWER)

    with pytest.raises(PermissionDenied, match="only an owner may make someone an owner"):
        add(database, admin, "new@acme.test", "owner")
    with pytest.raises(PermissionDenied, match="only an owner may make someone an owner"):
        change(database, admin, viewer.id, "owner")
    with pytest.raises(PermissionDenied, match="only an owner may change the role of an owner"):
        change(database, admin, owner.id, "admin")
    with pytest.raises(PermissionDenied, match="only an owner may remove an owner"):
        remove(database, admin, owner.id)
    assert roles(database) == {
        "admin@acme.test": Role.ADMIN,
        "owner@acme.test": Role.OWNER,
        "viewer@acme.test": Role.VIEWER,
    }

    boss = member(database, "owner@acme.test")
    assert change(database, boss, viewer.id, "owner").role is Role.OWNER
    assert add(database, boss, "new@acme.test", "owner").role is Role.OWNER
    assert change(database, boss, viewer.id, "viewer").role is Role.VIEWER
    remove(database, boss, admin_id(database))
    assert roles(database) == {
        "new@acme.test": Role.OWNER,
        "owner@acme.test": Role.OWNER,
        "viewer@acme.test": Role.VIEWER,
    }


def admin_id(database: Database) -> str:
    with database.read() as session:
        found = session.scalar(select(User.id).where(User.email == "admin@acme.test"))
    assert found is not None
    return found


def test_nobody_changes_or_removes_themselves(database: Database, admin: Principal) -> None:
    create(database, "owner@acme.test", Role.OWNER)
    me = admin_id(database)

    with pytest.raises(Conflict, match="you cannot change your own role; another owner or admin"):
        change(database, admin, me, "viewer")
    with pytest.raises(Conflict, match="you cannot change your own role"):
        change(database, admin, me, "admin")
    with pytest.raises(Conflict, match="you cannot remove yourself; another owner or admin"):
        remove(database, admin, me)

    assert roles(database)["admin@acme.test"] is Role.ADMIN


def test_the_last_owner_or_admin_stays(database: Database) -> None:
    only = create(database, "only@acme.test", Role.ADMIN)
    pipeline = principal_of(database)  # a key pair: an admin that is no member

    with pytest.raises(Conflict, match=re.escape("only@acme.test is the last owner or admin")):
        change(database, pipeline, only.id, "annotator")
    with pytest.raises(Conflict, match=re.escape("only@acme.test is the last owner or admin")):
        remove(database, pipeline, only.id)
    assert roles(database) == {"only@acme.test": Role.ADMIN}

    # Another manager, and then the first may go: an owner counts as much as an admin.
    add(database, pipeline, "second@acme.test", "admin")
    assert change(database, pipeline, only.id, "annotator").role is Role.ANNOTATOR
    second = roles(database)
    assert second == {"only@acme.test": Role.ANNOTATOR, "second@acme.test": Role.ADMIN}


def test_an_admin_demoted_meanwhile_manages_nobody(database: Database, admin: Principal) -> None:
    create(database, "other@acme.test", Role.ADMIN)
    other = member(database, "other@acme.test")  # read before the change, as a session is

    change(database, admin, other_id(database), "viewer")

    with pytest.raises(PermissionDenied, match="your role in this workspace has changed"):
        change(database, other, admin_id(database), "viewer")
    with pytest.raises(PermissionDenied):
        remove(database, other, admin_id(database))
    assert roles(database) == {"admin@acme.test": Role.ADMIN, "other@acme.test": Role.VIEWER}


def other_id(database: Database) -> str:
    with database.read() as session:
        found = session.scalar(select(User.id).where(User.email == "other@acme.test"))
    assert found is not None
    return found


def test_ids_of_other_workspaces_and_unknown_ids_are_not_found(
    database: Database, admin: Principal
) -> None:
    stranger = create(database, "stranger@globex.test", Role.VIEWER, workspace="globex")

    for user_id in (stranger.id, "usr_nope"):
        with pytest.raises(NotFound, match="in this workspace"):
            change(database, admin, user_id, "annotator")
        with pytest.raises(NotFound):
            remove(database, admin, user_id)
    assert roles(database, "globex") == {"stranger@globex.test": Role.VIEWER}


# --- removing -------------------------------------------------------------------------------


def open_session(database: Database, email: str, workspace: str) -> None:
    """A live dashboard session of `email` in `workspace`."""
    principal = member(database, email, workspace)
    with database.write() as session:
        session.add(
            WebSession(
                token_hash=security.hash_secret(security.new_session_token()),
                user_rowid=principal.user_rowid,
                workspace_rowid=principal.workspace_rowid,
                csrf_token=security.new_csrf_token(),
                expires_at=utcnow() + timedelta(days=1),
            )
        )


def sessions_of(database: Database, email: str) -> list[int]:
    with database.read() as session:
        return list(
            session.scalars(
                select(WebSession.workspace_rowid)
                .join(User, User.user_rowid == WebSession.user_rowid)
                .where(User.email == email)
            )
        )


def user_count(database: Database, email: str) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).where(User.email == email)) or 0


def test_removing_the_only_membership_deletes_the_account(
    database: Database, admin: Principal
) -> None:
    gone = add(database, admin, "ana@example.com", "annotator")
    open_session(database, "ana@example.com", "acme")

    remove(database, admin, gone.id)

    assert "ana@example.com" not in roles(database)
    assert user_count(database, "ana@example.com") == 0
    assert sessions_of(database, "ana@example.com") == []
    # The email can be added again, as a new account.
    assert add(database, admin, "ana@example.com", "viewer").had_account is False


def test_a_member_of_other_workspaces_keeps_the_account_and_sessions_there(
    database: Database, admin: Principal
) -> None:
    bo = create(database, "bo@globex.test", Role.OWNER, workspace="globex")
    add(database, admin, "bo@globex.test", "annotator")
    open_session(database, "bo@globex.test", "globex")
    open_session(database, "bo@globex.test", "acme")

    remove(database, admin, bo.id)

    assert "bo@globex.test" not in roles(database)
    assert roles(database, "globex") == {"bo@globex.test": Role.OWNER}
    assert user_count(database, "bo@globex.test") == 1
    globex = member(database, "bo@globex.test", "globex").workspace_rowid
    assert sessions_of(database, "bo@globex.test") == [globex]
