"""The error responses of the OpenAPI document, declared once for every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from annotrace.schemas.common import ErrorResponse

BINARY = {"type": "string", "format": "binary"}

_DESCRIPTIONS = {
    400: "Malformed body: not JSON, not UTF-8 text or (at /v1/traces) not OTLP.",
    401: "Missing or wrong API keys.",
    403: "The caller's role does not allow this.",
    404: "No such object in the caller's workspace.",
    409: "The request contradicts stored state, or an id is ambiguous.",
    413: "Request body, or a batch in it, over the size limit.",
    415: "Unsupported Content-Type or Content-Encoding.",
    422: "Invalid input; `error.field` names the field.",
    429: "Too many failed key checks from this address; try again after `Retry-After`.",
}
_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: Bearer.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    },
}


def errors(
    *statuses: int,
    body: bool = False,
    invalid: bool = True,
    model: type[BaseModel] = ErrorResponse,
    media_types: tuple[str, ...] = (),
) -> dict[int | str, dict[str, Any]]:
    """401 and 429 (every call with keys), 422 (with `invalid`), 400 and 413 (with a JSON
    `body`), and `statuses`; `model` is the JSON body, `media_types` other encodings of it."""
    listed = (401, *((422,) if invalid else ()), 429, *((400, 413) if body else ()), *statuses)
    return {
        status: {
            "model": model,
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
            **({"content": {m: {"schema": BINARY} for m in media_types}} if media_types else {}),
        }
        for status in sorted(set(listed))
    }
