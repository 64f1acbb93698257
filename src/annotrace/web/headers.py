"""Security headers on every response; a strict Content-Security-Policy on the dashboard."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style anywhere in the dashboard, so the policy can forbid them:
# span content that slipped past escaping still could not run.
DASHBOARD_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# API responses are data (JSON, protobuf, export files), never documents: a browser that
# opens one directly may load nothing from it, nor frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI needs its own inline bootstrap script.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)
_API_PREFIXES = ("/api/", "/tracer/", "/v1/", "/healthz", "/openapi.json")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/docs"):
            policy = DOCS_POLICY
        elif path.startswith(_API_PREFIXES):
            policy = API_POLICY
        else:
            policy = DASHBOARD_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = policy
            await send(message)

        await self.app(scope, receive, send_with_headers)
