"""Requests as values, and the two ways of sending them: blocking and async.

A resource method builds a `Call` (method, path, body, and how to read the answer); the
sync and async clients send it the same way, with the same retries: on connection errors,
429 and 5xx, with exponential backoff (or the server's Retry-After), never on other 4xx.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from annotrace import __version__
from annotrace.client.errors import APIError, ConnectionFailed

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:6180"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_BACKOFF = 30.0


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    method: str
    path: str
    read: Callable[[httpx.Response], T]
    json: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the server is and the keys, from the arguments or the environment."""

    base_url: str
    headers: dict[str, str]
    timeout: float
    max_retries: int

    @classmethod
    def of(
        cls,
        base_url: str | None,
        api_key: str | None,
        secret_key: str | None,
        timeout: float,
        max_retries: int,
    ) -> Settings:
        api_key = api_key or os.environ.get("ANNOTRACE_API_KEY")
        secret_key = secret_key or os.environ.get("ANNOTRACE_SECRET_KEY")
        if not api_key or not secret_key:
            raise ValueError(
                "give api_key and secret_key, or set ANNOTRACE_API_KEY and ANNOTRACE_SECRET_KEY"
            )
        url = base_url or os.environ.get("ANNOTRACE_BASE_URL") or DEFAULT_BASE_URL
        return cls(
            base_url=url.rstrip("/"),
            headers={
                "X-Api-Key": api_key,
                "X-Secret-Key": secret_key,
                "User-Agent": f"annotrace-python/{__version__}",
            },
            timeout=timeout,
            max_retries=max_retries,
        )


def _params(call: Call[Any]) -> dict[str, Any]:
    return {key: value for key, value in call.params.items() if value is not None}


def _delay(attempt: int, response: httpx.Response | None) -> float:
    if response is not None:
        after = response.headers.get("Retry-After", "")
        if after.isdigit():
            return min(float(after), _MAX_BACKOFF)
    # Full jitter: clients retrying together do not come back together.
    return random.uniform(0, min(_MAX_BACKOFF, 0.25 * 2**attempt))  # noqa: S311


def _outcome(call: Call[T], response: httpx.Response | None, error: Exception | None) -> T:
    if error is not None or response is None:
        raise ConnectionFailed(f"{error.__class__.__name__}: {error}") from error
    if response.is_error:
        raise APIError.of(response)
    return call.read(response)


def _retry_in(
    settings: Settings, attempt: int, response: httpx.Response | None, error: Exception | None
) -> float | None:
    """Seconds to wait before trying again, or None: this attempt is the answer."""
    if attempt >= settings.max_retries:
        return None
    if error is not None:
        return _delay(attempt, None)
    if response is not None and response.status_code in _RETRY_STATUSES:
        return _delay(attempt, response)
    return None


class SyncTransport:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.base_url,
            headers=settings.headers,
            timeout=settings.timeout,
            transport=transport,
        )

    def send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            response, error = None, None
            try:
                response = self.http.request(
                    call.method, call.path, json=call.json, params=_params(call)
                )
            except httpx.TransportError as failure:
                error = failure
            wait = _retry_in(self.settings, attempt, response, error)
            if wait is None:
                return _outcome(call, response, error)
            time.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(
            base_url=settings.base_url,
            headers=settings.headers,
            timeout=settings.timeout,
            transport=transport,
        )

    async def send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            response, error = None, None
            try:
                response = await self.http.request(
                    call.method, call.path, json=call.json, params=_params(call)
                )
            except httpx.TransportError as failure:
                error = failure
            wait = _retry_in(self.settings, attempt, response, error)
            if wait is None:
                return _outcome(call, response, error)
            await asyncio.sleep(wait)
            attempt += 1

    async def close(self) -> None:
        await self.http.aclose()
