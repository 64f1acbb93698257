"""Annotation queues: create, read, change, and the items in them.

Working a queue (next item, submit, skip) is `services.queue_work`; progress is
`services.queue_progress`; agreement and gold values are `services.queue_agreement` and
`services.gold`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.cursors import decode_cursor, encode_cursor
from annotrace.domain.ids import new_id
from annotrace.domain.labels import validate_label_name
from annotrace.errors import Conflict, InvalidInput, NotFound
from annotrace.schemas.common import Page
from annotrace.schemas.filters import SpanFilter
from annotrace.schemas.queues import (
    ItemFilter,
    ItemsAdd,
    ItemStatus,
    QueueCreate,
    QueueItemRead,
    QueueLabelChoice,
    QueueRead,
    QueueStatus,
    QueueUpdate,
)
from annotrace.services import gold
from annotrace.services.integrity import flush_unique
from annotrace.services.labels import LabelRef, label_refs, labels_by_name
from annotrace.services.projects import get_project
from annotrace.services.queue_context import QueueContext, context_of, load_queue, require_admin
from annotrace.services.queue_progress import item_states, queue_progress
from annotrace.services.queue_work import recount_completion
from annotrace.services.search import filter_conditions
from annotrace.services.traces import MAX_PAGE_SIZE, find_spans
from annotrace.storage.models import Project, Queue, QueueItem, QueueLabel, QueueMember, Span, Trace
from annotrace.storage.types import utcnow
from annotrace.storage.upsert import insert_rows

MAX_QUEUE_ITEMS = 1_000_000


def queue_read(session: Session, context: QueueContext) -> QueueRead:
    queue = context.queue
    progress = queue_progress(session, queue)
    return QueueRead(
        id=queue.id,
        project_id=context.project.id,
        name=queue.name,
        instructions=queue.instructions,
        status=_status(queue.status),
        done=progress.done,
        labels=context.label_reads(),
        annotators=sorted(context.annotators) if context.annotators is not None else None,
        reviewers=sorted(context.reviewers),
        annotators_per_item=queue.annotators_per_item,
        reservation_seconds=queue.reservation_seconds,
        created_by=queue.created_by,
        created_at=queue.created_at,
        updated_at=queue.updated_at,
        progress=progress,
    )


def _status(raw: str) -> QueueStatus:
    assert raw in ("active", "paused", "archived")
    return raw  # type: ignore[return-value]


def _actor(principal: Principal) -> str:
    return principal.user_email or f"api-key:{principal.api_key_rowid}"


# --- create, list, update -------------------------------------------------------------------


def create_queue(*, session: Session, principal: Principal, data: QueueCreate) -> QueueRead:
    require_admin(principal, "create queues")
    project = get_project(session=session, principal=principal, project_id=data.project_id)
    name = validate_label_name(data.name)
    _check_name_free(session, project.project_rowid, name)
    choices = _resolve_labels(session, principal, project, data.labels)
    now = utcnow()
    queue = Queue(
        id=new_id("que"),
        project_rowid=project.project_rowid,
        name=name,
        name_key=name.casefold(),
        instructions=data.instructions,
        status="active",
        annotators_per_item=data.annotators_per_item,
        reservation_seconds=data.reservation_seconds,
        open_to_all=data.annotators is None,
        created_by=_actor(principal),
        user_rowid=principal.user_rowid,
        created_at=now,
        updated_at=now,
    )
    session.add(queue)
    flush_unique(session, f"a queue named {name!r} exists in this project")
    _set_labels(session, queue, choices)
    _set_members(session, queue, "annotator", data.annotators or [])
    _set_members(session, queue, "reviewer", data.reviewers)
    context = context_of(session, queue, project)
    if data.items is not None:
        add_items_to(
            session=session, principal=principal, context=context, data=data.items, at="items."
        )
    return queue_read(session, context)


def _check_name_free(
    session: Session, project_rowid: int, name: str, *, other_than: int | None = None
) -> None:
    query = select(Queue.id).where(
        Queue.project_rowid == project_rowid, Queue.name_key == name.casefold()
    )
    if other_than is not None:
        query = query.where(Queue.queue_rowid != other_than)
    if session.scalar(query) is not None:
        raise Conflict(f"a queue named {name!r} exists in this project; choose another name")


def _resolve_labels(
    session: Session,
    principal: Principal,
    project: Project,
    choices: Sequence[QueueLabelChoice],
) -> list[tuple[LabelRef, bool]]:
    """The labels the choices name, each once, all of the queue's project and in use."""
    by_id = label_refs(
        session=session, principal=principal, label_ids=[c.label_id for c in choices]
    )
    by_name = labels_by_name(
        session=session,
        project_rowids=[project.project_rowid],
        names=[c.name.strip() for c in choices if c.name is not None],
    )
    resolved: list[tuple[LabelRef, bool]] = []
    seen: set[int] = set()
    for index, choice in enumerate(choices):
        if choice.label_id is not None:
            field = f"labels.{index}.label_id"
            ref = by_id.get(choice.label_id)
            if ref is None or ref.project_rowid != project.project_rowid:
                raise InvalidInput(
                    f"label {choice.label_id!r} is not a label of project {project.name!r}",
                    field=field,
                    expected="the id of a label of the queue's project",
                )
        else:
            assert choice.name is not None
            field = f"labels.{index}.name"
            ref = by_name.get((project.project_rowid, choice.name.strip().casefold()))
            if ref is None:
                raise InvalidInput(
                    f"project {project.name!r} has no label named {choice.name!r}",
                    field=field,
                    expected="the name of a label of the queue's project",
                )
        if ref.archived:
            raise InvalidInput(
                f"label {ref.spec.name!r} is archived", field=field, expected="a label in use"
            )
        if ref.label_rowid in seen:
            raise InvalidInput(
                f"label {ref.spec.name!r} is named twice", field=field, expected="each label once"
            )
        seen.add(ref.label_rowid)
        resolved.append((ref, choice.required))
    return resolved


def _set_labels(session: Session, queue: Queue, choices: list[tuple[LabelRef, bool]]) -> None:
    session.execute(delete(QueueLabel).where(QueueLabel.queue_rowid == queue.queue_rowid))
    insert_rows(
        session,
        QueueLabel.__table__,  # type: ignore[arg-type]
        [
            {
                "queue_rowid": queue.queue_rowid,
                "label_rowid": ref.label_rowid,
                "position": position,
                "required": required,
            }
            for position, (ref, required) in enumerate(choices)
        ],
    )


def _set_members(session: Session, queue: Queue, role: str, annotator_ids: Sequence[str]) -> None:
    session.execute(
        delete(QueueMember).where(
            QueueMember.queue_rowid == queue.queue_rowid, QueueMember.role == role
        )
    )
    wanted = sorted({annotator_id.strip() for annotator_id in annotator_ids} - {""})
    insert_rows(
        session,
        QueueMember.__table__,  # type: ignore[arg-type]
        [
            {"queue_rowid": queue.queue_rowid, "annotator_id": annotator_id, "role": role}
            for annotator_id in wanted
        ],
    )


def list_queues(
    *, session: Session, principal: Principal, project_id: str | None = None
) -> list[QueueRead]:
    """The workspace's queues (of one project, if given), newest first."""
    query = (
        select(Queue, Project)
        .join(Project, Project.project_rowid == Queue.project_rowid)
        .where(Project.workspace_rowid == principal.workspace_rowid)
    )
    if project_id is not None:
        project = get_project(session=session, principal=principal, project_id=project_id)
        query = query.where(Queue.project_rowid == project.project_rowid)
    rows = session.execute(query.order_by(Queue.created_at.desc(), Queue.queue_rowid.desc()))
    return [queue_read(session, context_of(session, queue, project)) for queue, project in rows]


def get_queue(*, session: Session, principal: Principal, queue_id: str) -> QueueRead:
    return queue_read(session, load_queue(session=session, principal=principal, queue_id=queue_id))


def update_queue(
    *, session: Session, principal: Principal, queue_id: str, data: QueueUpdate
) -> QueueRead:
    require_admin(principal, "change queues")
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    queue = context.queue
    given = data.model_fields_set
    if data.name is not None:
        name = validate_label_name(data.name)
        _check_name_free(session, queue.project_rowid, name, other_than=queue.queue_rowid)
        queue.name, queue.name_key = name, name.casefold()
    if data.instructions is not None:
        queue.instructions = data.instructions
    if data.status is not None:
        queue.status = data.status
    if data.reservation_seconds is not None:
        queue.reservation_seconds = data.reservation_seconds
    if data.labels is not None:
        _set_labels(
            session, queue, _resolve_labels(session, principal, context.project, data.labels)
        )
    if "annotators" in given:
        queue.open_to_all = data.annotators is None
        _set_members(session, queue, "annotator", data.annotators or [])
    if data.reviewers is not None:
        _set_members(session, queue, "reviewer", data.reviewers)
    if data.annotators_per_item is not None and (
        data.annotators_per_item != queue.annotators_per_item
    ):
        queue.annotators_per_item = data.annotators_per_item
        session.flush()
        recount_completion(session, queue)
    queue.updated_at = utcnow()
    flush_unique(session, "another queue of this project has that name")
    return queue_read(session, context_of(session, queue, context.project))


# --- items ----------------------------------------------------------------------------------


def add_items(
    *, session: Session, principal: Principal, queue_id: str, data: ItemsAdd
) -> tuple[int, int, int]:
    require_admin(principal, "add items to queues")
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    return add_items_to(session=session, principal=principal, context=context, data=data)


def add_items_to(
    *,
    session: Session,
    principal: Principal,
    context: QueueContext,
    data: ItemsAdd,
    at: str = "",
) -> tuple[int, int, int]:
    """Add the spans `data` names; (added, already in the queue, items now). `at` is where
    `data` is in the request, before the fields that errors name (`items.` in a new queue's)."""
    queue = context.queue
    if queue.status == "archived":
        raise Conflict(f"queue {queue.name!r} is archived; resume it before adding items")
    wanted: list[int] = []
    if data.span_ids is not None:
        wanted += _span_rowids_of_ids(session, principal, context.project, data.span_ids, at)
    if data.filter is not None:
        wanted += _span_rowids_of_filter(session, context.project, data.filter, data.sample)
    gold_rowids: list[int] = []
    if data.gold is not None:
        gold_rowids = gold.add_gold_answers(
            session=session, principal=principal, context=context, items=data.gold, at=at
        )
    existing = set(
        session.scalars(
            select(QueueItem.span_rowid).where(QueueItem.queue_rowid == queue.queue_rowid)
        )
    )
    before = len(existing)
    # Known answers make an item gold, also one already in the queue (or listed as an
    # ordinary span in the same request).
    _make_gold(session, queue, [rowid for rowid in gold_rowids if rowid in existing])
    golden = _new(gold_rowids, existing)
    ordinary = _new(wanted, existing)
    offered = len(set(wanted) | set(gold_rowids))
    if before + len(ordinary) + len(golden) > MAX_QUEUE_ITEMS:
        raise InvalidInput(
            f"a queue holds at most {MAX_QUEUE_ITEMS:,} items; it has {before:,} and "
            f"{len(ordinary) + len(golden):,} more were given",
            field="items",
            expected=f"at most {MAX_QUEUE_ITEMS:,} items in all",
        )
    _insert_items(session, principal, queue, ordinary, golden)
    added = len(ordinary) + len(golden)
    if added:
        queue.updated_at = utcnow()
    return added, offered - added, before + added


def _make_gold(session: Session, queue: Queue, span_rowids: list[int]) -> None:
    if span_rowids:
        session.execute(
            update(QueueItem)
            .where(
                QueueItem.queue_rowid == queue.queue_rowid, QueueItem.span_rowid.in_(span_rowids)
            )
            .values(gold=True, completed_at=None)
            .execution_options(synchronize_session=False)
        )


def _new(rowids: list[int], existing: set[int]) -> list[int]:
    """The rowids not yet in the queue, each once, in the order given."""
    fresh: list[int] = []
    for rowid in rowids:
        if rowid not in existing:
            existing.add(rowid)
            fresh.append(rowid)
    return fresh


def _insert_items(
    session: Session, principal: Principal, queue: Queue, ordinary: list[int], golden: list[int]
) -> None:
    if not ordinary and not golden:
        return
    last = session.scalar(
        select(func.max(QueueItem.position)).where(QueueItem.queue_rowid == queue.queue_rowid)
    )
    start = (last or 0) + 1
    positions = list(range(start, start + len(ordinary)))
    # Gold items fall at random places among the items still to do, so nobody can tell them
    # from the others by where they come.
    first_pending = session.scalar(
        select(func.min(QueueItem.position)).where(
            QueueItem.queue_rowid == queue.queue_rowid, QueueItem.completed_at.is_(None)
        )
    )
    low, high = first_pending or start, start + max(len(ordinary), 1)
    shuffle = random.SystemRandom()
    gold_positions = [shuffle.randint(low, high) for _ in golden]
    now, actor = utcnow(), _actor(principal)
    rows = [
        (span_rowid, position, False)
        for span_rowid, position in zip(ordinary, positions, strict=True)
    ] + [
        (span_rowid, position, True)
        for span_rowid, position in zip(golden, gold_positions, strict=True)
    ]
    insert_rows(
        session,
        QueueItem.__table__,  # type: ignore[arg-type]
        [
            {
                "id": new_id("qit"),
                "queue_rowid": queue.queue_rowid,
                "span_rowid": span_rowid,
                "position": position,
                "gold": is_gold,
                "added_by": actor,
                "added_at": now,
                "completed_at": None,
            }
            for span_rowid, position, is_gold in rows
        ],
    )


def _span_rowids_of_ids(
    session: Session, principal: Principal, project: Project, span_ids: Sequence[str], at: str
) -> list[int]:
    found = find_spans(session=session, principal=principal, span_ids=span_ids)
    rowids: list[int] = []
    for index, raw in enumerate(span_ids):
        span_id = raw.strip().lower() if isinstance(raw, str) else raw
        refs = [ref for ref in found.get(span_id, []) if ref.project_rowid == project.project_rowid]
        if not refs:
            raise InvalidInput(
                f"span {raw!r} is not a span of project {project.name!r}",
                field=f"{at}span_ids.{index}",
                expected="the span id of a span in the queue's project",
            )
        if len(refs) > 1:
            raise InvalidInput(
                f"span id {raw!r} names spans in {len(refs)} traces of the project; add them "
                "with a filter on trace_id instead",
                field=f"{at}span_ids.{index}",
                expected="a span id that is unique in the project",
            )
        rowids.append(refs[0].span_rowid)
    return rowids


def _span_rowids_of_filter(
    session: Session, project: Project, item_filter: ItemFilter, sample: int | None
) -> list[int]:
    """Every span the filter selects (newest first, as the Traces page lists them), or a
    random sample of them."""
    span_filter = SpanFilter(
        project_id=project.id,
        start_time=item_filter.start_time,
        end_time=item_filter.end_time,
        where=item_filter.where,
    )
    query = select(Span.span_rowid).where(
        *filter_conditions(session=session, project=project, span_filter=span_filter)
    )
    if sample is not None:
        return list(session.scalars(query.order_by(func.random()).limit(sample)))
    rows = session.scalars(
        query.order_by(Span.start_time.desc(), Span.span_id.desc()).limit(MAX_QUEUE_ITEMS + 1)
    ).all()
    return list(rows)


def remove_item(*, session: Session, principal: Principal, queue_id: str, item_id: str) -> None:
    require_admin(principal, "remove items from queues")
    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    removed = session.execute(
        delete(QueueItem).where(
            QueueItem.queue_rowid == context.queue.queue_rowid, QueueItem.id == item_id
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"item {item_id!r} is not in queue {context.queue.name!r}")
    context.queue.updated_at = utcnow()


def list_items(
    *,
    session: Session,
    principal: Principal,
    queue_id: str,
    status: ItemStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[QueueItemRead]:
    """A queue's items in the order they are handed out."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}",
            field="limit",
            expected=f"1 to {MAX_PAGE_SIZE}",
        )
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    query = (
        select(QueueItem, Span.span_id, Trace.trace_id)
        .join(Span, Span.span_rowid == QueueItem.span_rowid)
        .join(Trace, Trace.trace_rowid == Span.trace_rowid)
        .where(QueueItem.queue_rowid == context.queue.queue_rowid)
    )
    if status is not None:
        # Narrowed by state: every item's state is needed to find a page of them.
        every = item_states(context.queue)
        query = query.join(every, every.c.queue_item_rowid == QueueItem.queue_item_rowid).where(
            every.c.state == status
        )
    if cursor is not None:
        _, after = decode_cursor(cursor)
        position, _, rowid = after.partition(":")
        if not position.isdigit() or not rowid.isdigit():
            raise InvalidInput("cursor is not one this list gave", field="cursor")
        query = query.where(
            (QueueItem.position > int(position))
            | ((QueueItem.position == int(position)) & (QueueItem.queue_item_rowid > int(rowid)))
        )
    rows = session.execute(
        query.order_by(QueueItem.position, QueueItem.queue_item_rowid).limit(limit + 1)
    ).all()
    page, more = rows[:limit], len(rows) > limit
    # The page first, then the states of its items alone.
    of_page = item_states(context.queue, item_rowids=[item.queue_item_rowid for item, _, _ in page])
    states = {
        row.queue_item_rowid: (row.state, row.completions)
        for row in session.execute(select(of_page))
    }
    items = [
        QueueItemRead(
            id=item.id,
            span_id=span_id,
            trace_id=trace_id,
            status=states[item.queue_item_rowid][0],
            gold=item.gold,
            completions=states[item.queue_item_rowid][1],
            added_at=item.added_at,
            completed_at=item.completed_at,
        )
        for item, span_id, trace_id in page
    ]
    last = page[-1][0] if page else None
    return Page[QueueItemRead](
        items=items,
        next_cursor=encode_cursor(last.added_at, f"{last.position}:{last.queue_item_rowid}")
        if more and last
        else None,
    )
