"""What the resources of `annotrace.client` share: reading answers into the server's
models, request bodies from models or plain values, paging, batching and streamed downloads.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from annotrace.client.errors import APIError, ConnectionFailed
from annotrace.client.transport import (
    AsyncTransport,
    Call,
    SyncTransport,
    _params,
    _retry_in,
)

M = TypeVar("M")

# The server's default ANNOTRACE_MAX_BULK_RECORDS: records or scores sent per request
# unless the server says its limit is lower.
DEFAULT_BATCH = 1_000
_LIMIT = re.compile(r"at most ([\d,]+)")


def read(shape: type[M]) -> Callable[[httpx.Response], M]:
    """Read an answer's JSON into `shape` (a model, or a list of one)."""
    adapter: TypeAdapter[M] = TypeAdapter(shape)
    return lambda response: adapter.validate_json(response.content)


def nothing(response: httpx.Response) -> None:
    return None


def to_json(value: Any) -> Any:
    """Models as their JSON (fields left unset left out); everything else as it is."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, Mapping):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def given(**fields: Any) -> dict[str, Any]:
    """The fields that are not None, as JSON."""
    return {key: to_json(value) for key, value in fields.items() if value is not None}


def get(path: str, shape: type[M], **params: Any) -> Call[M]:
    return Call("GET", path, read(shape), params={k: to_json(v) for k, v in params.items()})


def smaller_batch(error: APIError, size: int, field: str) -> int | None:
    """After a 413 for a batch of `size`: the size to try again with, or None.

    A refusal of the item count (`field` "records"/"scores") says the limit ("at most
    1,000 records per request"): use it. A refusal of the body's bytes: halve.
    """
    if error.status_code != 413:
        return None
    if error.field == field:
        found = _LIMIT.search(error.expected or error.message)
        if found is not None:
            limit = int(found.group(1).replace(",", ""))
            return limit if 1 <= limit < size else None
    if error.field == "body" and size > 1:
        return size // 2
    return None


def incomplete(error: APIError, done: int, total: int, noun: str) -> APIError:
    """A batch failed after others were applied: say which ones are stored."""
    if done:
        error.add_note(
            f"the first {done} of {total} {noun} were sent and applied in earlier requests; "
            f"the rest were not"
        )
    return error


def _request(transport: SyncTransport | AsyncTransport, call: Call[Any]) -> httpx.Request:
    return transport.http.build_request(
        call.method, call.path, json=call.json, params=_params(call)
    )


@contextmanager
def streamed(transport: SyncTransport, call: Call[Any]) -> Iterator[httpx.Response]:
    """The answer to `call`, its body not read yet (with the transport's retries);
    a refusal raises APIError, as `send` does."""
    attempt = 0
    while True:
        response, error = None, None
        try:
            response = transport.http.send(_request(transport, call), stream=True)
        except httpx.TransportError as failure:
            error = failure
        wait = _retry_in(transport.settings, attempt, response, error)
        if wait is None:
            break
        if response is not None:
            response.close()
        time.sleep(wait)
        attempt += 1
    if response is None:
        raise ConnectionFailed(f"{error.__class__.__name__}: {error}") from error
    try:
        if response.is_error:
            response.read()
            raise APIError.of(response)
        yield response
    finally:
        response.close()


@asynccontextmanager
async def astreamed(transport: AsyncTransport, call: Call[Any]) -> AsyncIterator[httpx.Response]:
    """`streamed`, for the async client."""
    attempt = 0
    while True:
        response, error = None, None
        try:
            response = await transport.http.send(_request(transport, call), stream=True)
        except httpx.TransportError as failure:
            error = failure
        wait = _retry_in(transport.settings, attempt, response, error)
        if wait is None:
            break
        if response is not None:
            await response.aclose()
        await asyncio.sleep(wait)
        attempt += 1
    if response is None:
        raise ConnectionFailed(f"{error.__class__.__name__}: {error}") from error
    try:
        if response.is_error:
            await response.aread()
            raise APIError.of(response)
        yield response
    finally:
        await response.aclose()


def items_of(values: Any) -> Sequence[Any]:
    """One item (a mapping or a model) or many, as a list."""
    if isinstance(values, Mapping | BaseModel):
        return [values]
    return list(values)
