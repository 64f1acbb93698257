"""Uniqueness races between concurrent requests, turned into the domain's Conflict."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from annotrace.errors import Conflict


def flush_unique(session: Session, conflict: str) -> None:
    """Flush pending rows; a unique index refusing them (another request took the name a
    moment earlier, after our check) becomes Conflict(conflict) instead of a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(conflict) from None
