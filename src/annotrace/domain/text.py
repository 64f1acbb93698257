"""Text that both databases can store."""

from __future__ import annotations

import re

# JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 text can hold.
_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What in `text` neither database can store, in words for an error message, or None.

    PostgreSQL refuses NUL characters; lone surrogates are not UTF-8, which both store.
    """
    if "\x00" in text:
        return "NUL characters"
    if _SURROGATE.search(text):
        return "lone surrogates (\\ud800 to \\udfff)"
    return None
