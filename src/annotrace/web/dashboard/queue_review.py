"""The review page: one item of a queue at a time, its labels' form, and the keyboard.

`GET /queues/{id}/review` hands out the next item (reserving it, as the API's next does)
or shows the one the annotator holds; `?item=` opens one they did before, to look at or
change. Submit and Skip are plain form posts that go on to the next item, so the page
works without its script; the script adds the keys (number keys, Enter, s, arrows).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from annotrace.errors import InvalidInput
from annotrace.schemas.queues import Submission, WorkItem
from annotrace.services import queue_work, traces
from annotrace.services.queue_context import QueueContext, load_queue
from annotrace.services.queue_progress import queue_progress
from annotrace.services.sessions import SignedIn
from annotrace.web.dashboard.queue_values import form_values
from annotrace.web.dashboard.session import CheckedUser, CurrentUser
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

_VALUE_FIELD = re.compile(r"values\.(\d+)")


def _page(
    request: Request,
    user: SignedIn,
    context: QueueContext,
    work: WorkItem | None,
    *,
    session: Any,
    message: str | None = None,
    values: dict[str, list[str]] | None = None,
    error: InvalidInput | None = None,
    status_code: int = 200,
) -> Response:
    progress = queue_progress(session, context.queue)
    mine = next((p for p in progress.annotators if p.annotator_id == user.email), None)
    around = queue_work.neighbours(
        session, context, user.email, work.item.id if work is not None else None
    )
    given = values
    if given is None and work is not None:
        given = {}
        for value in work.values:
            raw = value.value
            if isinstance(raw, bool):
                given[value.label_id] = ["thumbs_up" if raw else "thumbs_down"]
            elif isinstance(raw, list):
                given[value.label_id] = [str(option) for option in raw]
            elif isinstance(raw, float):
                given[value.label_id] = [f"{raw:g}"]
            elif raw is not None:
                given[value.label_id] = [str(raw)]
            if value.reason:
                given[f"r.{value.label_id}"] = [value.reason]
    error_label = None
    if error is not None and error.field:
        match = _VALUE_FIELD.match(error.field)
        if match:
            error_label = context.labels[int(match.group(1))][0].id
    return templates.TemplateResponse(
        request,
        "queue_review.html",
        {
            "user": user,
            "section": "queues",
            "queue": context.queue,
            "project": context.project,
            "labels": context.label_reads(),
            "work": work,
            "message": message,
            "progress": progress,
            "mine": mine,
            "previous": around.previous,
            "next": around.next,
            "given": given or {},
            "error": error,
            "error_label": error_label,
        },
        status_code=status_code,
    )


@router.get("/queues/{queue_id}/review", response_class=HTMLResponse)
def review_page(
    queue_id: str, request: Request, user: CurrentUser, database: DatabaseDep
) -> Response:
    item_id = request.query_params.get("item")
    principal = user.principal
    if item_id:
        with database.read() as session:
            work = queue_work.open_item(
                session=session,
                principal=principal,
                queue_id=queue_id,
                item_id=item_id,
                annotator_id=user.email,
            )
            context = load_queue(session=session, principal=principal, queue_id=queue_id)
            return _page(request, user, context, work, session=session)
    with database.write() as session:
        handed = queue_work.next_item(
            session=session, principal=principal, queue_id=queue_id, annotator_id=user.email
        )
        context = load_queue(session=session, principal=principal, queue_id=queue_id)
        return _page(request, user, context, handed.item, session=session, message=handed.message)


@router.post("/queues/{queue_id}/items/{item_id}/submit", response_class=HTMLResponse)
async def submit(
    queue_id: str, item_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    principal = user.principal
    with database.read() as session:
        context = load_queue(session=session, principal=principal, queue_id=queue_id)
    refs = [ref for ref, _ in context.labels]
    try:
        with database.write() as session:
            queue_work.submit(
                session=session,
                principal=principal,
                queue_id=queue_id,
                item_id=item_id,
                data=Submission(annotator_id=user.email, values=form_values(refs, form)),
            )
    except InvalidInput as error:
        values = {
            key.removeprefix("v."): [str(v) for v in form.getlist(key)]
            for key in form
            if key.startswith("v.")
        } | {key: [str(form.get(key, ""))] for key in form if key.startswith("r.")}
        with database.read() as session:
            work = queue_work.open_item(
                session=session,
                principal=principal,
                queue_id=queue_id,
                item_id=item_id,
                annotator_id=user.email,
            )
            return _page(
                request,
                user,
                context,
                work,
                session=session,
                values=values,
                error=error,
                status_code=422,
            )
    return _onwards(queue_id, form.get("then"))


def _onwards(queue_id: str, then: object) -> Response:
    """After a submit or skip: the item the annotator was going back through, or the next."""
    target = f"/queues/{queue_id}/review"
    if isinstance(then, str) and then.startswith("qit_"):
        target += f"?item={then}"
    return RedirectResponse(target, status_code=303)


@router.post("/queues/{queue_id}/items/{item_id}/skip")
async def skip(
    queue_id: str, item_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    with database.write() as session:
        queue_work.skip(
            session=session,
            principal=user.principal,
            queue_id=queue_id,
            item_id=item_id,
            annotator_id=user.email,
        )
    return _onwards(queue_id, form.get("then"))


@router.get("/queues/{queue_id}/items/{item_id}/context", response_class=HTMLResponse)
def trace_context(
    queue_id: str, item_id: str, request: Request, user: CurrentUser, database: DatabaseDep
) -> Response:
    """The item's trace as a tree, its span marked: loaded when the reviewer asks."""
    principal = user.principal
    with database.read() as session:
        work = queue_work.open_item(
            session=session,
            principal=principal,
            queue_id=queue_id,
            item_id=item_id,
            annotator_id=user.email,
        )
        trace = traces.get_trace(
            session=session,
            principal=principal,
            trace_id=work.item.trace_id,
            project_id=work.span.project_id,
        )
    return templates.TemplateResponse(
        request,
        "_queue_context.html",
        {"user": user, "trace": trace, "current": work.span.span_id},
    )
