"""The Python client of annotrace's API: `Client` (blocking) and `AsyncClient`.

    from annotrace import Client

    with Client("http://127.0.0.1:6180", api_key="…", secret_key="…") as client:
        project = client.projects.list()[0]
        for span in client.spans.search({"project_id": project.id}):
            client.annotations.create(span.span_id, "Quality", label="good",
                                      annotator_id="ana@example.com")

Resources: projects, traces, labels, annotations (with notes, corrections and bulk),
scores, spans (search, to_pandas), datasets (exports and saved datasets), queues.

Left out, the URL and keys come from ANNOTRACE_BASE_URL, ANNOTRACE_API_KEY and
ANNOTRACE_SECRET_KEY. Answers are the server's own models (`annotrace.schemas`); a refusal
raises APIError with the server's status and message; connection errors, 429 and 5xx are
retried with backoff (other 4xx never are).
"""

from __future__ import annotations

from types import TracebackType

import httpx

from annotrace.client.annotations import Annotations, AsyncAnnotations
from annotrace.client.datasets import AsyncDatasets, Datasets, Written
from annotrace.client.errors import APIError, ClientError, ConnectionFailed
from annotrace.client.labels import AsyncLabels, Labels
from annotrace.client.projects import AsyncProjects, Projects
from annotrace.client.queues import AsyncQueues, Queues
from annotrace.client.scores import AsyncScores, Scores
from annotrace.client.spans import AsyncSpans, Spans
from annotrace.client.traces import AsyncTraces, Traces
from annotrace.client.transport import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    AsyncTransport,
    Settings,
    SyncTransport,
)

__all__ = ["APIError", "AsyncClient", "Client", "ClientError", "ConnectionFailed", "Written"]


class Client:
    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        secret_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRIES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = Settings.of(base_url, api_key, secret_key, timeout, max_retries)
        self._transport = SyncTransport(settings, transport)
        self.projects = Projects(self._transport)
        self.traces = Traces(self._transport)
        self.labels = Labels(self._transport)
        self.annotations = Annotations(self._transport)
        self.scores = Scores(self._transport)
        self.spans = Spans(self._transport)
        self.datasets = Datasets(self._transport)
        self.queues = Queues(self._transport)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient:
    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        secret_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        settings = Settings.of(base_url, api_key, secret_key, timeout, max_retries)
        self._transport = AsyncTransport(settings, transport)
        self.projects = AsyncProjects(self._transport)
        self.traces = AsyncTraces(self._transport)
        self.labels = AsyncLabels(self._transport)
        self.annotations = AsyncAnnotations(self._transport)
        self.scores = AsyncScores(self._transport)
        self.spans = AsyncSpans(self._transport)
        self.datasets = AsyncDatasets(self._transport)
        self.queues = AsyncQueues(self._transport)

    async def aclose(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()
