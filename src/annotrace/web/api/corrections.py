"""Corrected outputs of spans: the expected outputs of golden datasets."""

from __future__ import annotations

from fastapi import APIRouter, Response

from annotrace.schemas.corrections import CorrectionRead, CorrectionWrite
from annotrace.services import corrections
from annotrace.web.api.annotations import TraceIdQuery
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["corrections"])


@router.put(
    "/spans/{span_id}/correction",
    operation_id="setCorrection",
    summary="Record the output a span should have given (replaces the one before)",
    responses={
        **errors(403, 404, 409, body=True),
        201: {"model": CorrectionRead, "description": "The span had no correction; it has now."},
    },
)
def set_correction(
    span_id: str,
    data: CorrectionWrite,
    principal: PrincipalDep,
    database: DatabaseDep,
    response: Response,
    trace_id: TraceIdQuery = None,
) -> CorrectionRead:
    with database.write() as session:
        correction, created = corrections.set_correction(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id, data=data
        )
    if created:
        response.status_code = 201
    return correction


@router.get(
    "/spans/{span_id}/correction",
    operation_id="getCorrection",
    summary="A span's corrected output, beside the original",
    responses=errors(404, 409),
)
def get_correction(
    span_id: str, principal: PrincipalDep, database: DatabaseDep, trace_id: TraceIdQuery = None
) -> CorrectionRead:
    with database.read() as session:
        return corrections.get_correction(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id
        )


@router.delete(
    "/spans/{span_id}/correction",
    operation_id="deleteCorrection",
    summary="Remove a span's corrected output",
    status_code=204,
    responses=errors(403, 404, 409),
)
def delete_correction(
    span_id: str, principal: PrincipalDep, database: DatabaseDep, trace_id: TraceIdQuery = None
) -> None:
    with database.write() as session:
        corrections.delete_correction(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id
        )
