"""Liveness and readiness, without authentication."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from annotrace import __version__
from annotrace.web.deps import DatabaseDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"] = Field(description="ok when the database answers.")
    version: str = Field(description="annotrace version.")
    database: Literal["sqlite", "postgresql"] = Field(description="Kind of database in use.")


@router.get(
    "/healthz",
    operation_id="health",
    summary="Server version and database kind; 503 when the database does not answer",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database does not answer."}},
)
def health(database: DatabaseDep) -> JSONResponse:
    try:
        with database.read() as session:
            session.execute(text("SELECT 1"))
        status: Literal["ok", "unavailable"] = "ok"
    except Exception:  # Any failure to reach the database means "not ready".
        status = "unavailable"
    body = Health(status=status, version=__version__, database=database.kind)
    return JSONResponse(body.model_dump(), status_code=200 if status == "ok" else 503)
