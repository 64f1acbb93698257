"""Who is signed in to the dashboard, and the CSRF check of everything that changes state."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from annotrace.domain.access import Role
from annotrace.errors import PermissionDenied
from annotrace.services import sessions
from annotrace.services.sessions import SignedIn
from annotrace.web.deps import DatabaseDep

SESSION_COOKIE = "annotrace_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form is checked
# against a cookie instead (double submit).
LOGIN_CSRF_COOKIE = "annotrace_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SignInRequired(Exception):
    """No live session: the translator sends the browser to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url

    @property
    def login_url(self) -> str:
        return "/login?next=" + quote(self.next_url, safe="/")


def current_user(request: Request, database: DatabaseDep) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    signed = None
    if token:
        with database.read() as session:
            signed = sessions.signed_in(session=session, token=token)
    if signed is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return signed


CurrentUser = Annotated[SignedIn, Depends(current_user)]


async def checked_user(request: Request, user: CurrentUser) -> SignedIn:
    """The signed-in user of a state-changing request whose CSRF token matches."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, user.csrf_token):
        raise PermissionDenied(
            "this form is out of date or did not come from annotrace; reload the page and try again"
        )
    return user


CheckedUser = Annotated[SignedIn, Depends(checked_user)]


def require_role(user: SignedIn, *roles: Role, action: str) -> None:
    if user.principal.role not in roles:
        raise PermissionDenied(
            f"your role ({user.principal.role.value}) may not {action}; ask an admin"
        )


ANNOTATE_ROLES = (Role.OWNER, Role.ADMIN, Role.ANNOTATOR)
ADMIN_ROLES = (Role.OWNER, Role.ADMIN)
