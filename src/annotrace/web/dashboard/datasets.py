"""The Datasets page, and the dashboard's export downloads.

The Traces page's filter travels here as its own URL parameters (`read_bar`'s), so
"Export" and "Save as dataset" take exactly the spans the page selects. Downloads are
plain GET links (they change nothing); saving is a POST form with the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from annotrace.domain.export_formats import FORMATS
from annotrace.errors import InvalidInput
from annotrace.schemas.datasets import DatasetSave
from annotrace.schemas.exports import ExportRequest
from annotrace.schemas.filters import SpanFilter
from annotrace.services import datasets, projects
from annotrace.services.exports import SpanExport
from annotrace.services.sessions import SignedIn
from annotrace.web.api.datasets import VersionPath, saved_file
from annotrace.web.api.streaming import StreamingRead
from annotrace.web.dashboard.filter_bar import span_filter
from annotrace.web.dashboard.session import ANNOTATE_ROLES, CheckedUser, CurrentUser, require_role
from annotrace.web.dashboard.templating import templates
from annotrace.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)

# The form's own fields; every other parameter belongs to the filter.
_OWN = {"project", "format", "preference_label", "name", "description", "csrf_token", "saved"}
_FORMAT_NAMES = {
    "jsonl": "JSONL (one span a line)",
    "csv": "CSV (a column per label)",
    "parquet": "Parquet",
    "openai-chat": "OpenAI chat fine-tuning (JSONL)",
    "preference-pairs": "Preference pairs for RLHF / DPO (JSONL)",
}


def _filter_items(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, value) for key, value in items if key not in _OWN]


def _format(raw: str) -> str:
    if raw not in FORMATS:
        raise InvalidInput(
            f"format {raw!r} is not one of {', '.join(FORMATS)}",
            field="format",
            expected=", ".join(FORMATS),
        )
    return raw


@router.get("/export")
def export_download(request: Request, user: CurrentUser, database: DatabaseDep) -> Response:
    """The spans the Traces page selects, as a file, now."""
    params = request.query_params
    reader = StreamingRead(database)
    with reader as session:
        project_id = _project_id(session, user, params.get("project", ""))
        export = SpanExport(
            session=session,
            principal=user.principal,
            request=ExportRequest(
                filter=span_filter(_filter_items(params.multi_items()), project_id=project_id),
                format=_format(params.get("format", "jsonl")),
                preference_label=params.get("preference_label") or None,
            ),
        )
    return reader.response(
        export.chunks(),
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(request: Request, user: CurrentUser, database: DatabaseDep) -> Response:
    params = request.query_params
    with database.read() as session:
        context = _context(
            session,
            user,
            project=params.get("project", ""),
            filter_items=_filter_items(params.multi_items()),
            saved=params.get("saved", ""),
        )
    return templates.TemplateResponse(request, "datasets.html", context)


@router.post("/datasets", response_class=HTMLResponse)
async def save_dataset(request: Request, user: CheckedUser, database: DatabaseDep) -> Response:
    form = await request.form()
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    items = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    try:
        require_role(user, *ANNOTATE_ROLES, action="save datasets")
        with database.read() as session:
            project_id = _project_id(session, user, fields.get("project", ""))
        data = DatasetSave(
            name=fields.get("name", ""),
            description=fields.get("description") or None,
            filter=span_filter(_filter_items(items), project_id=project_id),
            format=_format(fields.get("format", "jsonl")),
            preference_label=fields.get("preference_label") or None,
        )
        version = datasets.save_dataset(database=database, principal=user.principal, data=data)
    except InvalidInput as error:
        with database.read() as session:
            context = _context(
                session,
                user,
                project=fields.get("project", ""),
                filter_items=_filter_items(items),
                values=fields,
                error=error,
            )
        return templates.TemplateResponse(request, "datasets.html", context, status_code=422)
    # Back to the page with the same filter, so the next export or save starts from it.
    query = urlencode(
        [("project", version.project_id), ("saved", version.id), *_filter_items(items)]
    )
    return RedirectResponse(f"/datasets?{query}", status_code=303)


@router.get("/datasets/{dataset_id}/versions/{version}/file")
def download_version(
    dataset_id: str, version: VersionPath, user: CurrentUser, database: DatabaseDep
) -> Response:
    return saved_file(database, user.principal, dataset_id, version)


def _project_id(session: Session, user: SignedIn, raw: str) -> str:
    if raw:
        return projects.get_project(session=session, principal=user.principal, project_id=raw).id
    found = projects.list_projects(session=session, principal=user.principal)
    if not found:
        raise InvalidInput("the workspace has no project yet", field="project")
    return found[0].id


def _context(
    session: Session,
    user: SignedIn,
    *,
    project: str,
    filter_items: list[tuple[str, str]],
    saved: str = "",
    values: dict[str, str] | None = None,
    error: InvalidInput | None = None,
) -> dict[str, Any]:
    all_projects = projects.list_projects(session=session, principal=user.principal)
    current = next((p for p in all_projects if p.id == project), None) or (
        all_projects[0] if all_projects else None
    )
    listed = (
        datasets.list_datasets(session=session, principal=user.principal, project_id=current.id)
        if current
        else []
    )
    preview: SpanFilter | None = None
    filter_error = None
    if current is not None:
        try:
            preview = span_filter(filter_items, project_id=current.id)
        except InvalidInput as problem:
            filter_error = problem.message
    saved_version = next(
        (v for dataset in listed for v in dataset.versions if saved and v.id == saved), None
    )
    return {
        "user": user,
        "section": "datasets",
        "projects": all_projects,
        "project": current,
        "datasets": listed,
        "filter_items": filter_items,
        "filter_json": preview.model_dump(mode="json", exclude_none=True) if preview else None,
        "filter_error": filter_error,
        "traces_link": "/traces?"
        + urlencode([("project", current.id if current else ""), *filter_items]),
        "formats": _FORMAT_NAMES,
        "values": values or {},
        "error": error,
        "saved": saved_version,
        "may_save": user.principal.role in ANNOTATE_ROLES,
    }
