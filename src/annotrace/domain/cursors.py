"""Opaque pagination cursors: the sort key of the last item of a page."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from annotrace.errors import InvalidInput


def encode_cursor(time: datetime, tiebreak: str) -> str:
    raw = json.dumps([time.isoformat(), tiebreak], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "cursor") -> tuple[datetime, str]:
    """The (time, tiebreak) pair of a cursor made by `encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        time_text, tiebreak = json.loads(raw)
        time = datetime.fromisoformat(time_text)
        if time.tzinfo is None or not isinstance(tiebreak, str):
            raise ValueError(cursor)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not a cursor this API returned",
            field=field,
            expected="the next_cursor of a previous page",
        ) from None
    return time, tiebreak
