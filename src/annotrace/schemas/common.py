"""Shapes shared by every part of the API."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


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
