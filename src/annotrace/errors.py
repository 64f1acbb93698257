"""Domain errors. They carry meaning and know nothing of HTTP.

    AnnotraceError
    ├── InvalidInput        bad input; names the field and what was expected
    │   ├── PayloadTooLarge a body, batch or value over a configured limit
    │   └── UnsupportedMediaType  a body in a format that is not accepted
    ├── NotFound            no such object, or not visible to the caller
    ├── Conflict            the request contradicts stored state
    ├── Unauthenticated     no credentials, or wrong ones
    ├── PermissionDenied    known caller, operation not allowed for their role
    └── TooManyAttempts     throttled, e.g. repeated failed sign-ins

The web layer's translator (`annotrace.web.errors`) is the only place that maps these
to HTTP statuses.
"""

from __future__ import annotations


class AnnotraceError(Exception):
    """Base of every error annotrace raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(AnnotraceError):
    """Input that cannot be accepted. `field` is a dotted path such as `settings.min`."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, expected: str | None = None):
        super().__init__(message)
        self.field = field
        self.expected = expected


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"


class NotFound(AnnotraceError):
    code = "not_found"


class Conflict(AnnotraceError):
    code = "conflict"


class Unauthenticated(AnnotraceError):
    code = "unauthenticated"


class PermissionDenied(AnnotraceError):
    code = "permission_denied"


class TooManyAttempts(AnnotraceError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
