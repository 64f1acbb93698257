"""How far a queue has got: each item's state, and the counts, per queue and per annotator.

An item is completed once as many annotators as the queue needs have completed it; in
progress while it is reserved for someone or done by fewer; skipped when its only turns
were skips; pending otherwise. A reservation that has run out counts for nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from annotrace.schemas.queues import AnnotatorProgress, QueueProgress
from annotrace.storage.models import Queue, QueueAssignment, QueueItem
from annotrace.storage.types import utcnow


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def item_states(
    queue: Queue, *, now: datetime | None = None, item_rowids: list[int] | None = None
) -> Subquery:
    """One row per item of the queue (or of these items): queue_item_rowid, gold, state,
    completions."""
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
        .where(
            QueueItem.queue_rowid == queue.queue_rowid,
            *([QueueItem.queue_item_rowid.in_(item_rowids)] if item_rowids is not None else []),
        )
        .group_by(QueueItem.queue_item_rowid, QueueItem.gold, QueueItem.completed_at)
        .subquery()
    )


def queue_progress(session: Session, queue: Queue) -> QueueProgress:
    """Items by state (gold items apart) and each annotator's counts: three queries, none
    of which goes through every item of the queue (the counts come from an index; the
    states from the assignments of items not yet completed)."""
    now = utcnow()
    total, completed, gold = session.execute(
        select(
            func.count().filter(QueueItem.gold.is_(False)),
            func.count().filter(QueueItem.gold.is_(False) & QueueItem.completed_at.is_not(None)),
            func.count().filter(QueueItem.gold.is_(True)),
        ).where(QueueItem.queue_rowid == queue.queue_rowid)
    ).one()
    a = QueueAssignment
    busy = or_(a.status == "completed", and_(a.status == "reserved", a.reserved_until > now))
    touched = (
        select(
            func.max(case((busy, 1), else_=0)).label("busy"),
            func.max(case((a.status == "skipped", 1), else_=0)).label("skips"),
        )
        .join(QueueItem, QueueItem.queue_item_rowid == a.queue_item_rowid)
        .where(
            a.queue_rowid == queue.queue_rowid,
            QueueItem.gold.is_(False),
            QueueItem.completed_at.is_(None),
        )
        .group_by(a.queue_item_rowid)
        .subquery()
    )
    in_progress, skipped = session.execute(
        select(
            func.coalesce(func.sum(touched.c.busy), 0),
            func.coalesce(
                func.sum(case((and_(touched.c.busy == 0, touched.c.skips == 1), 1), else_=0)), 0
            ),
        )
    ).one()
    by_state = {
        "pending": total - completed - in_progress - skipped,
        "in_progress": in_progress,
        "completed": completed,
        "skipped": skipped,
    }
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
        gold=gold,
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
