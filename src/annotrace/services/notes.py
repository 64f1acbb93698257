"""Notes on spans: add, list, delete."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.ids import is_public_id
from annotrace.errors import InvalidInput, NotFound, PermissionDenied
from annotrace.schemas.annotations import NoteCreate, NoteRead
from annotrace.services.annotations import (
    NoteDraft,
    annotator_problem,
    note_text_problem,
    write_notes,
)
from annotrace.services.traces import span_ref
from annotrace.storage.models import Note, Project, Span


def add_note(
    *,
    session: Session,
    principal: Principal,
    span_id: str,
    data: NoteCreate,
    trace_id: str | None = None,
    annotator_id: str | None = None,
) -> tuple[NoteRead, bool]:
    """Add a note; the bool is False when the same annotator already wrote the same text
    on the span (the existing note is returned)."""
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    author = annotator_id or data.annotator_id
    problem = annotator_problem(author)
    if problem:
        raise InvalidInput(problem, field="annotator_id", expected="a non-empty id")
    problem = note_text_problem(data.text)
    if problem:
        raise InvalidInput(problem, field="text", expected="non-empty text")
    assert author is not None
    draft = NoteDraft(
        span_rowid=span.span_rowid,
        project_rowid=span.project_rowid,
        annotator_id=author,
        text=data.text,
        user_rowid=principal.user_rowid,
    )
    (outcome,) = write_notes(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=[draft]
    )
    note = session.scalars(select(Note).where(Note.id == outcome.note_id)).one()
    return _read(note, span.span_id), outcome.status == "created"


def list_notes(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> list[NoteRead]:
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    notes = session.scalars(
        select(Note)
        .where(Note.span_rowid == span.span_rowid)
        .order_by(Note.created_at, Note.note_rowid)
    )
    return [_read(note, span.span_id) for note in notes]


def delete_note(
    *,
    session: Session,
    principal: Principal,
    span_id: str,
    note_id: str,
    trace_id: str | None = None,
) -> None:
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    note = None
    if is_public_id(note_id, "note"):
        note = session.scalar(
            select(Note)
            .join(Project, Project.project_rowid == Note.project_rowid)
            .where(
                Note.id == note_id,
                Note.span_rowid == span.span_rowid,
                Project.workspace_rowid == principal.workspace_rowid,
            )
        )
    if note is None:
        raise NotFound(f"note {note_id!r} not found on span {span.span_id!r}")
    if not principal.may_change_work_of(note.annotator_id):
        raise PermissionDenied("only its author or an admin may delete a note")
    session.delete(note)


def _read(note: Note, span_id: str) -> NoteRead:
    return NoteRead(
        id=note.id,
        span_id=span_id,
        text=note.text,
        annotator_id=note.annotator_id,
        created_at=note.created_at,
    )


def notes_of_spans(*, session: Session, span_rowids: list[int]) -> dict[int, list[NoteRead]]:
    """The notes of these spans (one query), by span rowid."""
    if not span_rowids:
        return {}
    rows = session.execute(
        select(Note, Span.span_id)
        .join(Span, Span.span_rowid == Note.span_rowid)
        .where(Note.span_rowid.in_(span_rowids))
        .order_by(Note.created_at, Note.note_rowid)
    )
    found: dict[int, list[NoteRead]] = {}
    for note, span_id in rows:
        found.setdefault(note.span_rowid, []).append(_read(note, span_id))
    return found
