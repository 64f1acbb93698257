"""The demo's annotation queue: support answers reviewed by the two demo annotators, part
of it done, with some disagreements to adjudicate and gold items that measure them."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.domain.demo_annotations import REVIEWERS
from annotrace.schemas.queues import (
    GoldItem,
    ItemsAdd,
    LabelValue,
    QueueCreate,
    QueueLabelChoice,
    Submission,
)
from annotrace.services import queue_work, queues
from annotrace.services.projects import ensure_projects
from annotrace.storage.models import Project, Queue, Span, User

DEMO_QUEUE = "Support answers: second opinion"
ITEMS = 40
GOLD = 4
# Items each demo annotator has done already; the rest is left for whoever signs in.
DONE = 24
_QUALITY = ["good", "acceptable", "bad"]
_INSTRUCTIONS = """Read the customer's question and the bot's answer.

* **Response Quality**: would you send this answer to a customer as it is?
  *good*: yes; *acceptable*: with small edits; *bad*: no.
* **Helpfulness** (optional): how much the answer helped, 1 to 5 stars.

Use the trace context when the answer depends on a tool's result.
"""


def ensure_demo_queue(*, session: Session, principal: Principal) -> None:
    """Create the demo queue and the demo annotators' work on it, unless it exists."""
    project_rowid = ensure_projects(
        session=session, workspace_rowid=principal.workspace_rowid, names={"support-bot"}
    )["support-bot"]
    existing = select(Queue.id).where(
        Queue.project_rowid == project_rowid, Queue.name == DEMO_QUEUE
    )
    if session.scalar(existing) is not None:
        return
    project = session.get_one(Project, project_rowid)
    # The newest answers of the bot (LLM spans), the same ones every time.
    spans = session.scalars(
        select(Span.span_id)
        .where(Span.project_rowid == project_rowid, Span.kind == "LLM")
        .order_by(Span.start_time.desc(), Span.span_id)
        .limit(ITEMS + GOLD)
    ).all()
    rng = random.Random(6180)  # noqa: S311 (demo data)
    gold = [
        GoldItem(span_id=span_id, values=[LabelValue(name="Response Quality", value=quality)])
        for span_id in spans[ITEMS:]
        for quality in [_deserved(span_id)[0]]
    ]
    created = queues.create_queue(
        session=session,
        principal=principal,
        data=QueueCreate(
            project_id=project.id,
            name=DEMO_QUEUE,
            instructions=_INSTRUCTIONS,
            labels=[
                QueueLabelChoice(name="Response Quality"),
                QueueLabelChoice(name="Helpfulness", required=False),
            ],
            annotators_per_item=2,
            reviewers=[REVIEWERS[0]],
            items=ItemsAdd(span_ids=list(spans[:ITEMS]), gold=gold),
        ),
    )
    for email in REVIEWERS:
        annotator = _principal(session, principal, email)
        for _ in range(DONE):
            handed = queue_work.next_item(
                session=session, principal=annotator, queue_id=created.id, annotator_id=email
            )
            if handed.item is None:
                break
            if rng.random() < 0.08:
                queue_work.skip(
                    session=session,
                    principal=annotator,
                    queue_id=created.id,
                    item_id=handed.item.item.id,
                    annotator_id=email,
                )
                continue
            values = _opinion(rng, handed.item.span.span_id)
            queue_work.submit(
                session=session,
                principal=annotator,
                queue_id=created.id,
                item_id=handed.item.item.id,
                data=Submission(annotator_id=email, values=values),
            )


def _deserved(span_id: str) -> tuple[str, int]:
    """The quality and stars an answer deserves: the demo's ground truth."""
    truth = random.Random(span_id)  # noqa: S311 (demo data)
    return truth.choice(_QUALITY), truth.randint(2, 5)


def _opinion(rng: random.Random, span_id: str) -> list[LabelValue]:
    """What a demo annotator says of an answer: mostly what it deserves (the same for
    both annotators), sometimes not, so that they agree well but not perfectly."""
    quality, stars = _deserved(span_id)
    if rng.random() < 0.25:
        quality = rng.choice([q for q in _QUALITY if q != quality])
    values = [LabelValue(name="Response Quality", value=quality)]
    if rng.random() < 0.7:
        stars = min(5, max(1, stars + rng.choice((-1, 0, 0, 1))))
        values.append(LabelValue(name="Helpfulness", value=stars))
    return values


def _principal(session: Session, admin: Principal, email: str) -> Principal:
    user_rowid = session.scalar(select(User.user_rowid).where(User.email == email))
    return Principal(
        workspace_rowid=admin.workspace_rowid,
        workspace_id=admin.workspace_id,
        workspace_name=admin.workspace_name,
        role=Role.ANNOTATOR,
        user_rowid=user_rowid,
        user_email=email,
    )
