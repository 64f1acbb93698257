"""Sign-in and sign-out."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from annotrace import security
from annotrace.errors import TooManyAttempts
from annotrace.services import sessions, throttle
from annotrace.web.dashboard.session import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedUser,
)
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep, SettingsDep, client_address

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only paths of this site: an open redirect would hand the session page to anyone.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/traces"


def _login_page(
    request: Request, *, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = security.new_csrf_token()
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"next": next_url, "email": email, "error": error, "csrf_token": token},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form()] = "/traces",
) -> Response:
    target = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request,
            next_url=target,
            email=email,
            error="The sign-in form expired. Please try again.",
            status=403,
        )
    address = client_address(request)
    window = settings.auth_failure_window
    try:
        with database.write() as session:
            throttle.check_address(
                session=session, address=address, limit=settings.auth_failure_limit, window=window
            )
            result = sessions.sign_in(session=session, email=email, password=password)
            if result is None:
                throttle.record_failure(session=session, address=address, window=window)
    except TooManyAttempts as error:
        page = _login_page(request, next_url=target, email=email, error=error.message, status=429)
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    if result is None:
        return _login_page(
            request,
            next_url=target,
            email=email,
            error="Wrong email or password.",
            status=401,
        )
    token, _ = result
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, database: DatabaseDep, user: CheckedUser) -> Response:
    with database.write() as session:
        sessions.sign_out(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/traces", status_code=303)
