"""Automated evaluation results: logged through the API, or carried inside traces."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.evaluations import embedded_evaluations
from annotrace.domain.spans import Span
from annotrace.errors import InvalidInput
from annotrace.schemas.annotations import ScoreError, ScoreIn, ScoresResult
from annotrace.services.annotate import draft_annotation
from annotrace.services.annotations import AnnotationDraft, write_annotations
from annotrace.services.labels import labels_by_name
from annotrace.services.traces import SpanRef, find_spans, stored_spans


def log_scores(
    *, session: Session, principal: Principal, scores: Sequence[ScoreIn]
) -> ScoresResult:
    """Store eval scores; each is checked on its own, and a score for a name that is one
    of the project's labels must fit that label."""
    spans = find_spans(session=session, principal=principal, span_ids=[s.span_id for s in scores])
    labels = labels_by_name(
        session=session,
        project_rowids={ref.project_rowid for refs in spans.values() for ref in refs},
        names={score.name.strip() for score in scores},
    )
    errors: list[ScoreError] = []
    drafts: list[AnnotationDraft] = []
    positions: list[int] = []
    for index, score in enumerate(scores):
        try:
            span = _one_span(spans, score)
            drafts.append(
                draft_annotation(
                    span=span,
                    label_ref=labels.get((span.project_rowid, score.name.strip().casefold())),
                    name=score.name,
                    label=score.label,
                    score=score.score,
                    reason=score.reason,
                    annotator_id=score.evaluator,
                    source="eval",
                    run_id=score.run_id,
                )
            )
            positions.append(index)
        except InvalidInput as error:
            errors.append(ScoreError(index=index, span_id=score.span_id, error=_sentence(error)))
    result = ScoresResult(created=0, updated=0, unchanged=0, errors=errors)
    outcomes = write_annotations(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=drafts
    )
    for outcome, index in zip(outcomes, positions, strict=True):
        if outcome.status == "error":
            result.errors.append(
                ScoreError(index=index, span_id=scores[index].span_id, error=outcome.error or "")
            )
        else:
            setattr(result, outcome.status, getattr(result, outcome.status) + 1)
    result.errors.sort(key=lambda error: error.index)
    return result


def _one_span(spans: dict[str, list[SpanRef]], score: ScoreIn) -> SpanRef:
    refs = spans.get(score.span_id.strip().lower(), [])
    if score.trace_id is not None:
        refs = [ref for ref in refs if ref.trace_id == score.trace_id.strip().lower()]
    if not refs:
        raise InvalidInput(f"span {score.span_id!r} not found", field="span_id")
    if len(refs) > 1:
        raise InvalidInput(
            f"span id {score.span_id!r} names several spans; give trace_id too", field="trace_id"
        )
    return refs[0]


def _sentence(error: InvalidInput) -> str:
    if error.field and not error.message.startswith(error.field):
        return f"{error.field}: {error.message}"
    return error.message


def store_embedded_evaluations(
    *, session: Session, principal: Principal, spans: Sequence[tuple[int, Span]]
) -> list[str]:
    """Store the evaluations carried by just-stored spans, given as (trace rowid, span);
    what comes back describes those that do not fit (a score for a label of another
    type, say), which are left out. The spans themselves are stored regardless.
    """
    carried = [(trace_rowid, span, embedded_evaluations(span)) for trace_rowid, span in spans]
    carried = [item for item in carried if item[2]]
    if not carried:
        return []
    refs = stored_spans(
        session=session, keys=[(trace_rowid, span.span_id) for trace_rowid, span, _ in carried]
    )
    labels = labels_by_name(
        session=session,
        project_rowids={ref.project_rowid for ref in refs.values()},
        names={
            evaluation.name.strip() for _, _, evaluations in carried for evaluation in evaluations
        },
    )
    drafts: list[AnnotationDraft] = []
    problems: list[str] = []
    for trace_rowid, span, evaluations in carried:
        ref = refs[(trace_rowid, span.span_id)]
        for evaluation in evaluations:
            try:
                drafts.append(
                    draft_annotation(
                        span=ref,
                        label_ref=labels.get(
                            (ref.project_rowid, evaluation.name.strip().casefold())
                        ),
                        name=evaluation.name,
                        label=evaluation.label,
                        score=evaluation.score,
                        reason=evaluation.explanation,
                        annotator_id=evaluation.annotator_id,
                        source=evaluation.source,
                    )
                )
            except InvalidInput as error:
                problems.append(
                    f"evaluation {evaluation.name!r} on span {span.span_id}: {_sentence(error)}"
                )
    outcomes = write_annotations(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=drafts
    )
    return problems + [outcome.error or "" for outcome in outcomes if outcome.status == "error"]
