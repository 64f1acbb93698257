"""The Users page: the members of the workspace, their roles, and the forms that add, change
and remove them.

The rules (who may grant what, never oneself, always one owner or admin left) live in
`services/users.py`; this module puts a refusal back next to the field or row it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from annotrace.domain.access import Role
from annotrace.errors import Conflict, InvalidInput, PermissionDenied
from annotrace.services import users
from annotrace.services.sessions import SignedIn
from annotrace.services.users import UserInfo
from annotrace.web.dashboard.session import ADMIN_ROLES, CheckedUser, CurrentUser, require_role
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep
from annotrace.web.errors import status_of

router = APIRouter(include_in_schema=False)

MANAGE = "manage users"
# Least to most: the order of every role menu.
ROLE_NAMES = {
    Role.VIEWER: "Viewer",
    Role.ANNOTATOR: "Annotator",
    Role.ADMIN: "Admin",
    Role.OWNER: "Owner",
}
ADD_FIELDS = frozenset({"email", "password", "role"})
Refusal = InvalidInput | Conflict | PermissionDenied
REFUSALS = (InvalidInput, Conflict, PermissionDenied)


class AddUserForm(BaseModel):
    """The Add user form as posted."""

    email: str = ""
    password: str = ""
    role: str = Role.ANNOTATOR.value


@dataclass(frozen=True, slots=True)
class Refused:
    """A refused form: the summary's first words, the error, and the field or row
    (`row-<user id>`) its message is shown next to."""

    headline: str
    error: Refusal
    key: str | None


def _add_key(error: Refusal) -> str | None:
    """The Add user field a refusal is about."""
    if isinstance(error, InvalidInput):
        return error.field if error.field in ADD_FIELDS else None
    # The only conflict is an email that is already a member; the only permission an
    # admin lacks here is making an owner.
    return "email" if isinstance(error, Conflict) else "role"


def _manageable(user: SignedIn, member: UserInfo) -> bool:
    """Whether the signed-in user may change this member (the service has the last word)."""
    if member.email == user.email:
        return False
    return member.role is not Role.OWNER or user.principal.role is Role.OWNER


def _grantable(user: SignedIn) -> list[tuple[str, str]]:
    """The roles the signed-in user may give, as (value, title)."""
    return [
        (role.value, title)
        for role, title in ROLE_NAMES.items()
        if role is not Role.OWNER or user.principal.role is Role.OWNER
    ]


def _notice(members: list[UserInfo], params: dict[str, str]) -> str | None:
    """The confirmation of the post that redirected here. Ids are looked up, not echoed,
    so a crafted link cannot make the page say something else."""
    by_id = {member.id: member for member in members}
    added = by_id.get(params.get("added", ""))
    if added is not None:
        text = f"{added.email} added as {ROLE_NAMES[added.role]}."
        if params.get("existing"):
            text += (
                " They already had an account, so they sign in with their own password:"
                " the one typed here was not used."
            )
        return text
    changed = by_id.get(params.get("changed", ""))
    if changed is not None:
        return f"The role of {changed.email} is now {ROLE_NAMES[changed.role]}."
    if params.get("removed") and params["removed"] not in by_id:
        return "User removed: their sessions in this workspace have ended."
    return None


def _errors(refused: Refused | None) -> dict[str, str]:
    if refused is None or refused.key is None:
        return {}
    return {refused.key: refused.error.message}


def _page(
    request: Request,
    database: DatabaseDep,
    user: SignedIn,
    *,
    form: AddUserForm | None = None,
    refused: Refused | None = None,
    params: dict[str, str] | None = None,
) -> Response:
    with database.read() as session:
        members = users.workspace_users(session=session, principal=user.principal)
    # Never the password: a refused form comes back with it empty.
    form = form or AddUserForm()
    context: dict[str, Any] = {
        "user": user,
        "section": "users",
        "members": members,
        "manageable": {member.id for member in members if _manageable(user, member)},
        "role_names": ROLE_NAMES,
        "grantable": _grantable(user),
        "form": {"email": form.email, "role": form.role},
        "errors": _errors(refused),
        "problem": None if refused is None else (refused.headline, refused.error.message),
        "notice": _notice(members, params or {}),
    }
    status = 200 if refused is None else status_of(refused.error)
    return templates.TemplateResponse(request, "users.html", context, status_code=status)


# --- routes -------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: CurrentUser, database: DatabaseDep) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    return _page(request, database, user, params=dict(request.query_params))


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    user: CheckedUser,
    database: DatabaseDep,
    form: Annotated[AddUserForm, Form()],
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    try:
        with database.write() as session:
            added = users.add_user(
                session=session,
                principal=user.principal,
                email=form.email,
                password=form.password,
                role=form.role,
            )
    except REFUSALS as error:
        refused = Refused("The user was not added.", error, _add_key(error))
        return _page(request, database, user, form=form, refused=refused)
    query = {"added": added.id} | ({"existing": "1"} if added.had_account else {})
    return RedirectResponse("/users?" + urlencode(query), status_code=303)


@router.post("/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    user_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    role: Annotated[str, Form()] = "",
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    try:
        with database.write() as session:
            changed = users.change_role(
                session=session, principal=user.principal, user_id=user_id, role=role
            )
    except REFUSALS as error:
        refused = Refused("The role was not changed.", error, f"row-{user_id}")
        return _page(request, database, user, refused=refused)
    return RedirectResponse("/users?" + urlencode({"changed": changed.id}), status_code=303)


@router.post("/users/{user_id}/remove", response_class=HTMLResponse)
def remove_user(
    request: Request, user_id: str, user: CheckedUser, database: DatabaseDep
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    try:
        with database.write() as session:
            users.remove_user(session=session, principal=user.principal, user_id=user_id)
    except REFUSALS as error:
        refused = Refused("The user was not removed.", error, f"row-{user_id}")
        return _page(request, database, user, refused=refused)
    return RedirectResponse("/users?" + urlencode({"removed": user_id}), status_code=303)
