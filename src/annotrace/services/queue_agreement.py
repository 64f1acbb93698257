"""How far a queue's annotators agree, label by label; where they disagree; and how often
each is right on the gold items.

Only people's values count (sources human and api): eval scores are not annotators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.agreement import Level, Value, agreement
from annotrace.domain.labels import THUMBS_DOWN, THUMBS_UP, LabelType
from annotrace.errors import InvalidInput
from annotrace.schemas.queues import (
    AccuracyOfDay,
    AnnotatorAccuracy,
    Disagreement,
    GivenValue,
    LabelAgreement,
    QueueAgreement,
)
from annotrace.services.gold import gold_of_spans
from annotrace.services.labels import LabelRef
from annotrace.services.queue_context import QueueContext, load_queue
from annotrace.storage.models import (
    Annotation,
    GoldValue,
    QueueAssignment,
    QueueItem,
    Span,
    Trace,
)

PEOPLE = ("human", "api")
MAX_DISAGREEMENTS = 500
# Free text has as many values as answers: a distribution shows the commonest only.
MAX_TEXT_VALUES = 10
NUMERIC = (LabelType.NUMERIC, LabelType.STAR)


def level_of(kind: LabelType) -> Level:
    return "interval" if kind in NUMERIC else "nominal"


def comparable(ref: LabelRef, value: Any) -> Value | None:
    """A stored value as agreement compares it: options as a sorted tuple (multi-choice) or
    one string, thumbs as a bool, numbers as floats, text as it is."""
    kind = ref.spec.type
    if value is None:
        return None
    if kind is LabelType.CATEGORICAL:
        options = [str(option) for option in value] if isinstance(value, list) else [str(value)]
        if ref.spec.settings.get("multi_choice"):
            return tuple(sorted(options))
        return options[0] if options else None
    if kind is LabelType.THUMBS:
        return bool(value)
    if kind in NUMERIC:
        return float(value) if isinstance(value, int | float) else None
    return str(value)


def shown(value: Value) -> str:
    """A value as a distribution names it."""
    if isinstance(value, bool):
        return THUMBS_UP if value else THUMBS_DOWN
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(value)
    return value


@dataclass(frozen=True, slots=True)
class _Given:
    span_rowid: int
    position: int  # of the span's item in the queue
    annotator_id: str
    value: Value
    stored: Any  # the annotation's row: value, label, score, reason


def _values(session: Session, context: QueueContext) -> dict[int, list[_Given]]:
    """People's values of the queue's labels on its items, by label rowid: one query, of
    plain rows (ORM objects would cost several times the query)."""
    refs = {ref.label_rowid: ref for ref, _ in context.labels}
    rows = session.execute(
        select(
            Annotation.span_rowid,
            Annotation.label_rowid,
            Annotation.annotator_id,
            Annotation.value,
            Annotation.label,
            Annotation.score,
            Annotation.reason,
            QueueItem.position,
        )
        .join(QueueItem, QueueItem.span_rowid == Annotation.span_rowid)
        .where(
            QueueItem.queue_rowid == context.queue.queue_rowid,
            Annotation.label_rowid.in_(refs),
            Annotation.source.in_(PEOPLE),
        )
    )
    found: dict[int, list[_Given]] = {rowid: [] for rowid in refs}
    for row in rows:
        value = comparable(refs[row.label_rowid], row.value)
        if value is not None:
            found[row.label_rowid].append(
                _Given(row.span_rowid, row.position, row.annotator_id, value, row)
            )
    return found


def _by_item(given: Iterable[_Given]) -> dict[int, dict[str, Value]]:
    ratings: dict[int, dict[str, Value]] = {}
    for one in given:
        ratings.setdefault(one.span_rowid, {})[one.annotator_id] = one.value
    return ratings


def queue_agreement(*, session: Session, principal: Principal, queue_id: str) -> QueueAgreement:
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    values = _values(session, context)
    labels = []
    for ref, _ in context.labels:
        given = values[ref.label_rowid]
        ratings = _by_item(given)
        level = level_of(ref.spec.type)
        result = agreement(ratings, level)
        distribution: dict[str, Counter[str]] = {}
        for one in given:
            distribution.setdefault(one.annotator_id, Counter())[shown(one.value)] += 1
        limit = MAX_TEXT_VALUES if ref.spec.type is LabelType.TEXT else None
        labels.append(
            LabelAgreement(
                label_id=ref.id,
                name=ref.spec.name,
                type=ref.spec.type,
                level=level,
                items=result.items,
                annotators=result.annotators,
                percent_agreement=result.percent_agreement,
                cohen_kappa=result.cohen_kappa,
                krippendorff_alpha=result.krippendorff_alpha,
                pairs=[
                    {
                        "annotators": [pair.first, pair.second],
                        "items": pair.items,
                        "percent_agreement": pair.percent_agreement,
                        "cohen_kappa": pair.cohen_kappa,
                    }
                    for pair in result.pairs
                ],
                disagreements=sum(1 for item in ratings.values() if len(set(item.values())) > 1),
                distribution={
                    annotator: dict(counts.most_common(limit))
                    for annotator, counts in sorted(distribution.items())
                },
            )
        )
    return QueueAgreement(queue_id=context.queue.id, labels=labels)


def disagreements(
    *, session: Session, principal: Principal, queue_id: str, label_id: str | None = None
) -> list[Disagreement]:
    """Items where people gave a label different values, their values side by side."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    values = _values(session, context)
    wanted = [ref for ref, _ in context.labels if label_id is None or ref.id == label_id]
    if not wanted:
        raise InvalidInput(
            f"queue {context.queue.name!r} has no label {label_id!r}",
            field="label_id",
            expected="the id of one of the queue's labels",
        )
    split: list[tuple[LabelRef, int, list[_Given]]] = []
    for ref in wanted:
        by_span: dict[int, list[_Given]] = {}
        for one in values[ref.label_rowid]:
            by_span.setdefault(one.span_rowid, []).append(one)
        split += [
            (ref, span_rowid, given)
            for span_rowid, given in by_span.items()
            if len({one.value for one in given}) > 1
        ]
    # The first ones in queue order: sorted before they are cut to the limit.
    split.sort(key=lambda entry: (entry[2][0].position, entry[0].spec.name))
    split = split[:MAX_DISAGREEMENTS]
    span_rowids = {span_rowid for _, span_rowid, _ in split}
    where = {
        row.span_rowid: row
        for row in session.execute(
            select(Span.span_rowid, Span.span_id, Trace.trace_id, QueueItem.id)
            .join(Trace, Trace.trace_rowid == Span.trace_rowid)
            .join(QueueItem, QueueItem.span_rowid == Span.span_rowid)
            .where(
                Span.span_rowid.in_(span_rowids),
                QueueItem.queue_rowid == context.queue.queue_rowid,
            )
        )
    }
    golds = gold_of_spans(session=session, span_rowids=span_rowids)
    return [
        Disagreement(
            item_id=where[span_rowid].id,
            span_id=where[span_rowid].span_id,
            trace_id=where[span_rowid].trace_id,
            label_id=ref.id,
            name=ref.spec.name,
            values=[
                GivenValue(
                    label_id=ref.id,
                    name=ref.spec.name,
                    annotator_id=one.annotator_id,
                    value=one.stored.value,
                    label=one.stored.label,
                    score=one.stored.score,
                    reason=one.stored.reason,
                )
                for one in sorted(given, key=lambda one: one.annotator_id)
            ],
            gold=next((g for g in golds.get(span_rowid, []) if g.label_id == ref.id), None),
        )
        for ref, span_rowid, given in split
    ]


def accuracy(*, session: Session, principal: Principal, queue_id: str) -> list[AnnotatorAccuracy]:
    """Each annotator's share of right values on the gold items they completed."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    refs = {ref.label_rowid: ref for ref, _ in context.labels}
    queue_rowid = context.queue.queue_rowid
    gold_items = select(QueueItem.queue_item_rowid, QueueItem.span_rowid).where(
        QueueItem.queue_rowid == queue_rowid, QueueItem.gold.is_(True)
    )
    answers = {
        (row.span_rowid, row.label_rowid): comparable(refs[row.label_rowid], row.value)
        for row in session.scalars(
            select(GoldValue).where(
                GoldValue.span_rowid.in_(gold_items.with_only_columns(QueueItem.span_rowid)),
                GoldValue.label_rowid.in_(refs),
            )
        )
    }
    completed = session.execute(
        select(QueueAssignment.annotator_id, QueueItem.span_rowid, QueueAssignment.finished_at)
        .join(QueueItem, QueueItem.queue_item_rowid == QueueAssignment.queue_item_rowid)
        .where(
            QueueAssignment.queue_rowid == queue_rowid,
            QueueAssignment.status == "completed",
            QueueItem.gold.is_(True),
        )
    ).all()
    done = {
        (annotator, span_rowid): finished.astimezone(UTC).date()
        for annotator, span_rowid, finished in completed
        if finished is not None
    }
    given = session.execute(
        select(
            Annotation.annotator_id, Annotation.span_rowid, Annotation.label_rowid, Annotation.value
        ).where(
            Annotation.span_rowid.in_({span_rowid for _, span_rowid in done}),
            Annotation.label_rowid.in_(refs),
            Annotation.source.in_(PEOPLE),
        )
    ).all()
    # (compared, correct) by annotator, and by annotator and day.
    tally: dict[str, list[int]] = {annotator: [0, 0] for annotator, _ in done}
    daily: dict[str, dict[date, list[int]]] = {annotator: {} for annotator, _ in done}
    for annotator, span_rowid, label_rowid, value in given:
        key = (span_rowid, label_rowid)
        day = done.get((annotator, span_rowid))
        if day is None or key not in answers:
            continue
        right = int(comparable(refs[label_rowid], value) == answers[key])
        for counts in (tally[annotator], daily[annotator].setdefault(day, [0, 0])):
            counts[0] += 1
            counts[1] += right
    items = Counter(annotator for annotator, _ in done)
    return [
        AnnotatorAccuracy(
            annotator_id=annotator,
            gold_items=items[annotator],
            values=compared,
            correct=correct,
            accuracy=correct / compared if compared else None,
            by_day=[
                AccuracyOfDay(day=day, values=n, correct=right, accuracy=right / n if n else None)
                for day, (n, right) in sorted(daily[annotator].items())
            ],
        )
        for annotator, (compared, correct) in sorted(tally.items())
    ]
