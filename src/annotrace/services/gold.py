"""Gold values: the agreed value of a label on a span, kept apart from the annotations.

They come two ways: an adjudicator settles a disagreement in a queue, or an admin adds a
gold item (a span with known answers) that measures annotators. Exports carry them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.errors import InvalidInput, PermissionDenied
from annotrace.schemas.queues import GoldItem, GoldRead, GoldWrite
from annotrace.services.annotations import annotator_problem
from annotrace.services.queue_context import QueueContext, load_queue
from annotrace.services.queue_values import CheckedValue, checked_values
from annotrace.services.traces import span_ref
from annotrace.storage.models import GoldValue, Label, QueueItem
from annotrace.storage.types import utcnow

ADJUDICATOR_ROLES = (Role.OWNER, Role.ADMIN)


def add_gold_answers(
    *,
    session: Session,
    principal: Principal,
    context: QueueContext,
    items: Sequence[GoldItem],
    at: str = "",
) -> list[int]:
    """Record the known answers of gold items; the rowids of their spans, in order. `at`
    is where the items' request is, before the field names of errors (`items.` or none)."""
    rowids: list[int] = []
    decider = principal.user_email or f"api-key:{principal.api_key_rowid}"
    for index, item in enumerate(items):
        ref = span_ref(
            session=session, principal=principal, span_id=item.span_id, trace_id=item.trace_id
        )
        if ref.project_rowid != context.project.project_rowid:
            raise InvalidInput(
                f"span {item.span_id!r} is not a span of project {context.project.name!r}",
                field=f"{at}gold.{index}.span_id",
                expected="a span of the queue's project",
            )
        values = checked_values(
            context, item.values, field=f"{at}gold.{index}.values", require=False
        )
        if not any(value.typed is not None for value in values):
            raise InvalidInput(
                "a gold item needs the right value of at least one label",
                field=f"{at}gold.{index}.values",
                expected="one or more values",
            )
        _store(session, context, ref.span_rowid, values, decider, principal.user_rowid)
        rowids.append(ref.span_rowid)
    return rowids


def set_gold(
    *, session: Session, principal: Principal, queue_id: str, item_id: str, data: GoldWrite
) -> list[GoldRead]:
    """Record the gold values of an item (a null value removes that label's)."""
    # Imported here: queue_work builds on the queue modules that import this one.
    from annotrace.services.queue_work import find_item

    context = load_queue(session=session, principal=principal, queue_id=queue_id, lock=True)
    decider = principal.user_email or data.annotator_id
    if decider is None:
        raise InvalidInput(
            "say who decides: annotator_id is required with API keys",
            field="annotator_id",
            expected="a non-empty id",
        )
    problem = annotator_problem(decider)
    if problem:
        raise InvalidInput(problem, field="annotator_id", expected="a non-empty id")
    may = principal.role in ADJUDICATOR_ROLES or (
        principal.role is Role.ANNOTATOR and decider in context.reviewers
    )
    if not may:
        raise PermissionDenied(
            f"only admins and the reviewers of queue {context.queue.name!r} record gold values"
        )
    item = find_item(session, context, item_id)
    values = checked_values(context, data.values, require=False)
    _store(session, context, item.span_rowid, values, decider, principal.user_rowid)
    return gold_of_spans(session=session, span_rowids=[item.span_rowid]).get(item.span_rowid, [])


def _store(
    session: Session,
    context: QueueContext,
    span_rowid: int,
    values: Sequence[CheckedValue],
    decider: str,
    user_rowid: int | None,
) -> None:
    cleared = [value.ref.label_rowid for value in values if value.typed is None]
    if cleared:
        session.execute(
            delete(GoldValue).where(
                GoldValue.span_rowid == span_rowid, GoldValue.label_rowid.in_(cleared)
            )
        )
    kept = {value.ref.label_rowid: value for value in values if value.typed is not None}
    stored = {
        row.label_rowid: row
        for row in session.scalars(
            select(GoldValue).where(
                GoldValue.span_rowid == span_rowid, GoldValue.label_rowid.in_(kept)
            )
        )
    }
    now = utcnow()
    for label_rowid, value in kept.items():
        assert value.typed is not None
        row = stored.get(label_rowid)
        if row is None:
            row = GoldValue(
                span_rowid=span_rowid,
                project_rowid=context.project.project_rowid,
                label_rowid=label_rowid,
                created_at=now,
            )
            session.add(row)
        row.label_version = value.ref.version
        row.value, row.label, row.score = value.typed.value, value.typed.label, value.typed.score
        row.reason = value.reason
        row.queue_rowid = context.queue.queue_rowid
        row.decided_by, row.user_rowid, row.updated_at = decider, user_rowid, now
    session.flush()


def gold_of_spans(*, session: Session, span_rowids: Iterable[int]) -> dict[int, list[GoldRead]]:
    """The gold values of these spans, by span rowid, in one query."""
    wanted = set(span_rowids)
    if not wanted:
        return {}
    rows = session.execute(
        select(GoldValue, Label.id, Label.name)
        .join(Label, Label.label_rowid == GoldValue.label_rowid)
        .where(GoldValue.span_rowid.in_(wanted))
        .order_by(GoldValue.span_rowid, Label.name)
    )
    found: dict[int, list[GoldRead]] = {}
    for row, label_id, name in rows:
        found.setdefault(row.span_rowid, []).append(
            GoldRead(
                label_id=label_id,
                name=name,
                value=row.value,
                label=row.label,
                score=row.score,
                reason=row.reason,
                decided_by=row.decided_by,
                updated_at=row.updated_at,
            )
        )
    return found


def gold_items_of(session: Session, queue_rowid: int) -> list[int]:
    """Span rowids of the queue's gold items."""
    return list(
        session.scalars(
            select(QueueItem.span_rowid).where(
                QueueItem.queue_rowid == queue_rowid, QueueItem.gold.is_(True)
            )
        )
    )
