"""The Traces page: the list, the trace drawer, the span tabs, and the forms in them.

Every view is reachable as a whole page (`/traces?project=…&trace=…&span=…&tab=…`), so a
view can be shared and reloaded; the script asks for the pieces (drawer, span pane,
Evaluation tab) and swaps them in without reloading. Requests from the script carry
`X-Requested-With: fetch` and get the piece; others get the page or a redirect to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from annotrace.domain.spans import SpanKind, StatusCode
from annotrace.errors import InvalidInput, NotFound
from annotrace.schemas.annotations import AnnotationCreate, AnnotationUpdate, NoteCreate
from annotrace.schemas.common import Page
from annotrace.schemas.labels import LabelRead
from annotrace.schemas.search import SpanResult
from annotrace.schemas.traces import SpanNode, SpanRead, TraceRead, TraceSummary
from annotrace.services import annotate, labels, notes, projects, search, traces
from annotrace.services.sessions import SignedIn
from annotrace.services.traces import TraceFilters
from annotrace.storage.engine import Database
from annotrace.web.dashboard.correction_view import correction_view
from annotrace.web.dashboard.filter_bar import ROW_TYPES, Bar, Row, parse_time, read_bar
from annotrace.web.dashboard.session import (
    ANNOTATE_ROLES,
    CheckedUser,
    CurrentUser,
    require_role,
)
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

TABS = ("io", "attributes", "evaluation", "notes")
EXPORT_PARAMS = ("project", "q", "status", "kind", "annotated", "start", "end")
LIST_PARAMS = ("project", "view", "q", "status", "kind", "annotated", "start", "end", "cursor")
Link = Callable[..., str]


def linker(params: dict[str, str], conditions: Sequence[tuple[str, str]] = ()) -> Link:
    """`link(trace=…, span=None)`: this page's URL with some parameters changed; the
    filter bar's `conditions` ride along."""

    def link(**changes: Any) -> str:
        merged = {**params, **changes}
        kept = [(key, str(value)) for key, value in merged.items() if value not in (None, "")]
        return "/traces?" + urlencode([*kept, *conditions])

    return link


def is_fetch(request: Request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@dataclass
class FormState:
    """The annotation form: open or not, what was typed, and what was wrong with it."""

    open: bool = False
    editing: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    label_def: LabelRead | None = None


# --- contexts -----------------------------------------------------------------------------


def span_context(
    session: Session,
    user: SignedIn,
    *,
    span_id: str,
    trace_id: str,
    tab: str,
    link: Link,
    form: FormState | None = None,
    note_error: str | None = None,
) -> dict[str, Any]:
    principal = user.principal
    span = traces.get_span(session=session, principal=principal, span_id=span_id, trace_id=trace_id)
    annotations = annotate.list_span_annotations(
        session=session, principal=principal, span_id=span_id, trace_id=trace_id
    )
    project_labels = labels.list_labels(
        session=session, principal=principal, project_id=span.project_id
    )
    form = form or FormState()
    if form.open and form.label_def is None:
        form.label_def = _label_named(project_labels, form.values.get("name"))
    span_notes = notes.list_notes(
        session=session, principal=principal, span_id=span_id, trace_id=trace_id
    )
    return {
        "user": user,
        "span": span,
        "tab": tab if tab in TABS else "io",
        "annotations": annotations,
        "notes": span_notes,
        "labels": project_labels,
        "form": form,
        "note_error": note_error,
        "link": link,
        "can_annotate": principal.role in ANNOTATE_ROLES,
        "span_chips": _chips(annotations),
        "changeable": {a.id for a in annotations if principal.may_change_work_of(a.annotator_id)},
        "note_changeable": {
            n.id for n in span_notes if principal.may_change_work_of(n.annotator_id)
        },
        **correction_view(session=session, principal=principal, span=span),
    }


def _label_named(project_labels: list[LabelRead], name: Any) -> LabelRead | None:
    if not isinstance(name, str):
        return None
    key = name.strip().casefold()
    return next((label for label in project_labels if label.name.casefold() == key), None)


@dataclass(frozen=True)
class Chip:
    kind: str
    text: str


def drawer_context(
    session: Session,
    user: SignedIn,
    *,
    trace_id: str,
    project_id: str,
    span_id: str | None,
    tab: str,
    link: Link,
    form: FormState | None = None,
) -> dict[str, Any]:
    principal = user.principal
    trace = traces.get_trace(
        session=session, principal=principal, trace_id=trace_id, project_id=project_id
    )
    by_span = annotate.list_trace_annotations(
        session=session, principal=principal, trace_id=trace.trace_id, project_id=project_id
    )
    context: dict[str, Any] = {
        "user": user,
        "open_trace": trace,
        "chips": {span: _chips(found) for span, found in by_span.items()},
        "selected_span_id": span_id,
        "link": link,
        "span": None,
    }
    if span_id is None and trace.spans:
        span_id = trace.spans[0].span_id
        context["selected_span_id"] = span_id
    if span_id is not None and _in_tree(trace, span_id):
        context |= span_context(
            session,
            user,
            span_id=span_id,
            trace_id=trace.trace_id,
            tab=tab,
            link=link,
            form=form,
        )
    return context


def _in_tree(trace: TraceRead, span_id: str) -> bool:
    stack: list[SpanNode] = list(trace.spans)
    while stack:
        node = stack.pop()
        if node.span_id == span_id:
            return True
        stack.extend(node.children)
    return False


def _chips(found: list[Any]) -> list[Chip]:
    """One chip per (label, kind): its values, so problems show in the tree."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for annotation in found:
        value = annotation.label if annotation.label is not None else _score(annotation.score)
        values = grouped.setdefault((annotation.name, annotation.kind), [])
        if value and value not in values:
            values.append(value)
    return [
        Chip(kind, f"{name}: {' / '.join(values)}" if values else name)
        for (name, kind), values in grouped.items()
    ]


def _score(score: float | None) -> str:
    return "" if score is None else f"{score:g}"


# --- the page -----------------------------------------------------------------------------


def _filters(params: dict[str, str], bar: Bar) -> TraceFilters:
    status = {"error": StatusCode.ERROR, "ok": StatusCode.OK}.get(params.get("status", ""))
    kind = params.get("kind", "")
    return TraceFilters(
        search=params.get("q") or None,
        status=status,
        root_kind=SpanKind(kind) if kind in SpanKind.__members__ else None,
        annotated={"yes": True, "no": False}.get(params.get("annotated", "")),
        where=bar.where(),
    )


def page_context(
    session: Session,
    user: SignedIn,
    params: dict[str, str],
    *,
    bar: Bar | None = None,
    form: FormState | None = None,
) -> dict[str, Any]:
    principal = user.principal
    bar = bar or Bar()
    listed = projects.list_projects(session=session, principal=principal)
    link = linker(params, bar.query())
    view = "spans" if params.get("view") == "spans" else "traces"
    context: dict[str, Any] = {
        "user": user,
        "section": "traces",
        "projects": listed,
        "kinds": [kind.value for kind in SpanKind],
        "filters": params,
        "bar": bar,
        "row_types": ROW_TYPES,
        "blank_row": Row(position=-1, parts={}),
        "view": view,
        "cursor": params.get("cursor"),
        "link": link,
        "open_trace": None,
        "filter_error": None,
        "filter_error_field": None,
    }
    if not listed:
        return context
    chosen = next((p for p in listed if p.id == params.get("project")), None)
    # Without a choice, the project with the newest trace.
    project = chosen or max(
        listed, key=lambda p: p.last_trace_at or datetime.min.replace(tzinfo=UTC)
    )
    params["project"] = project.id
    # Exports take spans: the filter as the Spans view reads it (on the Datasets page).
    selection = [(key, params[key]) for key in EXPORT_PARAMS if params.get(key)] + bar.query()
    context["export_link"] = "/datasets?" + urlencode(selection)
    context["queue_link"] = "/queues?" + urlencode(selection)
    context["project"] = project
    project_labels = labels.list_labels(session=session, principal=principal, project_id=project.id)
    context["labels"] = project_labels
    context["options_of"] = lambda name: _options_of(project_labels, name)
    try:
        page, chips = _listing(session, user, params, bar, project_id=project.id, view=view)
    except InvalidInput as error:
        # The list stays usable, unfiltered, next to the message naming the bad part.
        context["filter_error"] = error.message
        context["filter_error_field"] = error.field
        page, chips = _listing(session, user, {}, Bar(), project_id=project.id, view=view)
    context["row_chips"] = chips
    context["page"] = page
    if params.get("trace"):
        try:
            context |= drawer_context(
                session,
                user,
                trace_id=params["trace"],
                project_id=project.id,
                span_id=params.get("span") or None,
                tab=params.get("tab", "io"),
                link=link,
                form=form,
            )
            context["section"] = "traces"
        except (NotFound, InvalidInput):
            context["filter_error"] = f"trace {params['trace']!r} is not in this project"
    return context


def _listing(
    session: Session,
    user: SignedIn,
    params: dict[str, str],
    bar: Bar,
    *,
    project_id: str,
    view: str,
) -> tuple[Page[TraceSummary] | Page[SpanResult], dict[str, list[Chip]]]:
    """The Spans view: the matching spans, with chips of their annotations. The Traces
    view: the traces with at least one matching span."""
    cursor = params.get("cursor") or None
    if view == "spans":
        spans = search.search_spans(
            session=session,
            principal=user.principal,
            span_filter=bar.span_filter(project_id=project_id),
            cursor=cursor,
        )
        return spans, {span.span_id: _chips(span.annotations) for span in spans.items}
    listed = traces.list_traces(
        session=session,
        principal=user.principal,
        project_id=project_id,
        cursor=cursor,
        start_time=parse_time(params.get("start", ""), "start"),
        end_time=parse_time(params.get("end", ""), "end"),
        filters=_filters(params, bar),
    )
    return listed, {}


def _options_of(project_labels: list[LabelRead], name: str) -> list[str]:
    """The options of a categorical label, for the bar's value select; [] for others."""
    label = _label_named(project_labels, name)
    if label is None or label.type.value != "categorical":
        return []
    return [str(option) for option in label.settings.get("options", [])]


def _params(request: Request) -> dict[str, str]:
    wanted = (*LIST_PARAMS, "trace", "span", "tab")
    return {key: request.query_params[key] for key in wanted if request.query_params.get(key)}


@router.get("/traces", response_class=HTMLResponse)
def traces_page(
    request: Request, user: CurrentUser, database: DatabaseDep, add: str = "", edit: str = ""
) -> Response:
    params = _params(request)
    bar = read_bar(request.query_params.multi_items())
    if "remove" in request.query_params:
        # The Remove button of a browser without the script: on to the URL without it.
        return RedirectResponse(linker(params, bar.query())(), status_code=303)
    form = None
    with database.read() as session:
        if edit:
            form = _edit_form(session, user, edit)
        elif add:
            form = FormState(open=True)
        context = page_context(session, user, params, bar=bar, form=form)
    return templates.TemplateResponse(request, "traces.html", context)


@router.get("/traces/{trace_id}/drawer", response_class=HTMLResponse)
def drawer(
    request: Request,
    trace_id: str,
    user: CurrentUser,
    database: DatabaseDep,
    project: Annotated[str, Query()],
    span: str | None = None,
    tab: str = "io",
) -> Response:
    link = linker({"project": project, "trace": trace_id})
    with database.read() as session:
        context = drawer_context(
            session, user, trace_id=trace_id, project_id=project, span_id=span, tab=tab, link=link
        )
    return templates.TemplateResponse(request, "_drawer.html", context)


@router.get("/spans/{span_id}/detail", response_class=HTMLResponse)
def span_detail(
    request: Request,
    span_id: str,
    user: CurrentUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
    tab: str = "io",
) -> Response:
    with database.read() as session:
        context = span_context(
            session,
            user,
            span_id=span_id,
            trace_id=trace_id,
            tab=tab,
            link=_span_linker(session, user, trace_id, span_id),
        )
    return templates.TemplateResponse(request, "_span.html", context)


@router.get("/spans/{span_id}/evaluation", response_class=HTMLResponse)
def evaluation_panel(
    request: Request,
    span_id: str,
    user: CurrentUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
    add: str = "",
) -> Response:
    """The Evaluation tab alone, with the Add annotation form open when asked."""
    with database.read() as session:
        context = span_context(
            session,
            user,
            span_id=span_id,
            trace_id=trace_id,
            tab="evaluation",
            link=_span_linker(session, user, trace_id, span_id),
            form=FormState(open=bool(add) and user.principal.role in ANNOTATE_ROLES),
        )
    return templates.TemplateResponse(request, "_evaluation.html", context)


def _span_linker(session: Session, user: SignedIn, trace_id: str, span_id: str) -> Link:
    span = traces.get_span(
        session=session, principal=user.principal, span_id=span_id, trace_id=trace_id
    )
    return linker({"project": span.project_id, "trace": trace_id, "span": span_id})


# --- annotation forms -----------------------------------------------------------------------


def _form_values(name: str, label: list[str], score: str, reason: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label[0] if len(label) == 1 else "",
        "labels": label,
        "score": score,
        "reason": reason,
    }


def _parsed(values: dict[str, Any], label_def: LabelRead | None) -> tuple[Any, Any, Any]:
    """(label, score, reason) as the annotation API takes them; InvalidInput when the
    score is not a number."""
    chosen = [value for value in values["labels"] if value != ""]
    multi = label_def is not None and label_def.settings.get("multi_choice")
    label: Any = chosen if multi else (chosen[0] if chosen else None)
    score = None
    if values["score"].strip():
        try:
            score = float(values["score"])
        except ValueError:
            raise InvalidInput("Score must be a number", field="score") from None
    return label, score, values["reason"].strip() or None


def _evaluation_response(
    request: Request,
    database: Database,
    user: SignedIn,
    *,
    span_id: str,
    trace_id: str,
    form: FormState | None = None,
    status: int = 200,
) -> Response:
    with database.read() as session:
        link = _span_linker(session, user, trace_id, span_id)
        if not is_fetch(request) and status == 200:
            return RedirectResponse(link(tab="evaluation"), status_code=303)
        context = span_context(
            session,
            user,
            span_id=span_id,
            trace_id=trace_id,
            tab="evaluation",
            link=link,
            form=form,
        )
        if not is_fetch(request):
            params = {
                "project": context["span"].project_id,
                "trace": trace_id,
                "span": span_id,
                "tab": "evaluation",
            }
            full = page_context(session, user, params, form=form)
            return templates.TemplateResponse(request, "traces.html", full, status_code=status)
    return templates.TemplateResponse(request, "_evaluation.html", context, status_code=status)


def _refused(error: InvalidInput) -> dict[str, str]:
    field_name = error.field if error.field in ("name", "label", "score", "reason") else "label"
    return {field_name: error.message}


@router.post("/spans/{span_id}/annotations", response_class=HTMLResponse)
def add_annotation(
    request: Request,
    span_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
    name: Annotated[str, Form()] = "",
    label: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    score: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    require_role(user, *ANNOTATE_ROLES, action="annotate")
    values = _form_values(name, label, score, reason)
    form = FormState(open=True, values=values)
    try:
        with database.write() as session:
            project_labels = _span_labels(session, user, span_id, trace_id)
            form.label_def = _label_named(project_labels, name)
            label_value, score_value, reason_value = _parsed(values, form.label_def)
            annotate.create_annotation(
                session=session,
                principal=user.principal,
                span_id=span_id,
                trace_id=trace_id,
                data=AnnotationCreate(
                    name=name, label=label_value, score=score_value, reason=reason_value
                ),
                annotator_id=user.email,
                source="human",
            )
    except InvalidInput as error:
        form.errors = _refused(error)
        return _evaluation_response(
            request, database, user, span_id=span_id, trace_id=trace_id, form=form, status=422
        )
    return _evaluation_response(request, database, user, span_id=span_id, trace_id=trace_id)


def _span_labels(session: Session, user: SignedIn, span_id: str, trace_id: str) -> list[LabelRead]:
    span: SpanRead = traces.get_span(
        session=session, principal=user.principal, span_id=span_id, trace_id=trace_id
    )
    return labels.list_labels(session=session, principal=user.principal, project_id=span.project_id)


def _edit_form(session: Session, user: SignedIn, annotation_id: str) -> FormState:
    annotation = annotate.get_annotation(
        session=session, principal=user.principal, annotation_id=annotation_id
    )
    chosen = (
        annotation.value
        if isinstance(annotation.value, list)
        else ([annotation.label] if annotation.label is not None else [])
    )
    return FormState(
        open=True,
        editing=annotation.id,
        values={
            "name": annotation.name,
            "label": annotation.label or "",
            "labels": chosen,
            "score": "" if annotation.score is None else f"{annotation.score:g}",
            "reason": annotation.reason or "",
        },
    )


@router.get("/annotations/{annotation_id}/edit", response_class=HTMLResponse)
def edit_annotation_form(
    request: Request, annotation_id: str, user: CurrentUser, database: DatabaseDep
) -> Response:
    with database.read() as session:
        form = _edit_form(session, user, annotation_id)
        annotation = annotate.get_annotation(
            session=session, principal=user.principal, annotation_id=annotation_id
        )
        link = _span_linker(session, user, annotation.trace_id, annotation.span_id)
        if not is_fetch(request):
            return RedirectResponse(link(tab="evaluation", edit=annotation_id), status_code=303)
        context = span_context(
            session,
            user,
            span_id=annotation.span_id,
            trace_id=annotation.trace_id,
            tab="evaluation",
            link=link,
            form=form,
        )
    return templates.TemplateResponse(request, "_evaluation.html", context)


@router.post("/annotations/{annotation_id}/update", response_class=HTMLResponse)
def update_annotation(
    request: Request,
    annotation_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    label: Annotated[list[str], Form()] = [],  # noqa: B006
    score: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    with database.read() as session:
        annotation = annotate.get_annotation(
            session=session, principal=user.principal, annotation_id=annotation_id
        )
        project_labels = _span_labels(session, user, annotation.span_id, annotation.trace_id)
    values = _form_values(annotation.name, label, score, reason)
    form = FormState(open=True, editing=annotation_id, values=values)
    form.label_def = _label_named(project_labels, annotation.name)
    try:
        label_value, score_value, reason_value = _parsed(values, form.label_def)
        with database.write() as session:
            annotate.update_annotation(
                session=session,
                principal=user.principal,
                annotation_id=annotation_id,
                data=AnnotationUpdate(label=label_value, score=score_value, reason=reason_value),
            )
    except InvalidInput as error:
        form.errors = _refused(error)
        return _evaluation_response(
            request,
            database,
            user,
            span_id=annotation.span_id,
            trace_id=annotation.trace_id,
            form=form,
            status=422,
        )
    return _evaluation_response(
        request, database, user, span_id=annotation.span_id, trace_id=annotation.trace_id
    )


@router.post("/annotations/{annotation_id}/delete", response_class=HTMLResponse)
def delete_annotation(
    request: Request, annotation_id: str, user: CheckedUser, database: DatabaseDep
) -> Response:
    with database.write() as session:
        annotation = annotate.get_annotation(
            session=session, principal=user.principal, annotation_id=annotation_id
        )
        annotate.delete_annotation(
            session=session, principal=user.principal, annotation_id=annotation_id
        )
    return _evaluation_response(
        request, database, user, span_id=annotation.span_id, trace_id=annotation.trace_id
    )


# --- notes ------------------------------------------------------------------------------------


def _notes_response(
    request: Request,
    database: Database,
    user: SignedIn,
    *,
    span_id: str,
    trace_id: str,
    note_error: str | None = None,
) -> Response:
    with database.read() as session:
        link = _span_linker(session, user, trace_id, span_id)
        if not is_fetch(request):
            return RedirectResponse(link(tab="notes"), status_code=303)
        context = span_context(
            session,
            user,
            span_id=span_id,
            trace_id=trace_id,
            tab="notes",
            link=link,
            note_error=note_error,
        )
    status = 422 if note_error else 200
    return templates.TemplateResponse(request, "_notes.html", context, status_code=status)


@router.post("/spans/{span_id}/notes", response_class=HTMLResponse)
def add_note(
    request: Request,
    span_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
    text: Annotated[str, Form()] = "",
) -> Response:
    require_role(user, *ANNOTATE_ROLES, action="write notes")
    try:
        with database.write() as session:
            notes.add_note(
                session=session,
                principal=user.principal,
                span_id=span_id,
                trace_id=trace_id,
                data=NoteCreate(text=text),
                annotator_id=user.email,
            )
    except InvalidInput as error:
        return _notes_response(
            request, database, user, span_id=span_id, trace_id=trace_id, note_error=error.message
        )
    return _notes_response(request, database, user, span_id=span_id, trace_id=trace_id)


@router.post("/spans/{span_id}/notes/{note_id}/delete", response_class=HTMLResponse)
def delete_note(
    request: Request,
    span_id: str,
    note_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    trace_id: Annotated[str, Query()],
) -> Response:
    with database.write() as session:
        notes.delete_note(
            session=session,
            principal=user.principal,
            span_id=span_id,
            note_id=note_id,
            trace_id=trace_id,
        )
    return _notes_response(request, database, user, span_id=span_id, trace_id=trace_id)
