"""Saved datasets: named, versioned exports kept for download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from annotrace.domain.access import Principal
from annotrace.exports.formats import MEDIA_TYPES, media_type_of
from annotrace.schemas.datasets import DatasetRead, DatasetSave, DatasetVersionRead
from annotrace.services import datasets
from annotrace.storage.engine import Database
from annotrace.web.api.responses import BINARY, errors
from annotrace.web.api.streaming import StreamingRead
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["datasets"])

# Bounded by what the database holds (a 32-bit INTEGER on PostgreSQL): SQLite cannot even
# bind a larger number, and the error must name the parameter.
VersionPath = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="Version number: 1 for the first save, then 2, …")
]


@router.post(
    "/datasets",
    operation_id="saveDataset",
    summary="Export a filter's spans and keep the file as the next version of a dataset",
    status_code=201,
    responses=errors(403, 404, 409, body=True),
)
def save_dataset(
    data: DatasetSave, principal: PrincipalDep, database: DatabaseDep
) -> DatasetVersionRead:
    return datasets.save_dataset(database=database, principal=principal, data=data)


@router.get(
    "/datasets",
    operation_id="listDatasets",
    summary="List saved datasets with their versions",
    responses=errors(404),
)
def list_datasets(
    principal: PrincipalDep,
    database: DatabaseDep,
    project_id: Annotated[str | None, Query(description="Only this project's.")] = None,
) -> list[DatasetRead]:
    with database.read() as session:
        return datasets.list_datasets(session=session, principal=principal, project_id=project_id)


@router.get(
    "/datasets/{dataset_id}",
    operation_id="getDataset",
    summary="A saved dataset and its versions",
    responses=errors(404),
)
def get_dataset(dataset_id: str, principal: PrincipalDep, database: DatabaseDep) -> DatasetRead:
    with database.read() as session:
        return datasets.get_dataset(session=session, principal=principal, dataset_id=dataset_id)


@router.get(
    "/datasets/{dataset_id}/versions/{version}",
    operation_id="getDatasetVersion",
    summary="One version of a dataset: its filter, counts, author and checksum",
    responses=errors(404),
)
def get_dataset_version(
    dataset_id: str, version: VersionPath, principal: PrincipalDep, database: DatabaseDep
) -> DatasetVersionRead:
    with database.read() as session:
        return datasets.get_version(
            session=session, principal=principal, dataset_id=dataset_id, version=version
        )


@router.get(
    "/datasets/{dataset_id}/versions/{version}/file",
    operation_id="downloadDatasetVersion",
    summary="Download the file of a dataset version, as it was saved",
    response_class=StreamingResponse,
    responses={
        **errors(404),
        200: {
            "description": "The file, byte for byte as saved (see `sha256`).",
            "content": {media_type: {"schema": BINARY} for media_type in MEDIA_TYPES},
            "headers": {
                "Content-Disposition": {
                    "description": "attachment, with the file's name.",
                    "schema": {"type": "string"},
                    "required": True,
                },
                "ETag": {
                    "description": "The file's SHA-256, quoted.",
                    "schema": {"type": "string"},
                    "required": True,
                },
            },
        },
    },
)
def download_dataset_version(
    dataset_id: str, version: VersionPath, principal: PrincipalDep, database: DatabaseDep
) -> StreamingResponse:
    return saved_file(database, principal, dataset_id, version)


def saved_file(
    database: Database, principal: Principal, dataset_id: str, version: int
) -> StreamingResponse:
    """A dataset version's file, streamed as saved (the API's and the dashboard's)."""
    reader = StreamingRead(database)
    with reader as session:
        saved, filename, chunks = datasets.version_file(
            session=session, principal=principal, dataset_id=dataset_id, version=version
        )
    return reader.response(
        chunks,
        media_type=media_type_of(saved.format),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(saved.byte_size),
            "ETag": f'"{saved.sha256}"',
        },
    )


@router.delete(
    "/datasets/{dataset_id}",
    operation_id="deleteDataset",
    summary="Delete a dataset and every version of it",
    status_code=204,
    responses=errors(403, 404),
)
def delete_dataset(dataset_id: str, principal: PrincipalDep, database: DatabaseDep) -> None:
    with database.write() as session:
        datasets.delete_dataset(session=session, principal=principal, dataset_id=dataset_id)
