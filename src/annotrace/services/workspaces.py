"""Workspaces: the unit of isolation. Everything else belongs to exactly one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.ids import new_id
from annotrace.domain.names import validate_name
from annotrace.errors import NotFound
from annotrace.storage.models import Workspace


def get_or_create_workspace(*, session: Session, name: str) -> Workspace:
    name = validate_name(name, field="workspace")
    workspace = session.scalar(select(Workspace).where(Workspace.name == name))
    if workspace is None:
        workspace = Workspace(id=new_id("wsp"), name=name)
        session.add(workspace)
        session.flush()
    return workspace


def get_workspace(*, session: Session, name: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.name == name.strip()))
    if workspace is None:
        raise NotFound(f"workspace {name!r} does not exist")
    return workspace
