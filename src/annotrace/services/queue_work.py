"""Working a queue: the next item for an annotator, submitting its values, skipping it.

Every step takes the queue's lock first (PostgreSQL advisory lock; SQLite has a single
writer), so two annotators asking at the same moment are served one after the other and
never get the same item while it needs only one of them. An item handed out is reserved
for its annotator for the queue's reservation time; a reservation that has run out counts
for nothing, and the item is handed out again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from annotrace.domain.access import Principal, Role
from annotrace.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotrace.schemas.queues import (
    GivenValue,
    NextItem,
    QueueItemRead,
    Submission,
    WorkItem,
)
from annotrace.schemas.traces import SpanRead
from annotrace.services.annotations import (
    AnnotationDraft,
    annotator_problem,
    refresh_trace_counts,
    write_annotations,
)
from annotrace.services.queue_context import QueueContext, load_queue
from annotrace.services.queue_values import checked_values
from annotrace.services.traces import span_fields
from annotrace.storage.models import Annotation, Queue, QueueAssignment, QueueItem, Span, Trace
from annotrace.storage.types import utcnow

WORK_ROLES = (Role.OWNER, Role.ADMIN, Role.ANNOTATOR)


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Where previous and next lead from an item, in the annotator's own history."""

    previous: str | None  # item id
    next: str | None  # item id; None: the next new item


def check_worker(context: QueueContext, principal: Principal, annotator_id: str) -> None:
    """Whether this caller may work the queue as `annotator_id`."""
    problem = annotator_problem(annotator_id)
    if problem:
        raise InvalidInput(problem, field="annotator_id", expected="a non-empty id")
    if principal.role not in WORK_ROLES:
        raise PermissionDenied(
            f"your role ({principal.role.value}) may not work queues; ask an admin"
        )
    if principal.user_email is not None and annotator_id != principal.user_email:
        raise PermissionDenied("signed-in users work queues as themselves")
    if context.annotators is not None and annotator_id not in context.annotators:
        raise PermissionDenied(
            f"{annotator_id!r} is not one of the annotators of queue {context.queue.name!r}"
        )


def _taken_by_others(annotator_id: str) -> ScalarSelect[int]:
    """How many others have completed the item, or hold it now (correlated on the item)."""
    other = aliased(QueueAssignment)
    now = utcnow()
    return (
        select(func.count())
        .where(
            other.queue_item_rowid == QueueItem.queue_item_rowid,
            other.annotator_id != annotator_id,
            or_(
                other.status == "completed",
                and_(other.status == "reserved", other.reserved_until > now),
            ),
        )
        .scalar_subquery()
    )


def next_item(
    *, session: Session, principal: Principal, queue_id: str, annotator_id: str
) -> NextItem:
    """The item this annotator holds, or the first one that still needs an annotator and
    that they have not done, now reserved for them."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    check_worker(context, principal, annotator_id)
    queue = context.queue
    if queue.status != "active":
        return NextItem(item=None, message=f"Queue {queue.name!r} is {queue.status}.")
    now = utcnow()
    until = now + timedelta(seconds=queue.reservation_seconds)
    held = session.execute(
        select(QueueAssignment, QueueItem)
        .join(QueueItem, QueueItem.queue_item_rowid == QueueAssignment.queue_item_rowid)
        .where(
            QueueAssignment.queue_rowid == queue.queue_rowid,
            QueueAssignment.annotator_id == annotator_id,
            QueueAssignment.status == "reserved",
            QueueAssignment.reserved_until > now,
        )
        .order_by(QueueAssignment.created_at, QueueAssignment.queue_assignment_rowid)
        .limit(1)
    ).first()
    if held is not None:
        assignment, item = held
        assignment.reserved_until = until
        return NextItem(item=work_item(session, context, item, assignment))
    candidate = _choose(
        session,
        queue,
        annotator_id,
        ordinary=_first(session, queue, annotator_id, gold=False),
        golden=_first(session, queue, annotator_id, gold=True),
    )
    if candidate is None:
        return NextItem(item=None, message=f"Nothing is left for {annotator_id} in this queue.")
    item = candidate
    mine = _assignment(session, item, annotator_id)
    if mine is None:
        mine = QueueAssignment(
            queue_item_rowid=item.queue_item_rowid,
            queue_rowid=queue.queue_rowid,
            annotator_id=annotator_id,
        )
        session.add(mine)
    mine.status, mine.reserved_until, mine.created_at = "reserved", until, now
    session.flush()
    return NextItem(item=work_item(session, context, item, mine))


def _not_done_by(annotator_id: str) -> ColumnElement[bool]:
    """The item (correlated) is not one this annotator completed or skipped."""
    return ~exists().where(
        QueueAssignment.queue_item_rowid == QueueItem.queue_item_rowid,
        QueueAssignment.annotator_id == annotator_id,
        QueueAssignment.status.in_(("completed", "skipped")),
    )


def _first(session: Session, queue: Queue, annotator_id: str, *, gold: bool) -> QueueItem | None:
    """The first item still to hand out (in position order, read from the index of pending
    items) that this annotator may take: a gold item they have not done (everyone does
    each), or an ordinary one that fewer annotators than needed have or hold."""
    conditions = [
        QueueItem.queue_rowid == queue.queue_rowid,
        QueueItem.completed_at.is_(None),
        QueueItem.gold.is_(gold),
        _not_done_by(annotator_id),
    ]
    if not gold:
        conditions.append(_taken_by_others(annotator_id) < queue.annotators_per_item)
    return session.scalars(
        select(QueueItem)
        .where(*conditions)
        .order_by(QueueItem.position, QueueItem.queue_item_rowid)
        .limit(1)
    ).first()


def _choose(
    session: Session,
    queue: Queue,
    annotator_id: str,
    *,
    ordinary: QueueItem | None,
    golden: QueueItem | None,
) -> QueueItem | None:
    """Between the next ordinary and the next gold item: gold at the rate gold items make
    up of what is left, so that they come mixed in for everyone, also for an annotator who
    joins when the ordinary items around the gold ones are long done."""
    if ordinary is None or golden is None:
        return ordinary or golden
    pending = [QueueItem.queue_rowid == queue.queue_rowid, QueueItem.completed_at.is_(None)]
    # Two counts: the gold items are few, and the others are counted from an index alone.
    gold_left = session.scalar(
        select(func.count()).where(*pending, QueueItem.gold.is_(True), _not_done_by(annotator_id))
    )
    ordinary_left = session.scalar(select(func.count()).where(*pending, QueueItem.gold.is_(False)))
    gold_left, ordinary_left = gold_left or 0, ordinary_left or 0
    share = gold_left / max(1, gold_left + ordinary_left)
    return golden if random.random() < share else ordinary  # noqa: S311 (not a secret)


def _assignment(session: Session, item: QueueItem, annotator_id: str) -> QueueAssignment | None:
    return session.scalars(
        select(QueueAssignment).where(
            QueueAssignment.queue_item_rowid == item.queue_item_rowid,
            QueueAssignment.annotator_id == annotator_id,
        )
    ).first()


def find_item(session: Session, context: QueueContext, item_id: str) -> QueueItem:
    item = session.scalars(
        select(QueueItem).where(
            QueueItem.queue_rowid == context.queue.queue_rowid, QueueItem.id == item_id
        )
    ).first()
    if item is None:
        raise NotFound(f"item {item_id!r} is not in queue {context.queue.name!r}")
    return item


def open_item(
    *, session: Session, principal: Principal, queue_id: str, item_id: str, annotator_id: str
) -> WorkItem:
    """An item this annotator has had (held, completed or skipped), to look at again."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    check_worker(context, principal, annotator_id)
    item = find_item(session, context, item_id)
    assignment = _assignment(session, item, annotator_id)
    if assignment is None:
        raise NotFound(f"item {item_id!r} has not been handed to {annotator_id}")
    return work_item(session, context, item, assignment)


def _check_free(
    session: Session, context: QueueContext, item: QueueItem, annotator_id: str
) -> None:
    """An annotator without a live turn at an item may take it only if it still needs
    someone."""
    if item.gold:
        return
    taken = session.scalar(
        select(_taken_by_others(annotator_id)).where(
            QueueItem.queue_item_rowid == item.queue_item_rowid
        )
    )
    if (taken or 0) >= context.queue.annotators_per_item:
        raise Conflict(
            "this item is reserved for (or done by) other annotators; ask for the next item"
        )


def submit(
    *, session: Session, principal: Principal, queue_id: str, item_id: str, data: Submission
) -> WorkItem:
    """Save all the values of an item at once (as annotations) and mark it done."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    annotator_id = data.annotator_id
    check_worker(context, principal, annotator_id)
    if context.queue.status == "archived":
        raise Conflict(f"queue {context.queue.name!r} is archived")
    item = find_item(session, context, item_id)
    assignment = _assignment(session, item, annotator_id)
    now = utcnow()
    live = assignment is not None and (
        assignment.status != "reserved"
        or (assignment.reserved_until is not None and assignment.reserved_until > now)
    )
    if not live:
        _check_free(session, context, item, annotator_id)
    checked = checked_values(context, data.values)
    span = session.get_one(Span, item.span_rowid)
    drafts = [
        AnnotationDraft(
            span_rowid=span.span_rowid,
            project_rowid=span.project_rowid,
            label_rowid=value.ref.label_rowid,
            label_version=value.ref.version,
            name=value.ref.spec.name,
            annotator_id=annotator_id,
            source="human" if principal.user_rowid is not None else "api",
            value=value.typed.value,
            label=value.typed.label,
            score=value.typed.score,
            reason=value.reason,
            user_rowid=principal.user_rowid,
        )
        for value in checked
        if value.typed is not None
    ]
    outcomes = write_annotations(
        session=session, workspace_rowid=principal.workspace_rowid, drafts=drafts
    )
    for outcome in outcomes:
        if outcome.status == "error":
            raise Conflict(outcome.error or "annotation refused")
    unfilled = [value.ref.label_rowid for value in checked if value.typed is None]
    if unfilled:
        session.execute(
            delete(Annotation).where(
                Annotation.span_rowid == span.span_rowid,
                Annotation.label_rowid.in_(unfilled),
                Annotation.annotator_id == annotator_id,
            )
        )
        refresh_trace_counts(session, {span.span_rowid})
    assignment = _finish(session, context.queue, item, assignment, annotator_id, "completed")
    recount_completion(session, context.queue, item_rowids=[item.queue_item_rowid])
    session.refresh(item)
    return work_item(session, context, item, assignment)


def skip(
    *, session: Session, principal: Principal, queue_id: str, item_id: str, annotator_id: str
) -> WorkItem:
    """Pass an item by: it is not handed to this annotator again, and stays for others."""
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    check_worker(context, principal, annotator_id)
    item = find_item(session, context, item_id)
    assignment = _assignment(session, item, annotator_id)
    if assignment is not None and assignment.status == "completed":
        raise Conflict("you completed this item; submit it again to change your values")
    if assignment is None:
        _check_free(session, context, item, annotator_id)
    assignment = _finish(session, context.queue, item, assignment, annotator_id, "skipped")
    return work_item(session, context, item, assignment)


def _finish(
    session: Session,
    queue: Queue,
    item: QueueItem,
    assignment: QueueAssignment | None,
    annotator_id: str,
    status: str,
) -> QueueAssignment:
    now = utcnow()
    if assignment is None:
        assignment = QueueAssignment(
            queue_item_rowid=item.queue_item_rowid,
            queue_rowid=queue.queue_rowid,
            annotator_id=annotator_id,
            created_at=now,
        )
        session.add(assignment)
    assignment.status, assignment.reserved_until, assignment.finished_at = status, None, now
    session.flush()
    return assignment


def recount_completion(
    session: Session, queue: Queue, *, item_rowids: list[int] | None = None
) -> None:
    """Set (or clear) `completed_at` of the queue's items, by how many annotators have
    completed each; gold items are never complete, everyone gets them."""
    done = (
        select(func.count())
        .where(
            QueueAssignment.queue_item_rowid == QueueItem.queue_item_rowid,
            QueueAssignment.status == "completed",
        )
        .scalar_subquery()
    )
    scope = [QueueItem.queue_rowid == queue.queue_rowid, QueueItem.gold.is_(False)]
    if item_rowids is not None:
        scope.append(QueueItem.queue_item_rowid.in_(item_rowids))
    session.execute(
        update(QueueItem)
        .where(*scope, QueueItem.completed_at.is_(None), done >= queue.annotators_per_item)
        .values(completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(QueueItem)
        .where(*scope, QueueItem.completed_at.is_not(None), done < queue.annotators_per_item)
        .values(completed_at=None)
        .execution_options(synchronize_session=False)
    )


def work_item(
    session: Session, context: QueueContext, item: QueueItem, assignment: QueueAssignment
) -> WorkItem:
    span = session.get_one(Span, item.span_rowid)
    trace_id = session.scalar(select(Trace.trace_id).where(Trace.trace_rowid == span.trace_rowid))
    assert trace_id is not None
    label_rowids = [ref.label_rowid for ref, _ in context.labels]
    mine = session.execute(
        select(Annotation).where(
            Annotation.span_rowid == span.span_rowid,
            Annotation.annotator_id == assignment.annotator_id,
            Annotation.label_rowid.in_(label_rowids),
        )
    ).scalars()
    by_label = {annotation.label_rowid: annotation for annotation in mine}
    finished = list(
        session.scalars(
            select(QueueAssignment.finished_at)
            .where(
                QueueAssignment.queue_item_rowid == item.queue_item_rowid,
                QueueAssignment.status == "completed",
            )
            .order_by(QueueAssignment.finished_at)
        )
    )
    completed_at = item.completed_at
    needed = context.queue.annotators_per_item
    if item.gold:
        # Everyone gets a gold item: shown as an ordinary item would be, so that nothing
        # (more completions than needed, never complete) tells an annotator it is one.
        finished = finished[:needed]
        completed_at = finished[-1] if len(finished) == needed else None
    status = (
        "completed"
        if completed_at is not None
        else "in_progress"
        if finished or assignment.status == "reserved"
        else "skipped"
    )
    return WorkItem(
        item=QueueItemRead(
            id=item.id,
            span_id=span.span_id,
            trace_id=trace_id,
            status=status,
            gold=False,  # annotators are not told which items are gold
            completions=len(finished),
            added_at=item.added_at,
            completed_at=completed_at,
        ),
        span=SpanRead.model_validate(span_fields(span, trace_id, context.project.id)),
        labels=context.label_reads(),
        reserved_until=assignment.reserved_until if assignment.status == "reserved" else None,
        assignment=assignment.status,
        values=[
            GivenValue(
                annotator_id=annotation.annotator_id,
                value=annotation.value,
                label=annotation.label,
                score=annotation.score,
                reason=annotation.reason,
                label_id=ref.id,
                name=ref.spec.name,
            )
            for ref, _ in context.labels
            if (annotation := by_label.get(ref.label_rowid)) is not None
        ],
    )


def neighbours(
    session: Session, context: QueueContext, annotator_id: str, item_id: str | None
) -> Neighbours:
    """Previous and next of an item in the annotator's history (items they completed or
    skipped, in the order they did so)."""
    history = list(
        session.scalars(
            select(QueueItem.id)
            .join(QueueAssignment, QueueAssignment.queue_item_rowid == QueueItem.queue_item_rowid)
            .where(
                QueueAssignment.queue_rowid == context.queue.queue_rowid,
                QueueAssignment.annotator_id == annotator_id,
                QueueAssignment.finished_at.is_not(None),
            )
            .order_by(QueueAssignment.finished_at, QueueAssignment.queue_assignment_rowid)
        )
    )
    if item_id not in history:
        return Neighbours(previous=history[-1] if history else None, next=None)
    index = history.index(item_id)
    return Neighbours(
        previous=history[index - 1] if index > 0 else None,
        next=history[index + 1] if index + 1 < len(history) else None,
    )
