"""A cap on request body size, enforced before the body is buffered.

Starlette's RequestBodyLimitMiddleware (behind FastAPI's `max_body_size`) answers an
oversized Content-Length with its own text/plain 413, replacing whatever the app sends;
annotrace's clients get the JSON error shape, and OTLP exporters a google.rpc.Status.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from annotrace.errors import PayloadTooLarge
from annotrace.web.errors import error_payload, error_response


def check_batch_size(
    count: int, limit: int, *, field: str, noun: str, setting: str = "ANNOTRACE_MAX_BULK_RECORDS"
) -> None:
    """Refuse a batch of more than `limit` items (the limit's setting named in the error)."""
    if count > limit:
        raise PayloadTooLarge(
            f"{count:,} {noun} in one request; the limit is {limit:,} (setting {setting})",
            field=field,
            expected=f"at most {limit:,} {noun} per request",
        )


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"request body is larger than the limit of {limit:,} bytes",
        field="body",
        expected=f"at most {limit:,} bytes (setting ANNOTRACE_MAX_REQUEST_BYTES)",
    )


class BodySizeLimit:
    """Refuse bodies over `limit` bytes: at once from Content-Length, else while streaming."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            error = too_large(self.limit)
            payload = error_payload(
                code=error.code, message=error.message, field=error.field, expected=error.expected
            )
            await error_response(Request(scope), 413, payload)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the app's own body read, so the error translator
                    # answers it like any other domain error.
                    raise too_large(self.limit)
            return message

        await self.app(scope, counting_receive, send)
