"""The one translator from errors to HTTP responses.

Native API: `{"error": {"code", "message", "field", "expected", "details"}}`.
OTLP (`/v1/traces`): a `google.rpc.Status` in the request's own encoding, as the
OpenTelemetry protocol requires.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from annotrace import errors
from annotrace.otlp.responses import MEDIA_TYPES, status_body
from annotrace.web.dashboard.session import SignInRequired
from annotrace.web.dashboard.templating import templates

logger = logging.getLogger("annotrace.web")

OTLP_TRACES_PATH = "/v1/traces"
COMPAT_PREFIX = "/tracer/"

_STATUS: list[tuple[type[errors.AnnotraceError], int]] = [
    (errors.PayloadTooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthenticated, 401),
    (errors.PermissionDenied, 403),
    (errors.TooManyAttempts, 429),
]

# google.rpc.Code values for the Status body of OTLP replies.
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 8, 415: 3, 422: 3, 429: 8, 500: 13}


def status_of(error: errors.AnnotraceError) -> int:
    for error_type, status in _STATUS:
        if isinstance(error, error_type):
            return status
    return 500


def error_payload(
    *,
    code: str,
    message: str,
    field: str | None = None,
    expected: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "field": field,
            "expected": expected,
            "details": details or [],
        }
    }


_MACHINE_PREFIXES = ("/api/", "/tracer/", "/v1/", "/healthz", "/openapi.json", "/docs")


def is_dashboard(request: Request) -> bool:
    """Pages for people (HTML) rather than endpoints for programs (JSON, OTLP)."""
    return not request.url.path.startswith(_MACHINE_PREFIXES)


_TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Cannot be saved",
    429: "Too many attempts",
    500: "Something went wrong",
}


def error_response(request: Request, status: int, payload: dict[str, Any]) -> Response:
    """Render an error payload in the form the request's endpoint speaks."""
    if is_dashboard(request):
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": status,
                "title": _TITLES.get(status, "Error"),
                "message": payload["error"]["message"],
                "user": None,
            },
            status_code=status,
        )
    headers = {"WWW-Authenticate": 'Bearer realm="annotrace"'} if status == 401 else None
    if request.url.path.rstrip("/") == OTLP_TRACES_PATH:
        # OTLP wants the same encoding back as was sent; an unknown one gets JSON.
        kind = (
            "protobuf" if "protobuf" in request.headers.get("content-type", "").lower() else "json"
        )
        # Malformed OTLP is 400 in the protocol, where the JSON API says 422.
        status = 400 if status == 422 else status
        return Response(
            status_body(
                code=_GRPC_CODES.get(status, 2),
                message=payload["error"]["message"],
                content_type=kind,
            ),
            status_code=status,
            media_type=MEDIA_TYPES[kind],
            headers=headers,
        )
    if request.url.path.startswith(COMPAT_PREFIX):
        # The reference product's envelope says whether the request was processed.
        payload = {"status": False, **payload}
    return JSONResponse(payload, status_code=status, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.AnnotraceError)
    field = getattr(exc, "field", None)
    expected = getattr(exc, "expected", None)
    details = [{"field": field, "message": exc.message, "expected": expected}] if field else []
    payload = error_payload(
        code=exc.code, message=exc.message, field=field, expected=expected, details=details
    )
    response = error_response(request, status_of(exc), payload)
    if isinstance(exc, errors.TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _location(loc: tuple[int | str, ...]) -> str:
    """`("body", "records", 0, "annotations")` -> `body.records[0].annotations`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    for problem in exc.errors():
        if problem.get("type") == "json_invalid":
            # Not JSON at all is a malformed request (400), not an invalid value (422).
            detail = problem.get("ctx", {}).get("error", "")
            payload = error_payload(
                code="invalid_input",
                message=f"request body is not valid JSON: {detail}".rstrip(": "),
                field="body",
                expected="a JSON document",
            )
            return error_response(request, 400, payload)
    problems = [
        (_location(tuple(problem.get("loc", ()))), str(problem.get("msg", "invalid value")))
        for problem in exc.errors()
    ]
    details = [
        {"field": field, "message": f"{field}: {message}", "expected": None}
        for field, message in problems
    ]
    first_field, first_message = problems[0] if problems else (None, "invalid request")
    summary = f"{first_field}: {first_message}" if first_field else first_message
    if len(problems) > 1:
        summary += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    payload = error_payload(
        code="invalid_input", message=summary, field=first_field, details=details
    )
    return error_response(request, 422, payload)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI turns any failure while reading a JSON body into a bare 400: the body size
    # limit tripping mid-stream is that limit's 413, and bytes that are not UTF-8 are
    # malformed JSON like any other.
    if isinstance(exc.__cause__, errors.AnnotraceError):
        return await _domain_error(request, exc.__cause__)
    if isinstance(exc.__cause__, UnicodeDecodeError):
        payload = error_payload(
            code="invalid_input",
            message=f"request body is not valid JSON: it is not UTF-8 text ({exc.__cause__})",
            field="body",
            expected="a JSON document",
        )
        return error_response(request, 400, payload)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"

    payload = error_payload(code=codes.get(exc.status_code, "http_error"), message=message)
    return error_response(request, exc.status_code, payload)


async def _unstorable_value(request: Request, exc: Exception) -> Response:
    # A safety net behind the validation at the edges: a value the database refuses
    # (NUL in text, a number out of range) is the client's input, not a server fault.
    logger.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    payload = error_payload(
        code="invalid_input",
        message="a value in the request cannot be stored (text with NUL characters, "
        "or a number out of range)",
    )
    return error_response(request, 422, payload)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    payload = error_payload(
        code="internal_error", message="internal error; the server log has the details"
    )
    return error_response(request, 500, payload)


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.headers.get("X-Requested-With") == "fetch":
        # The script cannot follow a redirect into a page: it reloads at the sign-in page.
        return Response(status_code=401, headers={"X-Sign-In": exc.login_url})
    return RedirectResponse(exc.login_url, status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(errors.AnnotraceError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(Exception, _unexpected_error)
