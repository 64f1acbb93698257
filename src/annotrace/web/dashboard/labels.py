"""The Labels page: a project's labels, and the forms that create, change and archive them.

The forms reach the same services as the labels API, so the rules (and their messages) are
the API's; this module only turns form fields into the API's settings and puts a refusal
back next to the field it is about.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from annotrace.domain.labels import LabelType, parse_label_type
from annotrace.errors import Conflict, InvalidInput
from annotrace.schemas.labels import LabelCreate, LabelRead, LabelUpdate
from annotrace.schemas.projects import ProjectRead
from annotrace.services import labels, projects
from annotrace.services.sessions import SignedIn
from annotrace.web.dashboard.session import ADMIN_ROLES, CheckedUser, CurrentUser, require_role
from annotrace.web.dashboard.templating import bidi_closed, number, templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

MANAGE = "manage labels"
TYPE_NAMES = {
    LabelType.TEXT: "Text",
    LabelType.NUMERIC: "Numeric",
    LabelType.CATEGORICAL: "Categorical",
    LabelType.STAR: "Star rating",
    LabelType.THUMBS: "Thumbs up / down",
}
# The number fields of each type, by setting key, with the words their inputs are labelled by.
NUMBER_FIELDS = {
    "min_length": "Minimum length",
    "max_length": "Maximum length",
    "min": "Minimum",
    "max": "Maximum",
    "step_size": "Step size",
    "no_of_stars": "Number of stars",
}
NUMBER_SETTINGS: dict[LabelType, tuple[str, ...]] = {
    LabelType.TEXT: ("min_length", "max_length"),
    LabelType.NUMERIC: ("min", "max", "step_size"),
    LabelType.CATEGORICAL: (),
    LabelType.STAR: ("no_of_stars",),
    LabelType.THUMBS: (),
}
# The settings named in the domain's messages, as the form labels them.
SETTING_WORDS = {**NUMBER_FIELDS, "placeholder": "Placeholder", "options": "Options"}
_SETTING = re.compile(r"\bsettings\.(\w+)\b(?!\[)")
# Form fields an error can be shown next to; other errors only show in the summary.
FORM_KEYS = frozenset(
    {"name", "type", "description", "placeholder", "display_type", "options", "multi_choice"}
    | NUMBER_FIELDS.keys()
)


class LabelForm(BaseModel):
    """The label form as posted: every field as typed, so a refused form comes back as it was."""

    project: str = ""
    name: str = ""
    type: str = LabelType.CATEGORICAL.value
    description: str = ""
    placeholder: str = ""
    min_length: str = ""
    max_length: str = ""
    min: str = ""
    max: str = ""
    step_size: str = ""
    display_type: str = "slider"
    options: str = ""
    multi_choice: str = ""
    no_of_stars: str = ""

    @classmethod
    def of(cls, label: LabelRead) -> LabelForm:
        """The form of a stored label, for its edit page."""
        settings = label.settings
        return cls(
            project=label.project_id,
            name=label.name,
            type=label.type.value,
            description=label.description,
            placeholder=settings.get("placeholder", ""),
            display_type=settings.get("display_type", "slider"),
            options="\n".join(settings.get("options", [])),
            multi_choice="1" if settings.get("multi_choice") else "",
            **{key: _shown(settings.get(key)) for key in NUMBER_FIELDS},
        )

    def kind(self) -> LabelType:
        return parse_label_type(self.type)

    def settings(self, kind: LabelType) -> dict[str, Any]:
        """The settings of the chosen type only, as the API takes them. Empty number fields
        are left out, so the domain's defaults and its required checks apply."""
        settings: dict[str, Any] = {}
        for key in NUMBER_SETTINGS[kind]:
            raw = getattr(self, key).strip()
            if raw:
                settings[key] = _number(raw, key)
        if kind is LabelType.TEXT:
            settings["placeholder"] = self.placeholder
        elif kind is LabelType.NUMERIC and self.display_type:
            settings["display_type"] = self.display_type
        elif kind is LabelType.CATEGORICAL:
            # One option per line; blank lines (a trailing newline) are not options.
            lines = (line.strip() for line in self.options.splitlines())
            settings["options"] = [line for line in lines if line]
            settings["multi_choice"] = bool(self.multi_choice)
        return settings

    def create(self) -> LabelCreate:
        kind = self.kind()
        return LabelCreate(
            name=self.name, type=kind, description=self.description, settings=self.settings(kind)
        )

    def update(self) -> LabelUpdate:
        kind = self.kind()
        return LabelUpdate(
            name=self.name, type=kind, description=self.description, settings=self.settings(kind)
        )


def _shown(value: Any) -> str:
    # str() of a float is its shortest exact form, so saving an unchanged form changes nothing.
    return "" if value is None else str(value)


def _number(raw: str, key: str) -> int | float:
    """Whole numbers as int (the domain wants ints for lengths and stars), others as float."""
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(
            f"{NUMBER_FIELDS[key]} must be a number, not {raw!r}",
            field=f"settings.{key}",
            expected="a number such as 3 or 0.5",
        )
    return value


def describe(label: LabelRead) -> str:
    """A label's settings in words, for the table."""
    settings = label.settings
    if label.type is LabelType.TEXT:
        words = (
            f"Text of {settings.get('min_length', 0):,} to "
            f"{settings.get('max_length', 0):,} characters"
        )
        placeholder = settings.get("placeholder")
        return f"{words}; placeholder “{bidi_closed(placeholder)}”" if placeholder else words
    if label.type is LabelType.NUMERIC:
        words = f"A number from {number(settings['min'])} to {number(settings['max'])}"
        if settings.get("step_size"):
            words += f" in steps of {number(settings['step_size'])}"
        shown = "buttons" if settings.get("display_type") == "button" else "a slider"
        return f"{words}, shown as {shown}"
    if label.type is LabelType.CATEGORICAL:
        options: list[str] = settings.get("options", [])
        listed = ", ".join(bidi_closed(option) for option in options[:8])
        if len(options) > 8:
            listed += f" and {len(options) - 8} more"
        return ("Any of: " if settings.get("multi_choice") else "One of: ") + listed
    if label.type is LabelType.STAR:
        return f"1 to {settings.get('no_of_stars', 5)} stars"
    return "Thumbs up or thumbs down"


# --- contexts -----------------------------------------------------------------------------


def _form_context(
    form: LabelForm, error: InvalidInput | Conflict | None, conflict_key: str | None
) -> dict[str, Any]:
    """The form, and a refusal as a summary plus a message next to the field it is about."""
    message = _worded(error.message) if error is not None else None
    errors: dict[str, str] = {}
    if isinstance(error, InvalidInput):
        # "settings.options[3]" is the Options field; "settings.min" the Minimum field.
        key = (error.field or "").removeprefix("settings.").split("[", 1)[0]
        if key in FORM_KEYS and message:
            errors[key] = message
    elif message and conflict_key is not None:
        errors[conflict_key] = message
    return {
        "form": form,
        "errors": errors,
        "problem": message,
        "types": [(kind.value, title) for kind, title in TYPE_NAMES.items()],
        "type_names": {kind.value: title for kind, title in TYPE_NAMES.items()},
        "describe": describe,
    }


def _worded(message: str) -> str:
    """The API's message in the form's words: "settings.min" is "Minimum" here."""
    return _SETTING.sub(lambda match: SETTING_WORDS.get(match[1], match[0]), message)


def _chosen(listed: list[ProjectRead], project_id: str) -> ProjectRead:
    # Without a (known) choice, the project with the newest trace, as on the Traces page.
    found = next((project for project in listed if project.id == project_id), None)
    return found or max(listed, key=lambda p: p.last_trace_at or datetime.min.replace(tzinfo=UTC))


def _notice(found: list[LabelRead], params: dict[str, str]) -> str | None:
    """The confirmation of the post that redirected here."""
    messages = {
        "created": "Label '{name}' created.",
        "saved": "Label '{name}' saved (version {version}).",
        "archived": "Label '{name}' archived: it takes no new values and keeps the {count} it has.",
    }
    for event, message in messages.items():
        label = next((item for item in found if item.id == params.get(event)), None)
        if label is not None:
            return message.format(
                name=label.name, version=label.version, count=label.annotation_count
            )
    return None


def _list_context(
    session: Session, user: SignedIn, project_id: str, params: dict[str, str]
) -> dict[str, Any]:
    principal = user.principal
    listed = projects.list_projects(session=session, principal=principal)
    context: dict[str, Any] = {
        "user": user,
        "section": "labels",
        "projects": listed,
        "project": None,
        "labels": [],
        "archived": [],
        "notice": None,
        "can_manage": principal.role in ADMIN_ROLES,
    }
    if not listed:
        return context
    project = _chosen(listed, project_id)
    found = labels.list_labels(
        session=session, principal=principal, project_id=project.id, include_archived=True
    )
    context |= {
        "project": project,
        "labels": [label for label in found if label.archived_at is None],
        "archived": [label for label in found if label.archived_at is not None],
        "notice": _notice(found, params),
    }
    return context


def _list_page(
    request: Request,
    database: DatabaseDep,
    user: SignedIn,
    project_id: str,
    *,
    form: LabelForm | None = None,
    error: InvalidInput | Conflict | None = None,
    params: dict[str, str] | None = None,
) -> Response:
    with database.read() as session:
        context = _list_context(session, user, project_id, params or {})
    # Only names can collide when a label is created.
    context |= _form_context(form or LabelForm(), error, "name")
    return templates.TemplateResponse(request, "labels.html", context, status_code=_status(error))


def _edit_page(
    request: Request,
    database: DatabaseDep,
    user: SignedIn,
    label_id: str,
    *,
    form: LabelForm | None = None,
    error: InvalidInput | Conflict | None = None,
) -> Response:
    with database.read() as session:
        label = labels.get_label(session=session, principal=user.principal, label_id=label_id)
    form = form or LabelForm.of(label)
    context = {"user": user, "section": "labels", "label": label}
    context |= _form_context(form, error, _conflict_key(label, form))
    return templates.TemplateResponse(
        request, "label_edit.html", context, status_code=_status(error)
    )


def _conflict_key(label: LabelRead, form: LabelForm) -> str | None:
    """The field a refused update is about: the type when it was changed (a label with
    values keeps its type), otherwise the name (taken by another label); an archived label
    refuses every change, which no one field is to blame for."""
    if label.archived_at is not None:
        return None
    return "type" if form.type != label.type.value else "name"


def _status(error: InvalidInput | Conflict | None) -> int:
    if error is None:
        return 200
    return 409 if isinstance(error, Conflict) else 422


def _list_url(project_id: str, **event: str) -> str:
    return "/labels?" + urlencode({"project": project_id, **event})


# --- routes -------------------------------------------------------------------------------


@router.get("/labels", response_class=HTMLResponse)
def labels_page(
    request: Request, user: CurrentUser, database: DatabaseDep, project: str = ""
) -> Response:
    params = dict(request.query_params)
    return _list_page(request, database, user, project, params=params)


@router.post("/labels", response_class=HTMLResponse)
def create_label(
    request: Request,
    user: CheckedUser,
    database: DatabaseDep,
    form: Annotated[LabelForm, Form()],
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    try:
        data = form.create()
        with database.write() as session:
            label = labels.create_label(
                session=session, principal=user.principal, project_id=form.project, data=data
            )
    except (InvalidInput, Conflict) as error:
        return _list_page(request, database, user, form.project, form=form, error=error)
    return RedirectResponse(_list_url(label.project_id, created=label.id), status_code=303)


@router.get("/labels/{label_id}", response_class=HTMLResponse)
def edit_label_page(
    request: Request, label_id: str, user: CurrentUser, database: DatabaseDep
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    return _edit_page(request, database, user, label_id)


@router.post("/labels/{label_id}", response_class=HTMLResponse)
def update_label(
    request: Request,
    label_id: str,
    user: CheckedUser,
    database: DatabaseDep,
    form: Annotated[LabelForm, Form()],
) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    try:
        data = form.update()
        with database.write() as session:
            label = labels.update_label(
                session=session, principal=user.principal, label_id=label_id, data=data
            )
    except (InvalidInput, Conflict) as error:
        return _edit_page(request, database, user, label_id, form=form, error=error)
    return RedirectResponse(_list_url(label.project_id, saved=label.id), status_code=303)


@router.post("/labels/{label_id}/archive", response_class=HTMLResponse)
def archive_label(label_id: str, user: CheckedUser, database: DatabaseDep) -> Response:
    require_role(user, *ADMIN_ROLES, action=MANAGE)
    with database.write() as session:
        label = labels.archive_label(session=session, principal=user.principal, label_id=label_id)
    return RedirectResponse(_list_url(label.project_id, archived=label.id), status_code=303)
