"""A read session that outlives its handler, for responses streamed from the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from types import TracebackType

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from annotrace.storage.engine import Database


class StreamingRead:
    """`with reader as session:` checks the request (an error closes the session and
    propagates before any byte is sent); `reader.response(chunks)` then streams, closing
    the session when the stream ends or the client goes away."""

    def __init__(self, database: Database) -> None:
        self._stack = ExitStack()
        self.session = self._stack.enter_context(database.read())

    def __enter__(self) -> Session:
        return self.session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.close()

    def close(self) -> None:
        self._stack.close()

    def response(
        self, chunks: Iterator[bytes], *, media_type: str, headers: dict[str, str]
    ) -> StreamingResponse:
        def stream() -> Iterator[bytes]:
            with self._stack:
                yield from chunks

        return StreamingResponse(stream(), media_type=media_type, headers=headers)
