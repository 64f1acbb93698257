"""The one write path for annotations and notes, set-based, and the reads of a span's.

Every way of annotating (bulk API, AgentMark-shaped API, eval scores, evaluations that
arrive inside traces, the dashboard) builds drafts and hands them to `write_annotations`
or `write_notes`, which classify each draft against what is stored with one query and
write all new and changed rows with one statement per kind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, ScalarSelect, func, select, text, update
from sqlalchemy.orm import Session

from annotrace.domain.ids import new_id
from annotrace.domain.text import unstorable
from annotrace.storage.models import MAX_ANNOTATOR_ID, Annotation, Note, Span, Trace
from annotrace.storage.types import utcnow
from annotrace.storage.upsert import insert_rows, update_rows

Source = Literal["human", "api", "eval"]
Status = Literal["created", "updated", "unchanged", "error"]

MAX_NOTE_LENGTH = 20_000
MAX_REASON_LENGTH = 20_000


@dataclass(frozen=True, slots=True)
class AnnotationDraft:
    """A validated annotation, ready to be written."""

    span_rowid: int
    project_rowid: int
    label_rowid: int | None
    label_version: int | None
    name: str
    annotator_id: str
    source: Source
    value: Any
    label: str | None
    score: float | None
    reason: str | None
    run_id: str | None = None
    user_rowid: int | None = None

    @property
    def key(self) -> tuple[Hashable, ...]:
        # Labelled annotations are matched by label, free-form ones by name.
        return (
            self.span_rowid,
            self.label_rowid,
            None if self.label_rowid is not None else self.name.casefold(),
            self.annotator_id,
        )

    def content(self) -> tuple[Any, ...]:
        return (self.value, self.label, self.score, self.reason, self.label_version, self.run_id)


@dataclass(slots=True)
class Outcome:
    status: Status
    annotation_id: str | None = None
    error: str | None = None


@dataclass(slots=True)
class _Stored:
    rowid: int | None  # None until inserted
    id: str
    draft: AnnotationDraft
    dirty: bool = False


def annotator_problem(annotator_id: Any) -> str | None:
    """Why an annotator id cannot be used, or None."""
    if not isinstance(annotator_id, str) or not annotator_id.strip():
        return "annotator_id must be a non-empty string"
    if len(annotator_id) > MAX_ANNOTATOR_ID:
        return (
            f"annotator_id is {len(annotator_id)} characters long; the limit is {MAX_ANNOTATOR_ID}"
        )
    problem = unstorable(annotator_id)
    if problem:
        return f"annotator_id must not contain {problem}"
    return None


def reason_problem(reason: Any) -> str | None:
    """Why a reason (optional free text) cannot be used, or None."""
    if reason is None:
        return None
    if not isinstance(reason, str):
        return "reason must be text"
    if len(reason) > MAX_REASON_LENGTH:
        return f"reason is {len(reason):,} characters long; the limit is {MAX_REASON_LENGTH:,}"
    problem = unstorable(reason)
    if problem:
        return f"reason must not contain {problem}"
    return None


def lock_workspace(session: Session, workspace_rowid: int) -> None:
    """Serialise annotation writes of one workspace on PostgreSQL.

    The classification below (created / updated / unchanged) reads before it writes;
    with the lock, concurrent requests on several servers count each annotation once,
    exactly as SQLite's single writer does.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _ANNOTATION_LOCKS, "key": workspace_rowid},
        )


# The first half of PostgreSQL's two-part advisory lock keys, for annotation writes.
_ANNOTATION_LOCKS = 6180


def write_annotations(
    *,
    session: Session,
    workspace_rowid: int,
    drafts: Sequence[AnnotationDraft],
    dry_run: bool = False,
) -> list[Outcome]:
    """Create or update each draft's annotation, in order; one outcome per draft.

    A draft for a (span, label, annotator) that exists updates it, unless nothing changes
    (unchanged). Within one call, later drafts of a key see the earlier ones. Automated
    eval scores and people never share an annotation: a draft whose annotator already
    has an annotation of the other kind on that key is refused.
    """
    if not drafts:
        return []
    lock_workspace(session, workspace_rowid)
    state = _existing(session, drafts)
    outcomes: list[Outcome] = []
    for draft in drafts:
        stored = state.get(draft.key)
        if stored is None:
            stored = state[draft.key] = _Stored(None, new_id("ann"), draft, dirty=True)
            outcomes.append(Outcome("created", stored.id))
        elif (stored.draft.source == "eval") != (draft.source == "eval"):
            kind = "an eval score" if stored.draft.source == "eval" else "a human annotation"
            outcomes.append(
                Outcome(
                    "error",
                    error=f"annotator_id {draft.annotator_id!r} already has {kind} for "
                    f"{draft.name!r} on this span; evaluators and people need different "
                    "annotator ids",
                )
            )
        elif stored.draft.content() == draft.content():
            outcomes.append(Outcome("unchanged", stored.id))
        else:
            stored.draft, stored.dirty = draft, True
            outcomes.append(Outcome("updated", stored.id))
    if not dry_run:
        _save(session, [stored for stored in state.values() if stored.dirty])
    return outcomes


def _existing(session: Session, drafts: Sequence[AnnotationDraft]) -> dict[Hashable, _Stored]:
    """Stored annotations with the drafts' keys, in one query."""
    # By span only, filtering the keys here: a span has few annotations, and a label
    # condition tempts PostgreSQL (before it has statistics) into scanning every
    # annotation of the label.
    # Plain rows, not ORM objects: writes below bypass the ORM, and objects in the
    # session's identity map would go stale.
    table = Annotation.__table__
    rows = session.execute(
        select(table).where(table.c.span_rowid.in_({draft.span_rowid for draft in drafts}))
    )
    wanted = {draft.key for draft in drafts}
    state: dict[Hashable, _Stored] = {}
    for row in rows:
        draft = AnnotationDraft(
            span_rowid=row.span_rowid,
            project_rowid=row.project_rowid,
            label_rowid=row.label_rowid,
            label_version=row.label_version,
            name=row.name,
            annotator_id=row.annotator_id,
            source=row.source,
            value=row.value,
            label=row.label,
            score=row.score,
            reason=row.reason,
            run_id=row.run_id,
            user_rowid=row.user_rowid,
        )
        if draft.key in wanted:
            state[draft.key] = _Stored(row.annotation_rowid, row.id, draft)
    return state


def _row(draft: AnnotationDraft) -> dict[str, Any]:
    return {
        "label_version": draft.label_version,
        "name": draft.name,
        "source": draft.source,
        "value": draft.value,
        "label": draft.label,
        "score": draft.score,
        "reason": draft.reason,
        "run_id": draft.run_id,
        "user_rowid": draft.user_rowid,
    }


def _save(session: Session, changed: list[_Stored]) -> None:
    """Insert the new rows and update the changed ones, one statement each.

    The statements go past the ORM: an Annotation object the caller loaded earlier in
    the session is expired, so reading it again sees the new values."""
    now = utcnow()
    table = Annotation.__table__
    inserts = [
        {
            **_row(stored.draft),
            "id": stored.id,
            "span_rowid": stored.draft.span_rowid,
            "project_rowid": stored.draft.project_rowid,
            "label_rowid": stored.draft.label_rowid,
            "name_key": stored.draft.name.casefold(),
            "annotator_id": stored.draft.annotator_id,
            "created_at": now,
            "updated_at": now,
        }
        for stored in changed
        if stored.rowid is None
    ]
    updates = [
        {**_row(stored.draft), "annotation_rowid": stored.rowid, "updated_at": now}
        for stored in changed
        if stored.rowid is not None
    ]
    insert_rows(session, table, inserts)  # type: ignore[arg-type]
    update_rows(session, table, updates, key="annotation_rowid")  # type: ignore[arg-type]
    refresh_trace_counts(session, {stored.draft.span_rowid for stored in changed})
    updated = {row["annotation_rowid"] for row in updates}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Annotation) and obj.annotation_rowid in updated:
            session.expire(obj)


def refresh_trace_counts(session: Session, span_rowids: set[int]) -> None:
    """Recount the annotations and eval scores of the traces of these spans (one
    statement), so the trace list can show and filter by them."""
    if not span_rowids:
        return

    def count(*condition: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(func.count())
            .select_from(Annotation)
            .join(Span, Span.span_rowid == Annotation.span_rowid)
            .where(Span.trace_rowid == Trace.trace_rowid, *condition)
            .scalar_subquery()
        )

    session.execute(
        update(Trace)
        .where(
            Trace.trace_rowid.in_(
                select(Span.trace_rowid).where(Span.span_rowid.in_(span_rowids)).distinct()
            )
        )
        .values(
            annotation_count=count(Annotation.source != "eval"),
            eval_count=count(Annotation.source == "eval"),
        )
        .execution_options(synchronize_session=False)
    )


# --- notes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteDraft:
    span_rowid: int
    project_rowid: int
    annotator_id: str
    text: str
    user_rowid: int | None = None

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class NoteOutcome:
    status: Literal["created", "duplicate"]
    note_id: str


def note_text_problem(text_value: Any) -> str | None:
    if not isinstance(text_value, str) or not text_value.strip():
        return "text must be a non-empty string"
    if len(text_value) > MAX_NOTE_LENGTH:
        return f"text is {len(text_value):,} characters long; the limit is {MAX_NOTE_LENGTH:,}"
    problem = unstorable(text_value)
    if problem:
        return f"text must not contain {problem}"
    return None


def write_notes(
    *,
    session: Session,
    workspace_rowid: int,
    drafts: Sequence[NoteDraft],
    dry_run: bool = False,
) -> list[NoteOutcome]:
    """Store each note unless the same annotator already left the same text on the span
    (stored, or earlier in `drafts`): those are duplicates and are not stored again."""
    if not drafts:
        return []
    lock_workspace(session, workspace_rowid)
    hashes = [draft.text_hash for draft in drafts]
    rows = session.execute(
        select(Note.span_rowid, Note.annotator_id, Note.text_hash, Note.id).where(
            Note.span_rowid.in_({draft.span_rowid for draft in drafts}),
            Note.text_hash.in_(set(hashes)),
        )
    )
    seen = {(row.span_rowid, row.annotator_id, row.text_hash): row.id for row in rows}
    outcomes: list[NoteOutcome] = []
    inserts: list[dict[str, Any]] = []
    now = utcnow()
    for draft, text_hash in zip(drafts, hashes, strict=True):
        key = (draft.span_rowid, draft.annotator_id, text_hash)
        if key in seen:
            outcomes.append(NoteOutcome("duplicate", seen[key]))
            continue
        note_id = seen[key] = new_id("note")
        outcomes.append(NoteOutcome("created", note_id))
        inserts.append(
            {
                "id": note_id,
                "span_rowid": draft.span_rowid,
                "project_rowid": draft.project_rowid,
                "annotator_id": draft.annotator_id,
                "text": draft.text,
                "text_hash": text_hash,
                "user_rowid": draft.user_rowid,
                "created_at": now,
            }
        )
    if not dry_run:
        insert_rows(session, Note.__table__, inserts)  # type: ignore[arg-type]
    return outcomes
