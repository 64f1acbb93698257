"""Shapes shared by every part of the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema

T = TypeVar("T")

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _iso_8601(value: object) -> object:
    # Pydantic reads a number, or a string of one, as Unix time: 847 would quietly mean
    # 1970-01-01T00:14:07Z instead of being refused as the mistake it most likely is.
    if isinstance(value, datetime) or (
        isinstance(value, str) and not _NUMBER.fullmatch(value.strip())
    ):
        return value
    raise ValueError("expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z, or a date")


def _in_utc(value: datetime) -> datetime:
    # Storage takes aware UTC times only; a time without an offset (a date too) is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-02:00, past the year 9999 in UTC
        raise ValueError("the time is out of range once in UTC") from None


Timestamp = Annotated[
    datetime,
    BeforeValidator(_iso_8601),
    AfterValidator(_in_utc),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date", "description": "A date: its start, in UTC."},
            ]
        }
    ),
]
"""A moment sent by a client, as ISO 8601 text (never a number); UTC without an offset."""


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` back as `cursor` for the next page."""

    items: list[T] = Field(description="The objects of this page, in the list's order.")
    next_cursor: str | None = Field(
        description="Opaque cursor of the next page; null on the last page."
    )


class ErrorDetail(BaseModel):
    field: str | None = Field(description="Dotted path of the offending field, if any.")
    message: str = Field(description="What is wrong, in words a user can act on.")
    expected: str | None = Field(default=None, description="What the field should be.")


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable kind: invalid_input, not_found, ...")
    message: str = Field(description="What is wrong, in words a user can act on.")
    field: str | None = Field(default=None, description="Dotted path of the offending field.")
    expected: str | None = Field(default=None, description="What the field should be.")
    details: list[ErrorDetail] = Field(
        default_factory=list, description="Every problem found, when there are several."
    )


class ErrorResponse(BaseModel):
    """The body of every error response of the native API."""

    error: ErrorBody
