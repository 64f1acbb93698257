"""Annotation labels of a project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from annotrace.schemas.labels import LabelCreate, LabelRead, LabelUpdate
from annotrace.services import labels
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["labels"])


@router.post(
    "/projects/{project_id}/labels",
    operation_id="createLabel",
    summary="Create an annotation label in a project",
    status_code=201,
    responses=errors(404, 409, body=True),
)
def create_label(
    project_id: str, data: LabelCreate, principal: PrincipalDep, database: DatabaseDep
) -> LabelRead:
    with database.write() as session:
        return labels.create_label(
            session=session, principal=principal, project_id=project_id, data=data
        )


@router.get(
    "/projects/{project_id}/labels",
    operation_id="listLabels",
    summary="List a project's annotation labels by name",
    responses=errors(404),
)
def list_labels(
    project_id: str,
    principal: PrincipalDep,
    database: DatabaseDep,
    include_archived: Annotated[bool, Query(description="Also list archived labels.")] = False,
) -> list[LabelRead]:
    with database.read() as session:
        return labels.list_labels(
            session=session,
            principal=principal,
            project_id=project_id,
            include_archived=include_archived,
        )


@router.get(
    "/labels/{label_id}",
    operation_id="getLabel",
    summary="Get an annotation label",
    responses=errors(404),
)
def get_label(label_id: str, principal: PrincipalDep, database: DatabaseDep) -> LabelRead:
    with database.read() as session:
        return labels.get_label(session=session, principal=principal, label_id=label_id)


@router.patch(
    "/labels/{label_id}",
    operation_id="updateLabel",
    summary="Change a label; new type or settings make a new version",
    responses=errors(404, 409, body=True),
)
def update_label(
    label_id: str, data: LabelUpdate, principal: PrincipalDep, database: DatabaseDep
) -> LabelRead:
    with database.write() as session:
        return labels.update_label(
            session=session, principal=principal, label_id=label_id, data=data
        )


@router.delete(
    "/labels/{label_id}",
    operation_id="archiveLabel",
    summary="Archive a label: it takes no new values, its values stay",
    responses=errors(404),
)
def archive_label(label_id: str, principal: PrincipalDep, database: DatabaseDep) -> LabelRead:
    with database.write() as session:
        return labels.archive_label(session=session, principal=principal, label_id=label_id)
