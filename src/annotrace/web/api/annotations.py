"""Annotations (AgentMark shape) and notes on spans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from annotrace.schemas.annotations import (
    AnnotationCreate,
    AnnotationRead,
    AnnotationUpdate,
    NoteCreate,
    NoteRead,
)
from annotrace.services import annotate, notes
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["annotations"])

TraceIdQuery = Annotated[
    str | None, Query(description="Trace of the span, when its span id is in several traces.")
]


@router.post(
    "/spans/{span_id}/annotations",
    operation_id="createAnnotation",
    summary="Annotate a span with Name, Label, Score and Reason",
    status_code=201,
    responses={
        **errors(404, 409, body=True),
        200: {"model": AnnotationRead, "description": "An existing annotation was updated."},
    },
)
def create_annotation(
    span_id: str,
    data: AnnotationCreate,
    principal: PrincipalDep,
    database: DatabaseDep,
    response: Response,
    trace_id: TraceIdQuery = None,
) -> AnnotationRead:
    with database.write() as session:
        annotation, created = annotate.create_annotation(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id, data=data
        )
    if not created:
        response.status_code = 200
    return annotation


@router.get(
    "/spans/{span_id}/annotations",
    operation_id="listAnnotations",
    summary="List a span's annotations and eval scores",
    responses=errors(404, 409),
)
def list_annotations(
    span_id: str, principal: PrincipalDep, database: DatabaseDep, trace_id: TraceIdQuery = None
) -> list[AnnotationRead]:
    with database.read() as session:
        return annotate.list_span_annotations(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id
        )


@router.patch(
    "/annotations/{annotation_id}",
    operation_id="updateAnnotation",
    summary="Change an annotation's Label, Score or Reason",
    responses=errors(403, 404, body=True),
)
def update_annotation(
    annotation_id: str, data: AnnotationUpdate, principal: PrincipalDep, database: DatabaseDep
) -> AnnotationRead:
    with database.write() as session:
        return annotate.update_annotation(
            session=session, principal=principal, annotation_id=annotation_id, data=data
        )


@router.delete(
    "/annotations/{annotation_id}",
    operation_id="deleteAnnotation",
    summary="Delete an annotation",
    status_code=204,
    responses=errors(403, 404),
)
def delete_annotation(annotation_id: str, principal: PrincipalDep, database: DatabaseDep) -> None:
    with database.write() as session:
        annotate.delete_annotation(
            session=session, principal=principal, annotation_id=annotation_id
        )


@router.post(
    "/spans/{span_id}/notes",
    operation_id="addNote",
    summary="Add a note to a span (the same text from the same annotator is kept once)",
    status_code=201,
    responses={
        **errors(404, 409, body=True),
        200: {"model": NoteRead, "description": "The same note already existed."},
    },
)
def add_note(
    span_id: str,
    data: NoteCreate,
    principal: PrincipalDep,
    database: DatabaseDep,
    response: Response,
    trace_id: TraceIdQuery = None,
) -> NoteRead:
    with database.write() as session:
        note, created = notes.add_note(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id, data=data
        )
    if not created:
        response.status_code = 200
    return note


@router.get(
    "/spans/{span_id}/notes",
    operation_id="listNotes",
    summary="List a span's notes",
    responses=errors(404, 409),
)
def list_notes(
    span_id: str, principal: PrincipalDep, database: DatabaseDep, trace_id: TraceIdQuery = None
) -> list[NoteRead]:
    with database.read() as session:
        return notes.list_notes(
            session=session, principal=principal, span_id=span_id, trace_id=trace_id
        )


@router.delete(
    "/spans/{span_id}/notes/{note_id}",
    operation_id="deleteNote",
    summary="Delete a note",
    status_code=204,
    responses=errors(403, 404, 409),
)
def delete_note(
    span_id: str,
    note_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    trace_id: TraceIdQuery = None,
) -> None:
    with database.write() as session:
        notes.delete_note(
            session=session,
            principal=principal,
            span_id=span_id,
            note_id=note_id,
            trace_id=trace_id,
        )
