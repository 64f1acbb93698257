"""Annotation labels: create, list, read, update (with versions) and archive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.ids import is_public_id, new_id
from annotrace.domain.labels import (
    LabelSpec,
    LabelType,
    validate_description,
    validate_label_name,
    validate_settings,
)
from annotrace.errors import Conflict, NotFound
from annotrace.schemas.labels import LabelCreate, LabelRead, LabelUpdate
from annotrace.services.integrity import flush_unique
from annotrace.services.projects import get_project
from annotrace.storage.models import Annotation, Label, LabelVersion, Project
from annotrace.storage.types import utcnow


@dataclass(frozen=True, slots=True)
class LabelRef:
    """A label as the annotation write path needs it."""

    label_rowid: int
    id: str
    project_rowid: int
    project_id: str
    project_name: str
    version: int
    archived: bool
    spec: LabelSpec
    description: str = ""


def create_label(
    *, session: Session, principal: Principal, project_id: str, data: LabelCreate
) -> LabelRead:
    project = get_project(session=session, principal=principal, project_id=project_id)
    name = validate_label_name(data.name)
    settings = validate_settings(data.type, data.settings)
    _check_name_free(session, project.project_rowid, name)
    label = Label(
        id=new_id("lbl"),
        project_rowid=project.project_rowid,
        name=name,
        name_key=name.casefold(),
        description=validate_description(data.description),
        type=data.type.value,
        settings=settings,
        version=1,
    )
    session.add(label)
    session.flush()
    session.add(
        LabelVersion(label_rowid=label.label_rowid, version=1, type=label.type, settings=settings)
    )
    flush_unique(session, f"the project already has a label named {name!r}")
    return _read(label, project, 0)


def _check_name_free(
    session: Session, project_rowid: int, name: str, *, except_rowid: int | None = None
) -> None:
    query = select(Label.id).where(
        Label.project_rowid == project_rowid,
        Label.name_key == name.casefold(),
        Label.archived_at.is_(None),
    )
    if except_rowid is not None:
        query = query.where(Label.label_rowid != except_rowid)
    existing = session.scalar(query)
    if existing is not None:
        raise Conflict(
            f"the project already has a label named {name!r} ({existing}); names are unique "
            "ignoring case"
        )


def list_labels(
    *,
    session: Session,
    principal: Principal,
    project_id: str | None = None,
    include_archived: bool = False,
    oldest_first: bool = False,
) -> list[LabelRead]:
    """The labels of one project, or of every project of the workspace: by project and
    name, or (`oldest_first`) in the order they were created."""
    query = (
        select(Label, Project)
        .join(Project, Project.project_rowid == Label.project_rowid)
        .where(Project.workspace_rowid == principal.workspace_rowid)
    )
    if project_id is not None:
        project = get_project(session=session, principal=principal, project_id=project_id)
        query = query.where(Label.project_rowid == project.project_rowid)
    if not include_archived:
        query = query.where(Label.archived_at.is_(None))
    order = (
        (Label.created_at, Label.label_rowid) if oldest_first else (Project.name, Label.name_key)
    )
    rows = session.execute(query.order_by(*order)).all()
    counts = _annotation_counts(session, [label.label_rowid for label, _ in rows])
    return [_read(label, project, counts.get(label.label_rowid, 0)) for label, project in rows]


def _annotation_counts(session: Session, label_rowids: list[int]) -> dict[int, int]:
    if not label_rowids:
        return {}
    rows = session.execute(
        select(Annotation.label_rowid, func.count().label("annotations"))
        .where(Annotation.label_rowid.in_(label_rowids))
        .group_by(Annotation.label_rowid)
    )
    return {row.label_rowid: row.annotations for row in rows if row.label_rowid is not None}


def _get(session: Session, principal: Principal, label_id: str) -> tuple[Label, Project]:
    if not is_public_id(label_id, "lbl"):
        raise NotFound(f"label {label_id!r} not found")
    row = session.execute(
        select(Label, Project)
        .join(Project, Project.project_rowid == Label.project_rowid)
        .where(Label.id == label_id, Project.workspace_rowid == principal.workspace_rowid)
    ).first()
    if row is None:
        raise NotFound(f"label {label_id!r} not found")
    return row[0], row[1]


def get_label(*, session: Session, principal: Principal, label_id: str) -> LabelRead:
    label, project = _get(session, principal, label_id)
    count = _annotation_counts(session, [label.label_rowid]).get(label.label_rowid, 0)
    return _read(label, project, count)


def update_label(
    *, session: Session, principal: Principal, label_id: str, data: LabelUpdate
) -> LabelRead:
    """Change a label. A new type or new settings make a new version; a new type is
    refused once the label has values, whose meaning it would change."""
    label, project = _get(session, principal, label_id)
    if label.archived_at is not None:
        raise Conflict(f"label {label.name!r} is archived; archived labels cannot change")
    count = _annotation_counts(session, [label.label_rowid]).get(label.label_rowid, 0)
    kind = LabelType(label.type)
    if data.type is not None and data.type is not kind:
        if count:
            raise Conflict(
                f"label {label.name!r} has {count} annotation{'s' if count != 1 else ''}; "
                f"its type cannot change from {kind.value} to {data.type.value}. Create a "
                "new label instead (and archive this one)"
            )
        kind = data.type
    if data.name is not None:
        name = validate_label_name(data.name)
        _check_name_free(session, label.project_rowid, name, except_rowid=label.label_rowid)
        label.name, label.name_key = name, name.casefold()
    if data.description is not None:
        label.description = validate_description(data.description)
    if data.settings is not None or kind.value != label.type:
        raw = (
            data.settings
            if data.settings is not None
            else (label.settings if kind.value == label.type else {})
        )
        settings = validate_settings(kind, raw)
        if kind.value != label.type or settings != label.settings:
            label.version += 1
            label.type, label.settings = kind.value, settings
            session.add(
                LabelVersion(
                    label_rowid=label.label_rowid,
                    version=label.version,
                    type=kind.value,
                    settings=settings,
                )
            )
    label.updated_at = utcnow()
    flush_unique(session, f"the project already has a label named {label.name!r}")
    return _read(label, project, count)


def archive_label(*, session: Session, principal: Principal, label_id: str) -> LabelRead:
    """Archive a label: it leaves lists and takes no new values; its values stay."""
    label, project = _get(session, principal, label_id)
    if label.archived_at is None:
        label.archived_at = label.updated_at = utcnow()
    count = _annotation_counts(session, [label.label_rowid]).get(label.label_rowid, 0)
    return _read(label, project, count)


def label_refs(
    *, session: Session, principal: Principal, label_ids: Iterable[object]
) -> dict[str, LabelRef]:
    """The labels of the workspace with these public ids (unknown ids are left out)."""
    wanted = {
        label_id
        for label_id in label_ids
        if isinstance(label_id, str) and is_public_id(label_id, "lbl")
    }
    if not wanted:
        return {}
    rows = session.execute(
        select(Label, Project.id, Project.name)
        .join(Project, Project.project_rowid == Label.project_rowid)
        .where(Label.id.in_(wanted), Project.workspace_rowid == principal.workspace_rowid)
    )
    return {label.id: ref_of(label, pid, pname) for label, pid, pname in rows}


def labels_by_name(
    *, session: Session, project_rowids: Iterable[int], names: Iterable[str]
) -> dict[tuple[int, str], LabelRef]:
    """Labels in use, keyed by (project rowid, casefolded name)."""
    keys = {name.casefold() for name in names}
    projects = set(project_rowids)
    if not keys or not projects:
        return {}
    rows = session.execute(
        select(Label, Project.id, Project.name)
        .join(Project, Project.project_rowid == Label.project_rowid)
        .where(
            Label.project_rowid.in_(projects),
            Label.name_key.in_(keys),
            Label.archived_at.is_(None),
        )
    )
    return {
        (label.project_rowid, label.name_key): ref_of(label, pid, pname)
        for label, pid, pname in rows
    }


def ref_of(label: Label, project_id: str, project_name: str) -> LabelRef:
    """The LabelRef of a label row."""
    return LabelRef(
        label_rowid=label.label_rowid,
        id=label.id,
        project_rowid=label.project_rowid,
        project_id=project_id,
        project_name=project_name,
        version=label.version,
        archived=label.archived_at is not None,
        spec=LabelSpec(name=label.name, type=LabelType(label.type), settings=label.settings),
        description=label.description,
    )


def _read(label: Label, project: Project, annotation_count: int) -> LabelRead:
    return LabelRead(
        id=label.id,
        project_id=project.id,
        project_name=project.name,
        name=label.name,
        type=LabelType(label.type),
        description=label.description,
        settings=label.settings,
        version=label.version,
        annotation_count=annotation_count,
        created_at=label.created_at,
        updated_at=label.updated_at,
        archived_at=label.archived_at,
    )


def compat_label(label: LabelRead) -> LabelRead:
    """The label as the reference product shows it: options as {"label": ...} objects."""
    if label.type is not LabelType.CATEGORICAL:
        return label
    options = [{"label": option} for option in label.settings["options"]]
    return label.model_copy(update={"settings": {**label.settings, "options": options}})
