"""What the client raises: the server's refusal (with its status and words), or a server
that could not be reached."""

from __future__ import annotations

from typing import Any

import httpx


class ClientError(Exception):
    """Base of the client's errors."""


class APIError(ClientError):
    """The server refused the request; `message` is its explanation, `field` the part of
    the request at fault (when it names one)."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        expected: str | None = None,
        body: Any = None,
    ) -> None:
        where = f" ({field})" if field else ""
        super().__init__(f"{status_code} {code or 'error'}{where}: {message}")
        self.status_code = status_code
        self.message = message
        self.code = code
        self.field = field
        self.expected = expected
        self.body = body

    @classmethod
    def of(cls, response: httpx.Response) -> APIError:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return cls(
                response.status_code,
                str(error.get("message", "")),
                code=error.get("code"),
                field=error.get("field"),
                expected=error.get("expected"),
                body=body,
            )
        return cls(response.status_code, response.text[:500] or response.reason_phrase, body=body)


class ConnectionFailed(ClientError):
    """The server could not be reached (after the retries)."""
