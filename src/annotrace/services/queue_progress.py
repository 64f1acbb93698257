"""How far a queue has got: each item's state, and the counts, per queue and per annotator.

An item is completed once as many annotators as the queue needs have completed it; in
progress while it is reserved for someone or done by fewer; skipped when its only turns
were skips; pending otherwise. A reservation that has run out counts for nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, cast, func, select
from sqlalchemy.orm import Session

from annotrace.schemas.queues import AnnotatorProgress, QueueProgress
from annotrace.storage.models import Queue, QueueAssignment, QueueItem
from annotrace.storage.types import utcnow


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def item_states(queue: Queue, *, now: datetime | None = None) -> Subquery:
    """One row per item of the queue: queue_item_rowid, gold, state, completions."""
    now = now or utcnow()
    a = QueueAssignment
    completions = _count(a.status == "completed")
    active = _count(and_(a.status == "reserved", a.reserved_until > now))
    skips = _count(a.status == "skipped")
    state = case(
        (QueueItem.completed_at.is_not(None), "completed"),
        (completions > 0, "in_progress"),
        (active > 0, "in_progress"),
        (skips > 0, "skipped"),
        else_="pending",
    )
    return (
        select(
            QueueItem.queue_item_rowid,
            QueueItem.gold,
            state.label("state"),
            cast(completions, Integer).label("completions"),
        )
        .outerjoin(a, a.queue_item_rowid == QueueItem.queue_item_rowid)
        .where(QueueItem.queue_rowid == queue.queue_rowid)
        .group_by(QueueItem.queue_item_rowid, QueueItem.gold, QueueItem.completed_at)
        .subquery()
    )


def queue_progress(session: Session, queue: Queue) -> QueueProgress:
    """Items by state (gold items apart) and each annotator's counts: two queries."""
    now = utcnow()
    states = item_states(queue, now=now)
    counts = {
        (bool(gold), state): number
        for gold, state, number in session.execute(
            select(states.c.gold, states.c.state, func.count()).group_by(
                states.c.gold, states.c.state
            )
        )
    }
    by_state = {
        state: counts.get((False, state), 0)
        for state in ("pending", "in_progress", "completed", "skipped")
    }
    total = sum(by_state.values())
    a = QueueAssignment
    per_annotator = session.execute(
        select(
            a.annotator_id,
            _count(a.status == "completed"),
            _count(a.status == "skipped"),
            _count(and_(a.status == "reserved", a.reserved_until > now)),
        )
        .where(a.queue_rowid == queue.queue_rowid)
        .group_by(a.annotator_id)
        .order_by(a.annotator_id)
    ).all()
    return QueueProgress(
        total=total,
        pending=by_state["pending"],
        in_progress=by_state["in_progress"],
        completed=by_state["completed"],
        skipped=by_state["skipped"],
        gold=sum(number for (gold, _), number in counts.items() if gold),
        done=total > 0 and by_state["completed"] == total,
        annotators=[
            AnnotatorProgress(
                annotator_id=annotator_id,
                completed=completed,
                skipped=skipped,
                in_progress=in_progress,
            )
            for annotator_id, completed, skipped, in_progress in per_annotator
            if completed or skipped or in_progress
        ],
    )
