"""Projects of the caller's workspace."""

from __future__ import annotations

from fastapi import APIRouter

from annotrace.schemas.projects import ProjectRead
from annotrace.services import projects
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["projects"])


@router.get(
    "/projects",
    operation_id="listProjects",
    summary="List the workspace's projects with their trace and span counts",
    responses=errors(invalid=False),
)
def list_projects(principal: PrincipalDep, database: DatabaseDep) -> list[ProjectRead]:
    with database.read() as session:
        return projects.list_projects(session=session, principal=principal)
