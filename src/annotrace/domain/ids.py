"""Public identifiers of annotrace's own objects.

Database keys (`*_rowid`) never leave the server; clients see random, prefixed ids
(`prj_…`, `key_…`) that reveal nothing about how many objects exist.
"""

from __future__ import annotations

import secrets

ID_LENGTH = 32


def new_id(prefix: str) -> str:
    """A new random public id such as `prj_3f9a0c…` (80 random bits)."""
    return f"{prefix}_{secrets.token_hex(10)}"
