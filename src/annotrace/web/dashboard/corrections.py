"""The Correction section's forms: record, change or remove a span's corrected output."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from annotrace.errors import InvalidInput
from annotrace.schemas.corrections import CorrectionWrite
from annotrace.services import corrections, traces
from annotrace.services.sessions import SignedIn
from annotrace.storage.engine import Database
from annotrace.web.dashboard.correction_view import correction_view
from annotrace.web.dashboard.session import ANNOTATE_ROLES, CheckedUser, require_role
from annotrace.web.dashboard.templating import templates
from annotrace.web.dashboard.traces import is_fetch, linker
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)


def _response(
    request: Request,
    database: Database,
    user: SignedIn,
    *,
    span_id: str,
    trace_id: str,
    typed: str | None = None,
    error: str | None = None,
) -> Response:
    with database.read() as session:
        span = traces.get_span(
            session=session, principal=user.principal, span_id=span_id, trace_id=trace_id
        )
        if not is_fetch(request):
            link = linker({"project": span.project_id, "trace": trace_id, "span": span_id})
            return RedirectResponse(link(tab="evaluation"), status_code=303)
        context = {
            "user": user,
            "span": span,
            "can_annotate": user.principal.role in ANNOTATE_ROLES,
            **correction_view(
                session=session, principal=user.principal, span=span, typed=typed, error=error
            ),
        }
    status = 422 if error else 200
    return templates.TemplateResponse(request, "_correction.html", context, status_code=status)


@router.post("/spans/{span_id}/correction", response_class=HTMLResponse)
def save_correction(
    request: Request,
    span_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
    output: Annotated[str, Form()] = "",
) -> Response:
    require_role(user, *ANNOTATE_ROLES, action="correct outputs")
    try:
        with database.write() as session:
            corrections.set_correction(
                session=session,
                principal=user.principal,
                span_id=span_id,
                trace_id=trace_id,
                data=CorrectionWrite(output=output),
                annotator_id=user.email,
            )
    except InvalidInput as error:
        return _response(
            request,
            database,
            user,
            span_id=span_id,
            trace_id=trace_id,
            typed=output,
            error=error.message,
        )
    return _response(request, database, user, span_id=span_id, trace_id=trace_id)


@router.post("/spans/{span_id}/correction/delete", response_class=HTMLResponse)
def delete_correction(
    request: Request,
    span_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
) -> Response:
    with database.write() as session:
        corrections.delete_correction(
            session=session, principal=user.principal, span_id=span_id, trace_id=trace_id
        )
    return _response(request, database, user, span_id=span_id, trace_id=trace_id)
