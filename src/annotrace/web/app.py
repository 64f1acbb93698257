"""The FastAPI application: one process for the API, OTLP ingest and (later) the dashboard."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_swagger import resources as swagger_ui

from annotrace import __version__
from annotrace.settings import Settings, load_settings
from annotrace.storage.engine import Database
from annotrace.web import health, otlp
from annotrace.web.api import annotations as annotation_routes
from annotrace.web.api import (
    corrections,
    datasets,
    exports,
    labels,
    projects,
    queues,
    scores,
    search,
    traces,
)
from annotrace.web.compat import tracer
from annotrace.web.dashboard import auth as dashboard_auth
from annotrace.web.dashboard import corrections as dashboard_corrections
from annotrace.web.dashboard import datasets as dashboard_datasets
from annotrace.web.dashboard import keys as dashboard_keys
from annotrace.web.dashboard import labels as dashboard_labels
from annotrace.web.dashboard import queue_review as dashboard_review
from annotrace.web.dashboard import queues as dashboard_queues
from annotrace.web.dashboard import traces as dashboard_traces
from annotrace.web.dashboard import users as dashboard_users
from annotrace.web.dashboard.templating import STATIC_DIR
from annotrace.web.errors import install_error_handlers
from annotrace.web.headers import SecurityHeaders
from annotrace.web.limits import BodySizeLimit

DESCRIPTION = """
Self-hosted annotation of LLM traces.

Authenticate with the headers `X-Api-Key` and `X-Secret-Key` of a key pair
(`annotrace keys create --workspace NAME`), or with `Authorization: Bearer <secret key>`.
Send traces with any OpenTelemetry exporter to `/v1/traces` (OTLP/HTTP).
"""


# Swagger UI 5 from the fastapi-swagger package, not a CDN (works offline); it reads the
# OpenAPI 3.1 documents FastAPI writes.
SWAGGER_UI_DIR = Path(swagger_ui.__file__).parent


def create_app(settings: Settings, database: Database) -> FastAPI:
    """The application over an open database whose schema is up to date."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        title="annotrace",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # annotrace receives traces: tracing itself into a global provider could feed
        # its own spans back to itself.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # Served from SWAGGER_UI_DIR below.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_request_bytes)
    app.include_router(health.router)
    app.include_router(otlp.router)
    for module in (
        projects,
        traces,
        search,
        exports,
        datasets,
        queues,
        labels,
        annotation_routes,
        corrections,
        scores,
    ):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(tracer.router)
    app.include_router(dashboard_auth.router)
    app.include_router(dashboard_traces.router)
    app.include_router(dashboard_labels.router)
    app.include_router(dashboard_keys.router)
    app.include_router(dashboard_users.router)
    app.include_router(dashboard_datasets.router)
    app.include_router(dashboard_corrections.router)
    app.include_router(dashboard_queues.router)
    app.include_router(dashboard_review.router)
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_UI_DIR), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)

    document = app.openapi

    def openapi_with_key_pairs() -> dict[str, Any]:
        # FastAPI lists each security scheme a route depends on as an alternative of its
        # own; the truth is the two halves of a key pair together, or a bearer token.
        if app.openapi_schema is None:
            for operations in document()["paths"].values():
                for operation in operations.values():
                    if isinstance(operation, dict) and operation.get("security"):
                        operation["security"] = [{"ApiKey": [], "SecretKey": []}, {"Bearer": []}]
        return app.openapi_schema or document()

    app.openapi = openapi_with_key_pairs  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="annotrace API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    return app


def app_from_environment() -> FastAPI:
    """The application of one worker of `annotrace serve --workers N`, whose settings
    come from the environment (the database is already migrated by the parent)."""
    settings = load_settings()
    app = create_app(settings, Database(settings.resolved_database_url()))
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Set up the collector for a long-running server, once its application is built."""
    # Everything allocated so far lives as long as the process: freezing it spares every
    # later full collection a walk over it. Ingest allocates millions of short-lived
    # objects, so young collections run often; the larger first threshold makes them rarer.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
