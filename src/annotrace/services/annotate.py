"""Annotations in the AgentMark shape (Name, Label, Score, Reason): create, list, update,
delete. Eval scores and the dashboard's form go through the same drafting rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.ids import is_public_id
from annotrace.domain.labels import (
    LabelType,
    ValueProblem,
    is_number,
    validate_label_name,
    value_from_agentmark,
)
from annotrace.domain.text import unstorable
from annotrace.errors import InvalidInput, NotFound, PermissionDenied
from annotrace.schemas.annotations import AnnotationCreate, AnnotationRead, AnnotationUpdate
from annotrace.services.annotations import (
    AnnotationDraft,
    Source,
    annotator_problem,
    reason_problem,
    refresh_trace_counts,
    write_annotations,
)
from annotrace.services.labels import LabelRef, labels_by_name
from annotrace.services.projects import get_project
from annotrace.services.traces import SpanRef, span_ref
from annotrace.storage.models import Annotation, Label, Project, Span, Trace

MAX_FREE_LABEL = 1_000


def draft_annotation(
    *,
    span: SpanRef,
    label_ref: LabelRef | None,
    name: Any,
    label: Any,
    score: Any,
    reason: Any,
    annotator_id: Any,
    source: Source,
    run_id: str | None = None,
    user_rowid: int | None = None,
) -> AnnotationDraft:
    """A draft from the AgentMark fields, checked against the label of that name if the
    span's project has one. Raises InvalidInput naming the field at fault."""
    problem = annotator_problem(annotator_id)
    if problem:
        raise InvalidInput(problem, field="annotator_id", expected="a non-empty id")
    problem = reason_problem(reason)
    if problem:
        raise InvalidInput(problem, field="reason", expected="text")
    if score is not None and not is_number(score):
        raise InvalidInput("score must be a finite number", field="score", expected="a number")
    if label_ref is None:
        return _free_form(
            span, name, label, score, reason, annotator_id, source, run_id, user_rowid
        )
    try:
        typed = value_from_agentmark(label_ref.spec, label=label, score=score)
    except ValueProblem as error:
        field = "score" if label_ref.spec.type in (LabelType.NUMERIC, LabelType.STAR) else "label"
        raise InvalidInput(str(error), field=field) from None
    return AnnotationDraft(
        span_rowid=span.span_rowid,
        project_rowid=span.project_rowid,
        label_rowid=label_ref.label_rowid,
        label_version=label_ref.version,
        name=label_ref.spec.name,
        annotator_id=annotator_id,
        source=source,
        value=typed.value,
        # The value fills one view; the other may still say something of its own.
        label=typed.label if typed.label is not None else label,
        score=typed.score if typed.score is not None else score,
        reason=reason,
        run_id=run_id,
        user_rowid=user_rowid,
    )


def _free_form(
    span: SpanRef,
    name: Any,
    label: Any,
    score: float | None,
    reason: str | None,
    annotator_id: str,
    source: Source,
    run_id: str | None,
    user_rowid: int | None,
) -> AnnotationDraft:
    name = validate_label_name(name)
    if label is not None:
        if not isinstance(label, str):
            raise InvalidInput(
                f"{name!r} is not a categorical label of the project, so label must be one string",
                field="label",
                expected="text",
            )
        if len(label) > MAX_FREE_LABEL or unstorable(label):
            raise InvalidInput(
                f"label must be at most {MAX_FREE_LABEL:,} characters, without NUL "
                "characters or lone surrogates",
                field="label",
                expected=f"at most {MAX_FREE_LABEL:,} characters",
            )
    if label is None and score is None:
        raise InvalidInput(
            "give a label or a score (or both)", field="label", expected="a label or a score"
        )
    return AnnotationDraft(
        span_rowid=span.span_rowid,
        project_rowid=span.project_rowid,
        label_rowid=None,
        label_version=None,
        name=name,
        annotator_id=annotator_id,
        source=source,
        value=None,
        label=label,
        score=float(score) if score is not None else None,
        reason=reason,
        run_id=run_id,
        user_rowid=user_rowid,
    )


def label_for(session: Session, span: SpanRef, name: Any) -> LabelRef | None:
    if not isinstance(name, str):
        return None
    return labels_by_name(
        session=session, project_rowids=[span.project_rowid], names=[name.strip()]
    ).get((span.project_rowid, name.strip().casefold()))


def create_annotation(
    *,
    session: Session,
    principal: Principal,
    span_id: str,
    data: AnnotationCreate,
    trace_id: str | None = None,
    annotator_id: str | None = None,
    source: Source = "api",
) -> tuple[AnnotationRead, bool]:
    """Create (or update: one per span, name and annotator) an annotation; the bool says
    whether it was created. `annotator_id` overrides the body's (a signed-in user)."""
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    draft = draft_annotation(
        span=span,
        label_ref=label_for(session, span, data.name),
        name=data.name,
        label=data.label,
        score=data.score,
        reason=data.reason,
        annotator_id=annotator_id or data.annotator_id,
        source=source,
        user_rowid=principal.user_rowid,
    )
    (outcome,) = write_annotations(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=[draft]
    )
    if outcome.status == "error":
        raise InvalidInput(outcome.error or "annotation refused", field="annotator_id")
    assert outcome.annotation_id is not None
    read = get_annotation(session=session, principal=principal, annotation_id=outcome.annotation_id)
    return read, outcome.status == "created"


def _reads() -> Select[Annotation, str, str, str, str, str]:
    return (
        select(Annotation, Span.span_id, Trace.trace_id, Project.id, Label.id, Label.type)
        .join(Span, Span.span_rowid == Annotation.span_rowid)
        .join(Trace, Trace.trace_rowid == Span.trace_rowid)
        .join(Project, Project.project_rowid == Annotation.project_rowid)
        .outerjoin(Label, Label.label_rowid == Annotation.label_rowid)
    )


def _read(row: Any) -> AnnotationRead:
    annotation, span_id, trace_id, project_id, label_id, label_type = row
    return AnnotationRead(
        id=annotation.id,
        span_id=span_id,
        trace_id=trace_id,
        project_id=project_id,
        name=annotation.name,
        label_id=label_id,
        label_type=LabelType(label_type) if label_type else None,
        label_version=annotation.label_version,
        value=annotation.value,
        label=annotation.label,
        score=annotation.score,
        reason=annotation.reason,
        annotator_id=annotation.annotator_id,
        source=annotation.source,
        kind="eval" if annotation.source == "eval" else "annotation",
        run_id=annotation.run_id,
        created_at=annotation.created_at,
        updated_at=annotation.updated_at,
    )


def get_annotation(*, session: Session, principal: Principal, annotation_id: str) -> AnnotationRead:
    return _read(_find(session, principal, annotation_id))


def _find(session: Session, principal: Principal, annotation_id: str) -> Any:
    if not is_public_id(annotation_id, "ann"):
        raise NotFound(f"annotation {annotation_id!r} not found")
    row = session.execute(
        _reads().where(
            Annotation.id == annotation_id, Project.workspace_rowid == principal.workspace_rowid
        )
    ).first()
    if row is None:
        raise NotFound(f"annotation {annotation_id!r} not found")
    return row


def list_span_annotations(
    *, session: Session, principal: Principal, span_id: str, trace_id: str | None = None
) -> list[AnnotationRead]:
    """A span's annotations and eval scores, oldest first."""
    span = span_ref(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    rows = session.execute(
        _reads()
        .where(Annotation.span_rowid == span.span_rowid)
        .order_by(Annotation.created_at, Annotation.annotation_rowid)
    )
    return [_read(row) for row in rows]


def annotations_of_spans(
    *, session: Session, span_rowids: list[int]
) -> dict[int, list[AnnotationRead]]:
    """The annotations and eval scores of these spans (one query), by span rowid."""
    if not span_rowids:
        return {}
    rows = session.execute(
        _reads()
        .add_columns(Annotation.span_rowid)
        .where(Annotation.span_rowid.in_(span_rowids))
        .order_by(Annotation.created_at, Annotation.annotation_rowid)
    )
    found: dict[int, list[AnnotationRead]] = {}
    for row in rows:
        found.setdefault(row[-1], []).append(_read(row[:-1]))
    return found


def list_trace_annotations(
    *, session: Session, principal: Principal, trace_id: str, project_id: str
) -> dict[str, list[AnnotationRead]]:
    """The annotations and eval scores of every span of a trace, by span id."""
    project = get_project(session=session, principal=principal, project_id=project_id)
    rows = session.execute(
        _reads()
        .where(Trace.trace_id == trace_id, Trace.project_rowid == project.project_rowid)
        .order_by(Annotation.created_at, Annotation.annotation_rowid)
    )
    found: dict[str, list[AnnotationRead]] = {}
    for row in rows:
        read = _read(row)
        found.setdefault(read.span_id, []).append(read)
    return found


def _check_may_change(principal: Principal, annotation: Annotation) -> None:
    if not principal.may_change_work_of(annotation.annotator_id):
        raise PermissionDenied("only its annotator or an admin may change an annotation")


def update_annotation(
    *, session: Session, principal: Principal, annotation_id: str, data: AnnotationUpdate
) -> AnnotationRead:
    row = _find(session, principal, annotation_id)
    annotation: Annotation = row[0]
    _check_may_change(principal, annotation)
    given = data.model_fields_set
    span = span_ref(session=session, principal=principal, span_id=row[1], trace_id=row[2])
    label_ref = None
    if annotation.label_rowid is not None:
        label_ref = label_for(session, span, annotation.name)
        if label_ref is None or label_ref.label_rowid != annotation.label_rowid:
            raise InvalidInput(
                f"label {annotation.name!r} is archived or renamed; its annotations cannot change",
                field="label",
            )
    draft = draft_annotation(
        span=span,
        label_ref=label_ref,
        name=annotation.name,
        # A multi-choice value reads back as its list, not as the joined Label text.
        label=data.label
        if "label" in given
        else (annotation.value if isinstance(annotation.value, list) else annotation.label),
        score=data.score if "score" in given else annotation.score,
        reason=data.reason if "reason" in given else annotation.reason,
        annotator_id=annotation.annotator_id,
        source=annotation.source,  # type: ignore[arg-type]
        run_id=annotation.run_id,
        user_rowid=annotation.user_rowid,
    )
    write_annotations(session=session, workspace_rowid=principal.workspace_rowid, drafts=[draft])
    return get_annotation(session=session, principal=principal, annotation_id=annotation_id)


def delete_annotation(*, session: Session, principal: Principal, annotation_id: str) -> None:
    annotation: Annotation = _find(session, principal, annotation_id)[0]
    _check_may_change(principal, annotation)
    session.delete(annotation)
    session.flush()
    refresh_trace_counts(session, {annotation.span_rowid})
