"""Throttling of credential guessing per client address: failed key checks and sign-ins.

Once an address has had `limit` failures within `window`, every credential check from
it is refused, right or wrong, until the oldest of those failures is older than the
window: answering a right guess while refusing wrong ones would not slow guessing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from annotrace.errors import TooManyAttempts
from annotrace.storage.models import AuthFailure
from annotrace.storage.types import utcnow

MAX_ADDRESS_LENGTH = 64


def check_address(
    *,
    session: Session,
    address: str,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> None:
    """Raise TooManyAttempts when `address` has used up its failures for the window."""
    now = now or utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(AuthFailure.created_at)).where(
            AuthFailure.client_address == address[:MAX_ADDRESS_LENGTH],
            AuthFailure.created_at > now - window,
        )
    ).one()
    if count < limit:
        return
    wait = int((oldest + window - now).total_seconds()) + 1
    raise TooManyAttempts(
        f"too many failed credential checks from this address; try again in {wait} s",
        retry_after=wait,
    )


def record_failure(
    *, session: Session, address: str, window: timedelta, now: datetime | None = None
) -> None:
    """Count one failure of `address`; failures older than the window are swept here
    rather than by a background job."""
    now = now or utcnow()
    session.execute(delete(AuthFailure).where(AuthFailure.created_at <= now - window))
    session.add(AuthFailure(client_address=address[:MAX_ADDRESS_LENGTH], created_at=now))
