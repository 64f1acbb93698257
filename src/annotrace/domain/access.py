"""Who is asking, and what their role lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ANNOTATOR = "annotator"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller, bound to exactly one workspace.

    Every service that reads or writes workspace data takes a principal and scopes
    its queries by `workspace_rowid`; ids of other workspaces are simply not found.
    """

    workspace_rowid: int
    workspace_id: str
    workspace_name: str
    role: Role
    api_key_rowid: int | None = None
    user_rowid: int | None = None
    # A signed-in user's email: the annotator id of what they write in the dashboard.
    user_email: str | None = None

    def may_change_work_of(self, annotator_id: str) -> bool:
        """Admins may change anyone's annotations and notes; annotators only their own."""
        if self.role in (Role.OWNER, Role.ADMIN):
            return True
        return self.role is Role.ANNOTATOR and annotator_id == self.user_email
