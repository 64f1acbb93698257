"""Names people give things: workspaces, projects."""

from __future__ import annotations

from annotrace.domain.text import unstorable
from annotrace.errors import InvalidInput

MAX_NAME_LENGTH = 200


def validate_name(name: str, *, field: str) -> str:
    """A stripped, non-empty name of at most 200 characters that both databases can store."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput(f"{field} must not be empty", field=field, expected="a non-empty name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"{field} is {len(cleaned)} characters long; the limit is {MAX_NAME_LENGTH}",
            field=field,
            expected=f"at most {MAX_NAME_LENGTH} characters",
        )
    problem = unstorable(cleaned)
    if problem:
        raise InvalidInput(
            f"{field} must not contain {problem}", field=field, expected="a name without them"
        )
    return cleaned
