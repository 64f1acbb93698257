"""The Keys page: the workspace's API key pairs, and the forms that create and revoke them.

A new pair's secret is shown in the response to the form that made it and nowhere else:
not in a URL (a redirect would put it in history and logs), not on a later page, and not
in any cache.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from annotrace.services import keys
from annotrace.services.keys import KeyInfo
from annotrace.services.sessions import SignedIn
from annotrace.web.dashboard.session import ADMIN_ROLES, CheckedUser, CurrentUser, require_role
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

MANAGE = "manage API keys"


def _notice(pairs: list[KeyInfo], revoked: str) -> str | None:
    """The confirmation of the revocation that redirected here."""
    pair = next((pair for pair in pairs if revoked and pair.id == revoked), None)
    if pair is None:
        return None
    return f"Key pair '{pair.name or pair.api_key}' revoked: requests with it are refused."


def _context(user: SignedIn, **extra: Any) -> dict[str, Any]:
    return {"user": user, "section": "keys", **extra}


@router.get("/keys", response_class=HTMLResponse)
def keys_page(
    request: Request, user: CurrentUser, database: DatabaseDep, revoked: str = ""
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    with database.read() as session:
        pairs = keys.list_keys(session=session, workspace_rowid=user.principal.workspace_rowid)
    context = _context(user, pairs=pairs, notice=_notice(pairs, revoked))
    return templates.TemplateResponse(request, "keys.html", context)


@router.post("/keys", response_class=HTMLResponse)
def create_key_pair(
    request: Request,
    user: CheckedUser,
    database: DatabaseDep,
    name: Annotated[str, Form()] = "",
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    with database.write() as session:
        pair = keys.create_key_pair(
            session=session, workspace=user.principal.workspace_name, name=name
        )
    context = _context(user, pair=pair, base_url=str(request.base_url))
    response = templates.TemplateResponse(request, "key_created.html", context, status_code=201)
    # The secret must not outlive this page: no browser or proxy may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key_pair(key_id: str, user: CheckedUser, database: DatabaseDep) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    with database.write() as session:
        pair = keys.revoke_key(
            session=session, workspace_rowid=user.principal.workspace_rowid, key=key_id
        )
    return RedirectResponse(f"/keys?revoked={pair.id}", status_code=303)
