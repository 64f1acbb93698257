"""Projects: created on first use by ingest, listed with their counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.ids import is_public_id, new_id
from annotrace.domain.names import validate_name
from annotrace.errors import NotFound
from annotrace.schemas.projects import ProjectRead
from annotrace.storage.models import Project, Trace, Workspace
from annotrace.storage.upsert import insert_on_conflict


def ensure_projects(
    *, session: Session, workspace_rowid: int, names: Iterable[str]
) -> dict[str, int]:
    """The rowid of each named project of the workspace, creating the missing ones."""
    wanted = {validate_name(name, field="project") for name in names}
    found = _project_rowids(session, workspace_rowid, wanted)
    missing = wanted - found.keys()
    if missing:
        # ON CONFLICT: another request may create the same project at the same moment.
        insert_on_conflict(
            session,
            Project.__table__,  # type: ignore[arg-type]
            [
                {"id": new_id("prj"), "workspace_rowid": workspace_rowid, "name": name}
                for name in sorted(missing)
            ],
            unique_by=("workspace_rowid", "name"),
        )
        found |= _project_rowids(session, workspace_rowid, missing)
    return found


def _project_rowids(session: Session, workspace_rowid: int, names: set[str]) -> dict[str, int]:
    rows = session.execute(
        select(Project.name, Project.project_rowid).where(
            Project.workspace_rowid == workspace_rowid, Project.name.in_(names)
        )
    )
    return {row.name: row.project_rowid for row in rows}


def get_project(*, session: Session, principal: Principal, project_id: str) -> Project:
    """The project with this public id in the caller's workspace, or NotFound."""
    if not is_public_id(project_id, "prj"):
        raise NotFound(f"project {project_id!r} not found")
    project = session.scalar(
        select(Project).where(
            Project.id == project_id, Project.workspace_rowid == principal.workspace_rowid
        )
    )
    if project is None:
        raise NotFound(f"project {project_id!r} not found")
    return project


def list_projects(*, session: Session, principal: Principal) -> list[ProjectRead]:
    """The workspace's projects by name, each with its trace and span counts."""
    workspace_projects = select(Project.project_rowid).where(
        Project.workspace_rowid == principal.workspace_rowid
    )
    counts = (
        select(
            Trace.project_rowid,
            func.count().label("trace_count"),
            func.sum(Trace.span_count).label("span_count"),
            func.max(Trace.start_time).label("last_trace_at"),
        )
        .where(Trace.project_rowid.in_(workspace_projects))
        .group_by(Trace.project_rowid)
        .subquery()
    )
    rows = session.execute(
        select(Project, counts.c.trace_count, counts.c.span_count, counts.c.last_trace_at)
        .outerjoin(counts, counts.c.project_rowid == Project.project_rowid)
        .where(Project.workspace_rowid == principal.workspace_rowid)
        .order_by(Project.name)
    )
    return [
        ProjectRead(
            id=project.id,
            name=project.name,
            trace_count=trace_count or 0,
            span_count=span_count or 0,
            created_at=project.created_at,
            last_trace_at=last_trace_at,
        )
        for project, trace_count, span_count, last_trace_at in rows
    ]


def workspaces_with_project(*, session: Session, project: str) -> list[str]:
    """Names of the workspaces holding a project of this name or public id: the CLI works
    on the whole database and may be told a project without its workspace."""
    rows = session.scalars(
        select(Workspace.name)
        .join(Project, Project.workspace_rowid == Workspace.workspace_rowid)
        .where((Project.name == project.strip()) | (Project.id == project.strip()))
        .order_by(Workspace.name)
    )
    return list(rows)
