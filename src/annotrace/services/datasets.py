"""Saved datasets: named, versioned exports whose files are kept, so a golden set can be
downloaded again byte for byte, whatever changed in the project since."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.domain.ids import is_public_id, new_id
from annotrace.domain.names import validate_name
from annotrace.errors import NotFound, PermissionDenied
from annotrace.exports.formats import extension_of, file_name
from annotrace.schemas.datasets import DatasetRead, DatasetSave, DatasetVersionRead
from annotrace.schemas.exports import ExportSummary
from annotrace.schemas.filters import SpanFilter
from annotrace.services.exports import SpanExport
from annotrace.services.integrity import flush_unique
from annotrace.services.projects import get_project
from annotrace.storage.engine import Database
from annotrace.storage.models import ApiKey, Dataset, DatasetChunk, DatasetVersion, Project

CHUNK_SIZE = 1 << 20
# Files up to this size are built in memory; larger ones spill to a temporary file.
_SPOOL_SIZE = 16 << 20
_SAVE_ROLES = (Role.OWNER, Role.ADMIN, Role.ANNOTATOR)


def save_dataset(
    *, database: Database, principal: Principal, data: DatasetSave
) -> DatasetVersionRead:
    """Export `data`'s filter and keep the file as the next version of the dataset.

    Two units of work, which is why this takes the database rather than a session: the
    spans are read (and the file built) in a read transaction, so a long export never
    holds SQLite's write lock; the version is then written in one short transaction.
    """
    if principal.role not in _SAVE_ROLES:
        raise PermissionDenied("viewers may not save datasets")
    name = validate_name(data.name, field="name")
    with (
        database.read() as session,
        tempfile.SpooledTemporaryFile(max_size=_SPOOL_SIZE) as spool,
    ):
        export = SpanExport(session=session, principal=principal, request=data)
        digest = hashlib.sha256()
        for chunk in export.chunks():
            digest.update(chunk)
            spool.write(chunk)
        summary = export.summary()
        with database.write() as write_session:
            return _store(
                session=write_session,
                principal=principal,
                data=data,
                name=name,
                summary=summary,
                sha256=digest.hexdigest(),
                spool=spool,
            )


def _store(
    *,
    session: Session,
    principal: Principal,
    data: DatasetSave,
    name: str,
    summary: ExportSummary,
    sha256: str,
    spool: IO[bytes],
) -> DatasetVersionRead:
    project = get_project(session=session, principal=principal, project_id=data.filter.project_id)
    dataset = session.scalar(
        select(Dataset).where(
            Dataset.project_rowid == project.project_rowid, Dataset.name_key == name.casefold()
        )
    )
    if dataset is None:
        dataset = Dataset(
            id=new_id("ds"),
            project_rowid=project.project_rowid,
            name=name,
            name_key=name.casefold(),
            description=data.description or "",
        )
        session.add(dataset)
        flush_unique(session, f"dataset {name!r} was created at the same moment; retry")
    latest = session.scalar(
        select(func.max(DatasetVersion.version)).where(
            DatasetVersion.dataset_rowid == dataset.dataset_rowid
        )
    )
    version = DatasetVersion(
        id=new_id("dsv"),
        dataset_rowid=dataset.dataset_rowid,
        version=(latest or 0) + 1,
        filter=data.filter.model_dump(mode="json", exclude_none=True),
        format=data.format,
        preference_label=data.preference_label,
        span_count=summary.spans,
        record_count=summary.records,
        skipped=summary.skipped,
        byte_size=spool.tell(),
        sha256=sha256,
        created_by=_author(session, principal),
        user_rowid=principal.user_rowid,
    )
    session.add(version)
    flush_unique(session, f"dataset {name!r} got a new version at the same moment; retry")
    spool.seek(0)
    seq = 0
    while chunk := spool.read(CHUNK_SIZE):
        # One row at a time: memory holds one chunk, never the file.
        session.add(
            DatasetChunk(dataset_version_rowid=version.dataset_version_rowid, seq=seq, data=chunk)
        )
        session.flush()
        seq += 1
    return _version_read(version, dataset, project)


def list_datasets(
    *, session: Session, principal: Principal, project_id: str | None = None
) -> list[DatasetRead]:
    """The workspace's datasets (or one project's), newest first, with their versions."""
    query = (
        select(Dataset, Project)
        .join(Project, Project.project_rowid == Dataset.project_rowid)
        .where(Project.workspace_rowid == principal.workspace_rowid)
    )
    if project_id is not None:
        project = get_project(session=session, principal=principal, project_id=project_id)
        query = query.where(Dataset.project_rowid == project.project_rowid)
    found = session.execute(query.order_by(Dataset.created_at.desc(), Dataset.dataset_rowid))
    datasets = [(dataset, project) for dataset, project in found]
    versions: dict[int, list[DatasetVersion]] = {}
    for version in session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_rowid.in_([dataset.dataset_rowid for dataset, _ in datasets]))
        .order_by(DatasetVersion.version.desc())
    ):
        versions.setdefault(version.dataset_rowid, []).append(version)
    return [
        _dataset_read(dataset, project, versions.get(dataset.dataset_rowid, []))
        for dataset, project in datasets
    ]


def get_dataset(*, session: Session, principal: Principal, dataset_id: str) -> DatasetRead:
    dataset, project = _get(session, principal, dataset_id)
    versions = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_rowid == dataset.dataset_rowid)
        .order_by(DatasetVersion.version.desc())
    )
    return _dataset_read(dataset, project, list(versions))


def get_version(
    *, session: Session, principal: Principal, dataset_id: str, version: int
) -> DatasetVersionRead:
    dataset, project = _get(session, principal, dataset_id)
    return _version_read(_version(session, dataset, version), dataset, project)


def version_file(
    *, session: Session, principal: Principal, dataset_id: str, version: int
) -> tuple[DatasetVersionRead, str, Iterator[bytes]]:
    """A saved file: its version, a download name and its bytes, chunk by chunk."""
    dataset, project = _get(session, principal, dataset_id)
    stored = _version(session, dataset, version)
    rowid = stored.dataset_version_rowid

    def chunks() -> Iterator[bytes]:
        rows = session.execute(
            select(DatasetChunk.data)
            .where(DatasetChunk.dataset_version_rowid == rowid)
            .order_by(DatasetChunk.seq)
            .execution_options(yield_per=1)
        )
        for (data,) in rows:
            yield bytes(data)

    extension = extension_of(stored.format)  # type: ignore[arg-type]
    filename = file_name(f"{dataset.name}-v{version}", extension)
    return _version_read(stored, dataset, project), filename, chunks()


def delete_dataset(*, session: Session, principal: Principal, dataset_id: str) -> None:
    if principal.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied("only admins may delete datasets")
    dataset, _ = _get(session, principal, dataset_id)
    session.delete(dataset)


def _get(session: Session, principal: Principal, dataset_id: str) -> tuple[Dataset, Project]:
    found = None
    if is_public_id(dataset_id, "ds"):
        found = session.execute(
            select(Dataset, Project)
            .join(Project, Project.project_rowid == Dataset.project_rowid)
            .where(Dataset.id == dataset_id, Project.workspace_rowid == principal.workspace_rowid)
        ).first()
    if found is None:
        raise NotFound(f"dataset {dataset_id!r} not found")
    dataset, project = found
    return dataset, project


def _version(session: Session, dataset: Dataset, version: int) -> DatasetVersion:
    stored = session.scalar(
        select(DatasetVersion).where(
            DatasetVersion.dataset_rowid == dataset.dataset_rowid,
            DatasetVersion.version == version,
        )
    )
    if stored is None:
        raise NotFound(f"dataset {dataset.name!r} has no version {version}")
    return stored


def _author(session: Session, principal: Principal) -> str:
    if principal.user_email:
        return principal.user_email
    api_key = session.scalar(
        select(ApiKey.api_key).where(ApiKey.api_key_rowid == principal.api_key_rowid)
    )
    return f"key {api_key}" if api_key else "annotrace"


def _dataset_read(
    dataset: Dataset, project: Project, versions: list[DatasetVersion]
) -> DatasetRead:
    return DatasetRead(
        id=dataset.id,
        project_id=project.id,
        name=dataset.name,
        description=dataset.description,
        created_at=dataset.created_at,
        versions=[_version_read(version, dataset, project) for version in versions],
    )


def _version_read(
    version: DatasetVersion, dataset: Dataset, project: Project
) -> DatasetVersionRead:
    return DatasetVersionRead(
        id=version.id,
        dataset_id=dataset.id,
        name=dataset.name,
        project_id=project.id,
        version=version.version,
        format=version.format,
        filter=SpanFilter.model_validate(version.filter),
        preference_label=version.preference_label,
        span_count=version.span_count,
        record_count=version.record_count,
        skipped=version.skipped,
        byte_size=version.byte_size,
        sha256=version.sha256,
        created_by=version.created_by,
        created_at=version.created_at,
        download_url=f"/api/v1/datasets/{dataset.id}/versions/{version.version}/file",
    )
