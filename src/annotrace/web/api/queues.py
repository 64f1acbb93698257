"""Annotation queues: managed review of a project's spans, several annotators an item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from annotrace.schemas.common import Page
from annotrace.schemas.queues import (
    AnnotatorAccuracy,
    Disagreement,
    GoldRead,
    GoldWrite,
    ItemsAdd,
    ItemsAdded,
    ItemStatus,
    NextItem,
    QueueAgreement,
    QueueCreate,
    QueueItemRead,
    QueueProgress,
    QueueRead,
    QueueUpdate,
    Submission,
    WorkerRequest,
    WorkItem,
)
from annotrace.services import gold, queue_agreement, queue_work, queues
from annotrace.services.queue_context import load_queue
from annotrace.services.queue_progress import queue_progress
from annotrace.services.traces import MAX_PAGE_SIZE
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["queues"])


@router.post(
    "/queues",
    operation_id="createQueue",
    summary="Create a queue: labels to fill, annotators, and (optionally) its first items",
    status_code=201,
    responses=errors(403, 404, 409, body=True),
)
def create_queue(data: QueueCreate, principal: PrincipalDep, database: DatabaseDep) -> QueueRead:
    with database.write() as session:
        return queues.create_queue(session=session, principal=principal, data=data)


@router.get(
    "/queues", operation_id="listQueues", summary="List queues, newest first", responses=errors(404)
)
def list_queues(
    principal: PrincipalDep,
    database: DatabaseDep,
    project_id: Annotated[str | None, Query(description="Only this project's.")] = None,
) -> list[QueueRead]:
    with database.read() as session:
        return queues.list_queues(session=session, principal=principal, project_id=project_id)


@router.get(
    "/queues/{queue_id}",
    operation_id="getQueue",
    summary="A queue with its progress",
    responses=errors(404),
)
def get_queue(queue_id: str, principal: PrincipalDep, database: DatabaseDep) -> QueueRead:
    with database.read() as session:
        return queues.get_queue(session=session, principal=principal, queue_id=queue_id)


@router.patch(
    "/queues/{queue_id}",
    operation_id="updateQueue",
    summary="Change a queue: pause, resume or archive it (status), its labels, annotators…",
    responses=errors(403, 404, 409, body=True),
)
def update_queue(
    queue_id: str, data: QueueUpdate, principal: PrincipalDep, database: DatabaseDep
) -> QueueRead:
    with database.write() as session:
        return queues.update_queue(
            session=session, principal=principal, queue_id=queue_id, data=data
        )


@router.post(
    "/queues/{queue_id}/items",
    operation_id="addQueueItems",
    summary="Add spans by id, every span a filter selects (or a random sample), or gold items",
    responses=errors(403, 404, 409, body=True),
)
def add_items(
    queue_id: str, data: ItemsAdd, principal: PrincipalDep, database: DatabaseDep
) -> ItemsAdded:
    with database.write() as session:
        added, already, total = queues.add_items(
            session=session, principal=principal, queue_id=queue_id, data=data
        )
    return ItemsAdded(added=added, already_in_queue=already, total=total)


@router.get(
    "/queues/{queue_id}/items",
    operation_id="listQueueItems",
    summary="A queue's items in the order they are handed out",
    responses=errors(404),
)
def list_items(
    queue_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    status: Annotated[ItemStatus | None, Query(description="Only items in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the last page.")] = None,
) -> Page[QueueItemRead]:
    with database.read() as session:
        return queues.list_items(
            session=session,
            principal=principal,
            queue_id=queue_id,
            status=status,
            limit=limit,
            cursor=cursor,
        )


@router.delete(
    "/queues/{queue_id}/items/{item_id}",
    operation_id="removeQueueItem",
    summary="Take an item out of a queue (its annotations stay)",
    status_code=204,
    responses=errors(403, 404),
)
def remove_item(
    queue_id: str, item_id: str, principal: PrincipalDep, database: DatabaseDep
) -> None:
    with database.write() as session:
        queues.remove_item(session=session, principal=principal, queue_id=queue_id, item_id=item_id)


@router.post(
    "/queues/{queue_id}/next",
    operation_id="nextQueueItem",
    summary="The next item for an annotator, reserved for them (or the one they hold)",
    responses=errors(403, 404, body=True),
)
def next_item(
    queue_id: str, data: WorkerRequest, principal: PrincipalDep, database: DatabaseDep
) -> NextItem:
    with database.write() as session:
        return queue_work.next_item(
            session=session, principal=principal, queue_id=queue_id, annotator_id=data.annotator_id
        )


@router.post(
    "/queues/{queue_id}/items/{item_id}/submit",
    operation_id="submitQueueItem",
    summary="Save an item's values, all at once, as the annotator's annotations",
    responses=errors(403, 404, 409, body=True),
)
def submit(
    queue_id: str,
    item_id: str,
    data: Submission,
    principal: PrincipalDep,
    database: DatabaseDep,
) -> WorkItem:
    with database.write() as session:
        return queue_work.submit(
            session=session, principal=principal, queue_id=queue_id, item_id=item_id, data=data
        )


@router.post(
    "/queues/{queue_id}/items/{item_id}/skip",
    operation_id="skipQueueItem",
    summary="Pass an item by: it is not handed to this annotator again",
    responses=errors(403, 404, 409, body=True),
)
def skip(
    queue_id: str,
    item_id: str,
    data: WorkerRequest,
    principal: PrincipalDep,
    database: DatabaseDep,
) -> WorkItem:
    with database.write() as session:
        return queue_work.skip(
            session=session,
            principal=principal,
            queue_id=queue_id,
            item_id=item_id,
            annotator_id=data.annotator_id,
        )


@router.get(
    "/queues/{queue_id}/progress",
    operation_id="getQueueProgress",
    summary="Items pending, in progress, completed and skipped, per annotator too",
    responses=errors(404),
)
def progress(queue_id: str, principal: PrincipalDep, database: DatabaseDep) -> QueueProgress:
    with database.read() as session:
        context = load_queue(session=session, principal=principal, queue_id=queue_id)
        return queue_progress(session, context.queue)


@router.get(
    "/queues/{queue_id}/agreement",
    operation_id="getQueueAgreement",
    summary="Agreement between annotators per label: percent, Cohen's kappa, Krippendorff's alpha",
    responses=errors(404),
)
def agreement(queue_id: str, principal: PrincipalDep, database: DatabaseDep) -> QueueAgreement:
    with database.read() as session:
        return queue_agreement.queue_agreement(
            session=session, principal=principal, queue_id=queue_id
        )


@router.get(
    "/queues/{queue_id}/disagreements",
    operation_id="listQueueDisagreements",
    summary="Items where annotators gave a label different values, side by side",
    responses=errors(404),
)
def list_disagreements(
    queue_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    label_id: Annotated[str | None, Query(description="Only this label's.")] = None,
) -> list[Disagreement]:
    with database.read() as session:
        return queue_agreement.disagreements(
            session=session, principal=principal, queue_id=queue_id, label_id=label_id
        )


@router.put(
    "/queues/{queue_id}/items/{item_id}/gold",
    operation_id="setGoldValues",
    summary="Record an item's gold values (adjudication), apart from its annotations",
    responses=errors(403, 404, body=True),
)
def set_gold(
    queue_id: str, item_id: str, data: GoldWrite, principal: PrincipalDep, database: DatabaseDep
) -> list[GoldRead]:
    with database.write() as session:
        return gold.set_gold(
            session=session, principal=principal, queue_id=queue_id, item_id=item_id, data=data
        )


@router.get(
    "/queues/{queue_id}/accuracy",
    operation_id="getQueueAccuracy",
    summary="Each annotator's accuracy on the queue's gold items",
    responses=errors(404),
)
def accuracy(
    queue_id: str, principal: PrincipalDep, database: DatabaseDep
) -> list[AnnotatorAccuracy]:
    with database.read() as session:
        return queue_agreement.accuracy(session=session, principal=principal, queue_id=queue_id)
