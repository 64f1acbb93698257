"""The Queues pages: the list with the form that creates a queue, a queue's page (progress,
agreement, items), and adjudication. Reviewing items is `queue_review`.

The Traces page's filter travels here as its own URL parameters (`read_bar`'s), so "Add
to a queue" takes exactly the spans the page selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from annotrace.domain.access import Role
from annotrace.errors import AnnotraceError, InvalidInput
from annotrace.schemas.queues import (
    DEFAULT_RESERVATION_SECONDS,
    GoldWrite,
    ItemFilter,
    ItemsAdd,
    LabelValue,
    QueueCreate,
    QueueLabelChoice,
    QueueRead,
    QueueUpdate,
)
from annotrace.services import gold, labels, projects, queue_agreement, queues, users
from annotrace.services.queue_context import load_queue
from annotrace.services.sessions import SignedIn
from annotrace.web.dashboard.filter_bar import span_filter
from annotrace.web.dashboard.queue_values import form_values
from annotrace.web.dashboard.session import ADMIN_ROLES, CheckedUser, CurrentUser, require_role
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

# The create form's own fields; every other parameter belongs to the Traces page filter.
_OWN = {
    "project",
    "csrf_token",
    "queue_name",
    "instructions",
    "label",
    "optional",
    "who",
    "annotator",
    "reviewer",
    "per_item",
    "reservation",
    "source",
    "sample",
    "span_ids",
    "queue",
    "created",
    "added",
}
_STATUS_ACTIONS = {"pause": "paused", "resume": "active", "archive": "archived"}


def _filter_items(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, value) for key, value in items if key not in _OWN]


def _strings(form: Any) -> list[tuple[str, str]]:
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


# --- the list and the create form -------------------------------------------------------


def _list_context(
    session: Session,
    user: SignedIn,
    *,
    project: str,
    filter_items: list[tuple[str, str]],
    values: list[tuple[str, str]] | None = None,
    error: AnnotraceError | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    principal = user.principal
    all_projects = projects.list_projects(session=session, principal=principal)
    current = next((p for p in all_projects if p.id == project), None) or (
        all_projects[0] if all_projects else None
    )
    listed = (
        queues.list_queues(session=session, principal=principal, project_id=current.id)
        if current
        else []
    )
    return {
        "user": user,
        "section": "queues",
        "projects": all_projects,
        "project": current,
        "queues": listed,
        **(_form_choices(session, user, current.id) if current else {"labels": [], "people": []}),
        **_form_state(values or []),
        "filter_items": filter_items,
        "traces_link": "/traces?"
        + urlencode([("project", current.id if current else ""), *filter_items]),
        "error": error,
        "notice": notice,
        "is_admin": principal.role in ADMIN_ROLES,
    }


def _form_choices(session: Session, user: SignedIn, project_id: str) -> dict[str, Any]:
    """What a queue's settings form offers: the project's labels in use, the people who
    may annotate."""
    principal = user.principal
    return {
        "labels": [
            label
            for label in labels.list_labels(
                session=session, principal=principal, project_id=project_id
            )
            if label.archived_at is None
        ],
        "people": [
            member
            for member in users.workspace_users(session=session, principal=principal)
            if member.role in (Role.OWNER.value, Role.ADMIN.value, Role.ANNOTATOR.value)
        ],
        "default_minutes": DEFAULT_RESERVATION_SECONDS // 60,
    }


def _form_state(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The settings form as sent: one value per field, every value of the checkboxes."""
    chosen = {key: [v for k, v in pairs if k == key] for key in _OWN}
    return {"values": {key: found[0] for key, found in chosen.items() if found}, "chosen": chosen}


@dataclass(frozen=True, slots=True)
class _Settings:
    name: str
    instructions: str
    labels: list[QueueLabelChoice]
    annotators: list[str] | None
    reviewers: list[str]
    annotators_per_item: int
    reservation_seconds: int


def _settings_of_form(form: FormData) -> _Settings:
    """The settings fields of the create and change forms (InvalidInput names the field)."""
    optional = set(form.getlist("optional"))
    chosen_labels = [
        QueueLabelChoice(label_id=str(label_id), required=label_id not in optional)
        for label_id in form.getlist("label")
    ]
    if not chosen_labels:
        raise InvalidInput("choose one or more labels to fill", field="label")
    annotators = [str(a) for a in form.getlist("annotator")] if form.get("who") == "some" else None
    if annotators == []:
        raise InvalidInput(
            "choose the annotators, or let everyone who may annotate work the queue",
            field="annotator",
        )
    return _Settings(
        name=str(form.get("queue_name", "")),
        instructions=str(form.get("instructions", "")),
        labels=chosen_labels,
        annotators=annotators,
        reviewers=[str(r) for r in form.getlist("reviewer")],
        annotators_per_item=_whole(str(form.get("per_item", "")), "per_item", 1),
        reservation_seconds=_minutes(str(form.get("reservation", "")), "reservation"),
    )


def _settings_state(queue: QueueRead) -> list[tuple[str, str]]:
    """A queue's settings as the form would send them."""
    pairs = [
        ("queue_name", queue.name),
        ("instructions", queue.instructions),
        ("who", "all" if queue.annotators is None else "some"),
        ("per_item", str(queue.annotators_per_item)),
        ("reservation", f"{queue.reservation_seconds / 60:g}"),
    ]
    pairs += [("label", label.label_id) for label in queue.labels]
    pairs += [("optional", label.label_id) for label in queue.labels if not label.required]
    pairs += [("annotator", annotator) for annotator in queue.annotators or []]
    pairs += [("reviewer", reviewer) for reviewer in queue.reviewers]
    return pairs


@router.get("/queues", response_class=HTMLResponse)
def queues_page(request: Request, user: CurrentUser, database: DatabaseDep) -> Response:
    params = request.query_params
    notice = None
    if params.get("added"):
        notice = f"Added {params['added']} spans to the queue."
    with database.read() as session:
        context = _list_context(
            session,
            user,
            project=params.get("project", ""),
            filter_items=_filter_items(list(params.multi_items())),
            notice=notice,
        )
    return templates.TemplateResponse(request, "queues.html", context)


def _minutes(raw: str, field: str) -> int:
    try:
        minutes = float(raw or DEFAULT_RESERVATION_SECONDS / 60)
    except ValueError:
        raise InvalidInput(
            f"{raw!r} is not a number of minutes", field=field, expected="minutes"
        ) from None
    return max(1, round(minutes * 60))


def _whole(raw: str, field: str, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a whole number", field=field) from None


def _items_of_form(
    fields: dict[str, str], filter_items: list[tuple[str, str]], project_id: str
) -> ItemsAdd | None:
    source = fields.get("source", "filter")
    if source == "ids":
        ids = [part.strip() for part in fields.get("span_ids", "").replace(",", "\n").split()]
        ids = [span_id for span_id in ids if span_id]
        if not ids:
            raise InvalidInput("give one or more span ids", field="span_ids")
        return ItemsAdd(span_ids=ids)
    if source == "none":
        return None
    chosen = span_filter(filter_items, project_id=project_id)
    item_filter = ItemFilter(
        start_time=chosen.start_time, end_time=chosen.end_time, where=chosen.where
    )
    if source == "sample":
        return ItemsAdd(filter=item_filter, sample=_whole(fields.get("sample", ""), "sample", 0))
    return ItemsAdd(filter=item_filter)


def _form_error(error: Exception) -> InvalidInput:
    """Pydantic's refusal of a form, as the one error the form shows."""
    if isinstance(error, ValidationError):
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        return InvalidInput(
            f"{field}: {str(problem['msg']).removeprefix('Value error, ')}", field=field
        )
    assert isinstance(error, InvalidInput)
    return error


@router.post("/queues", response_class=HTMLResponse)
async def create_queue(request: Request, user: CheckedUser, database: DatabaseDep) -> Response:
    form = await request.form()
    items = _strings(form)
    fields = dict(items)
    filter_items = _filter_items(items)
    try:
        require_role(user, *ADMIN_ROLES, action="create queues")
        project_id = fields.get("project", "")
        settings = _settings_of_form(form)
        data = QueueCreate(
            project_id=project_id,
            name=settings.name,
            instructions=settings.instructions,
            labels=settings.labels,
            annotators=settings.annotators,
            reviewers=settings.reviewers,
            annotators_per_item=settings.annotators_per_item,
            reservation_seconds=settings.reservation_seconds,
            items=_items_of_form(fields, filter_items, project_id),
        )
        with database.write() as session:
            created = queues.create_queue(session=session, principal=user.principal, data=data)
    except (InvalidInput, ValidationError) as problem:
        error = _form_error(problem)
        with database.read() as session:
            context = _list_context(
                session,
                user,
                project=fields.get("project", ""),
                filter_items=filter_items,
                values=items,
                error=error,
            )
        return templates.TemplateResponse(request, "queues.html", context, status_code=422)
    return RedirectResponse(f"/queues/{created.id}?created=1", status_code=303)


@router.post("/queues/add", response_class=HTMLResponse)
async def add_filter_to_queue(
    request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    """The Traces page's spans (all, or a sample), into an existing queue."""
    form = await request.form()
    items = _strings(form)
    fields = dict(items)
    require_role(user, *ADMIN_ROLES, action="add items to queues")
    with database.read() as session:
        context = load_queue(
            session=session, principal=user.principal, queue_id=fields.get("queue", "")
        )
        project_id = context.project.id
    data = _items_of_form(fields, _filter_items(items), project_id)
    if data is None:
        raise InvalidInput("choose which spans to add", field="source")
    with database.write() as session:
        added, _, _ = queues.add_items(
            session=session, principal=user.principal, queue_id=context.queue.id, data=data
        )
    return RedirectResponse(f"/queues/{context.queue.id}?added={added}", status_code=303)


# --- a queue's page ----------------------------------------------------------------------


_COLORS = 8


def _bars(distribution: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Per annotator, each value's share of their values: the chart's stacked bars. A value
    keeps its colour across annotators, so the bars compare at a glance."""
    values = sorted({value for counts in distribution.values() for value in counts})
    color = {value: index % _COLORS for index, value in enumerate(values)}
    rows = []
    for annotator, counts in distribution.items():
        total = sum(counts.values()) or 1
        start, parts = 0.0, []
        for value in values:
            if value in counts:
                share = counts[value] / total
                parts.append(
                    {
                        "value": value,
                        "count": counts[value],
                        "share": share,
                        "start": start,
                        "color": color[value],
                    }
                )
                start += share
        rows.append({"annotator": annotator, "parts": parts})
    return rows


def _disagreement_link(project_id: str, label: str) -> str:
    return "/traces?" + urlencode(
        [
            ("project", project_id),
            ("view", "spans"),
            ("f0.type", "disagree"),
            ("f0.of", label),
        ]
    )


def _queue_page(
    session: Session,
    user: SignedIn,
    queue_id: str,
    *,
    cursor: str | None = None,
    settings: list[tuple[str, str]] | None = None,
    error: AnnotraceError | None = None,
) -> dict[str, Any]:
    principal = user.principal
    queue = queues.get_queue(session=session, principal=principal, queue_id=queue_id)
    agreement = queue_agreement.queue_agreement(
        session=session, principal=principal, queue_id=queue_id
    )
    context = load_queue(session=session, principal=principal, queue_id=queue_id)
    mine = next((p for p in queue.progress.annotators if p.annotator_id == user.email), None)
    may_work = principal.role in (Role.OWNER, Role.ADMIN, Role.ANNOTATOR) and (
        queue.annotators is None or user.email in queue.annotators
    )
    return {
        "user": user,
        "section": "queues",
        "queue": queue,
        "project_name": context.project.name,
        "agreement": [
            {
                "label": label,
                "bars": _bars(label.distribution),
                "link": _disagreement_link(queue.project_id, label.name),
            }
            for label in agreement.labels
        ],
        "accuracy": queue_agreement.accuracy(
            session=session, principal=principal, queue_id=queue_id
        ),
        "items": queues.list_items(
            session=session, principal=principal, queue_id=queue_id, limit=100, cursor=cursor
        ),
        "mine": mine,
        "may_work": may_work,
        "is_admin": principal.role in ADMIN_ROLES,
        "may_adjudicate": principal.role in ADMIN_ROLES or user.email in queue.reviewers,
        "status_actions": {
            action: status for action, status in _STATUS_ACTIONS.items() if status != queue.status
        },
        **_form_choices(session, user, queue.project_id),
        **_form_state(settings if settings is not None else _settings_state(queue)),
        "error": error,
        "created": False,
        "added": None,
        "changed": False,
    }


@router.get("/queues/{queue_id}", response_class=HTMLResponse)
def queue_page(
    queue_id: str, request: Request, user: CurrentUser, database: DatabaseDep
) -> Response:
    params = request.query_params
    with database.read() as session:
        context = _queue_page(session, user, queue_id, cursor=params.get("cursor") or None)
    context |= {
        "created": params.get("created") == "1",
        "added": params.get("added"),
        "changed": params.get("changed") == "1",
    }
    return templates.TemplateResponse(request, "queue.html", context)


@router.post("/queues/{queue_id}/settings", response_class=HTMLResponse)
async def change_settings(
    queue_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    try:
        settings = _settings_of_form(form)
        data = QueueUpdate(
            name=settings.name,
            instructions=settings.instructions,
            labels=settings.labels,
            annotators=settings.annotators,
            reviewers=settings.reviewers,
            annotators_per_item=settings.annotators_per_item,
            reservation_seconds=settings.reservation_seconds,
        )
        with database.write() as session:
            queues.update_queue(
                session=session, principal=user.principal, queue_id=queue_id, data=data
            )
    except (InvalidInput, ValidationError) as problem:
        with database.read() as session:
            context = _queue_page(
                session, user, queue_id, settings=_strings(form), error=_form_error(problem)
            )
        return templates.TemplateResponse(request, "queue.html", context, status_code=422)
    return RedirectResponse(f"/queues/{queue_id}?changed=1", status_code=303)


@router.post("/queues/{queue_id}/status")
async def change_status(
    queue_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    action = str(form.get("action", ""))
    if action not in _STATUS_ACTIONS:
        raise InvalidInput(
            f"{action!r} is not pause, resume or archive",
            field="action",
            expected="pause, resume or archive",
        )
    with database.write() as session:
        queues.update_queue(
            session=session,
            principal=user.principal,
            queue_id=queue_id,
            data=QueueUpdate(status=_STATUS_ACTIONS[action]),
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


@router.post("/queues/{queue_id}/items")
async def add_ids(
    queue_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    fields = dict(_strings(form))
    data = _items_of_form({**fields, "source": "ids"}, [], "")
    assert data is not None
    with database.write() as session:
        added, _, _ = queues.add_items(
            session=session, principal=user.principal, queue_id=queue_id, data=data
        )
    return RedirectResponse(f"/queues/{queue_id}?added={added}", status_code=303)


@router.post("/queues/{queue_id}/items/{item_id}/remove")
def remove_item(queue_id: str, item_id: str, user: CheckedUser, database: DatabaseDep) -> Response:
    with database.write() as session:
        queues.remove_item(
            session=session, principal=user.principal, queue_id=queue_id, item_id=item_id
        )
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


# --- adjudication ------------------------------------------------------------------------


@router.get("/queues/{queue_id}/adjudicate", response_class=HTMLResponse)
def adjudicate_page(
    queue_id: str, request: Request, user: CurrentUser, database: DatabaseDep
) -> Response:
    principal = user.principal
    with database.read() as session:
        context = load_queue(session=session, principal=principal, queue_id=queue_id)
        found = queue_agreement.disagreements(
            session=session,
            principal=principal,
            queue_id=queue_id,
            label_id=request.query_params.get("label") or None,
        )
        queue = queues.get_queue(session=session, principal=principal, queue_id=queue_id)
    return templates.TemplateResponse(
        request,
        "queue_adjudicate.html",
        {
            "user": user,
            "section": "queues",
            "queue": queue,
            "labels": {ref.id: ref for ref, _ in context.labels},
            "disagreements": found,
            "may_adjudicate": principal.role in ADMIN_ROLES or user.email in queue.reviewers,
            "saved": request.query_params.get("saved"),
        },
    )


@router.post("/queues/{queue_id}/items/{item_id}/gold")
async def record_gold(
    queue_id: str, item_id: str, request: Request, user: CheckedUser, database: DatabaseDep
) -> Response:
    form = await request.form()
    label_id = str(form.get("label_id", ""))
    with database.read() as session:
        context = load_queue(session=session, principal=user.principal, queue_id=queue_id)
    ref = next((ref for ref, _ in context.labels if ref.id == label_id), None)
    if ref is None:
        raise InvalidInput(f"queue has no label {label_id!r}", field="label_id")
    (value,) = form_values([ref], form)
    with database.write() as session:
        gold.set_gold(
            session=session,
            principal=user.principal,
            queue_id=queue_id,
            item_id=item_id,
            data=GoldWrite(
                values=[LabelValue(label_id=ref.id, value=value.value, reason=value.reason)]
            ),
        )
    return RedirectResponse(
        f"/queues/{queue_id}/adjudicate?saved={item_id}#item-{item_id}-{ref.id}", status_code=303
    )
