"""Public identifiers of annotrace's own objects.

Database keys (`*_rowid`) never leave the server; clients see random, prefixed ids
(`prj_…`, `key_…`) that reveal nothing about how many objects exist.
"""

from __future__ import annotations

import re
import secrets

ID_LENGTH = 32
_RANDOM_PART = re.compile(r"[0-9a-f]{20}")


def new_id(prefix: str) -> str:
    """A new random public id such as `prj_3f9a0c…` (80 random bits)."""
    return f"{prefix}_{secrets.token_hex(10)}"


def is_public_id(value: str, prefix: str) -> bool:
    """Whether `value` could be an id made by `new_id(prefix)`; lets malformed ids be
    answered without a query (and keeps bytes such as NUL away from the database)."""
    head, _, tail = value.partition("_")
    return head == prefix and _RANDOM_PART.fullmatch(tail) is not None
