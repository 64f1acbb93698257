"""Error responses every native endpoint documents in OpenAPI."""

from __future__ import annotations

from typing import Any

from annotrace.schemas.common import ErrorResponse


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing or wrong API keys.",
        403: "The caller's role does not allow this.",
        404: "No such object in the caller's workspace.",
        409: "The request contradicts stored state, or an id is ambiguous.",
        413: "Request body over the size limit.",
        422: "Invalid input; `error.field` names the field.",
    }
    return {
        status: {"model": ErrorResponse, "description": descriptions[status]}
        for status in (401, 422, *statuses)
    }
