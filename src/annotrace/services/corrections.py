"""Corrected outputs: the output a reviewer says a span should have given, one per span."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import new_id
from annotrace.domain.text import unstorable
from annotrace.errors import InvalidInput, NotFound, PermissionDenied
from annotrace.schemas.corrections import CorrectionRead, CorrectionWrite
from annotrace.services.annotations import annotator_problem
from annotrace.services.integrity import flush_unique
from annotrace.services.traces import SpanRef, span_ref
from annotrace.storage.models import Correction, Span
from annotrace.storage.types import utcnow

# Outputs are LLM answers, often long: the limit only keeps a row within reason.
MAX_OUTPUT_LENGTH = 200_000


def set_correction(
    *,
    session: Session,
    principal: Principal,
    span_id: str,
    data: CorrectionWrite,
    trace_id: str | None = None,
    annotator_id: str | None = None,
) -> tuple[CorrectionRead, bool]:
    """Record the corrected output of a span, replacing the one before; the bool is True
    when the span had none. Annotators may replace only their own correction."""
    if principal.role is Role.VIEWER:
        raise PermissionDenied("viewers may not correct outputs")
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    author = annotator_id or data.annotator_id
    problem = annotator_problem(author)
    if problem:
        raise InvalidInput(problem, field="annotator_id", expected="a non-empty id")
    assert author is not None
    _check_output(data.output)
    correction = _stored(session, span.span_rowid)
    created = correction is None
    if correction is None:
        correction = Correction(
            id=new_id("cor"),
            span_rowid=span.span_rowid,
            project_rowid=span.project_rowid,
            output=data.output,
            annotator_id=author,
            user_rowid=principal.user_rowid,
        )
        session.add(correction)
        flush_unique(session, f"span {span.span_id!r} was corrected at the same moment; retry")
    elif correction.output != data.output or correction.annotator_id != author:
        if not principal.may_change_work_of(correction.annotator_id):
            raise PermissionDenied(
                f"only {correction.annotator_id} or an admin may change this correction"
            )
        correction.output = data.output
        correction.annotator_id = author
        correction.user_rowid = principal.user_rowid
        correction.updated_at = utcnow()
        session.flush()
    return _read(session, correction, span), created


def get_correction(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> CorrectionRead:
    span, correction = _existing(session, principal, span_id, trace_id)
    return _read(session, correction, span)


def find_correction(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> CorrectionRead | None:
    """The span's correction, or None when it has none."""
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    correction = _stored(session, span.span_rowid)
    return None if correction is None else _read(session, correction, span)


def delete_correction(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> None:
    _, correction = _existing(session, principal, span_id, trace_id)
    if not principal.may_change_work_of(correction.annotator_id):
        raise PermissionDenied(f"only {correction.annotator_id} or an admin may delete it")
    session.delete(correction)


def _existing(
    session: Session, principal: Principal, span_id: str, trace_id: str | None
) -> tuple[SpanRef, Correction]:
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    correction = _stored(session, span.span_rowid)
    if correction is None:
        raise NotFound(f"span {span.span_id!r} has no correction")
    return span, correction


def corrections_of_spans(*, session: Session, span_rowids: list[int]) -> dict[int, CorrectionRead]:
    """The corrections of these spans (one query), by span rowid."""
    if not span_rowids:
        return {}
    rows = session.execute(
        select(Correction, Span.span_id, Span.output_value)
        .join(Span, Span.span_rowid == Correction.span_rowid)
        .where(Correction.span_rowid.in_(span_rowids))
    )
    return {
        correction.span_rowid: _fields(correction, span_id, original)
        for correction, span_id, original in rows
    }


def _check_output(output: str) -> None:
    if not output.strip():
        raise InvalidInput("output must not be empty", field="output", expected="text")
    if len(output) > MAX_OUTPUT_LENGTH:
        raise InvalidInput(
            f"output is {len(output):,} characters long; the limit is {MAX_OUTPUT_LENGTH:,}",
            field="output",
            expected=f"at most {MAX_OUTPUT_LENGTH:,} characters",
        )
    problem = unstorable(output)
    if problem:
        raise InvalidInput(f"output must not contain {problem}", field="output", expected="text")


def _stored(session: Session, span_rowid: int) -> Correction | None:
    return session.scalar(select(Correction).where(Correction.span_rowid == span_rowid))


def _read(session: Session, correction: Correction, span: SpanRef) -> CorrectionRead:
    original = session.scalar(select(Span.output_value).where(Span.span_rowid == span.span_rowid))
    return _fields(correction, span.span_id, original)


def _fields(correction: Correction, span_id: str, original: str | None) -> CorrectionRead:
    return CorrectionRead(
        id=correction.id,
        span_id=span_id,
        output=correction.output,
        original_output=original,
        annotator_id=correction.annotator_id,
        created_at=correction.created_at,
        updated_at=correction.updated_at,
    )
