"""A queue as every operation on it needs it: the row, its project, labels and members;
and the lock that serialises a queue's writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import is_public_id
from annotrace.errors import NotFound, PermissionDenied
from annotrace.schemas.queues import QueueLabelRead
from annotrace.services.labels import LabelRef, ref_of
from annotrace.storage.models import Label, Project, Queue, QueueLabel, QueueMember

ADMIN_ROLES = (Role.OWNER, Role.ADMIN)
# The first half of PostgreSQL's two-part advisory lock keys, for one queue's writes.
_QUEUE_LOCKS = 6181


@dataclass(frozen=True, slots=True)
class QueueContext:
    """A queue with what every operation on it needs."""

    queue: Queue
    project: Project
    labels: tuple[tuple[LabelRef, bool], ...]  # (label, required), in the form's order
    annotators: frozenset[str] | None  # None: everyone who may annotate
    reviewers: frozenset[str]

    def label_reads(self) -> list[QueueLabelRead]:
        return [
            QueueLabelRead(
                label_id=ref.id,
                name=ref.spec.name,
                type=ref.spec.type,
                description=ref.description,
                settings=ref.spec.settings,
                required=required,
            )
            for ref, required in self.labels
        ]


def lock_queue(session: Session, queue_rowid: int) -> None:
    """Serialise the writes of one queue on PostgreSQL (SQLite has one writer already):
    handing out the next item reads before it writes."""
    if session.connection().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _QUEUE_LOCKS, "key": queue_rowid},
        )


def require_admin(principal: Principal, action: str) -> None:
    if principal.role not in ADMIN_ROLES:
        raise PermissionDenied(f"your role ({principal.role.value}) may not {action}; ask an admin")


def load_queue(
    *, session: Session, principal: Principal, queue_id: str, lock: bool = False
) -> QueueContext:
    """The workspace's queue with this id (NotFound for any other)."""
    if not isinstance(queue_id, str) or not is_public_id(queue_id, "que"):
        raise NotFound(f"queue {queue_id!r} not found")
    row = session.execute(
        select(Queue, Project)
        .join(Project, Project.project_rowid == Queue.project_rowid)
        .where(Queue.id == queue_id, Project.workspace_rowid == principal.workspace_rowid)
    ).first()
    if row is None:
        raise NotFound(f"queue {queue_id!r} not found")
    queue, project = row
    if lock:
        lock_queue(session, queue.queue_rowid)
        session.refresh(queue)
    return context_of(session, queue, project)


def context_of(session: Session, queue: Queue, project: Project) -> QueueContext:
    labels = session.execute(
        select(Label, QueueLabel.required)
        .join(QueueLabel, QueueLabel.label_rowid == Label.label_rowid)
        .where(QueueLabel.queue_rowid == queue.queue_rowid)
        .order_by(QueueLabel.position)
    ).all()
    members = session.execute(
        select(QueueMember.annotator_id, QueueMember.role).where(
            QueueMember.queue_rowid == queue.queue_rowid
        )
    ).all()
    annotators = frozenset(m.annotator_id for m in members if m.role == "annotator")
    return QueueContext(
        queue=queue,
        project=project,
        labels=tuple(
            (ref_of(label, project.id, project.name), required) for label, required in labels
        ),
        annotators=None if queue.open_to_all else annotators,
        reviewers=frozenset(m.annotator_id for m in members if m.role == "reviewer"),
    )
