"""`client.datasets`: exports of the spans a filter selects (to a file, or as a stream of
bytes; a dry run says what the file would hold), and saved datasets: named, versioned
exports kept on the server.

span_filter = {"project_id": project_id, "where": {"type": "annotation", "label": "Quality"}}
client.datasets.dry_run(span_filter, format="csv")          # ExportSummary
client.datasets.export(span_filter, "quality.csv", format="csv")
for chunk in client.datasets.stream(span_filter):            # jsonl bytes, as they come
    ...
saved = client.datasets.save(span_filter, "quality-v1", format="parquet")
client.datasets.download(saved.dataset_id, saved.version, "quality.parquet")
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from annotrace.client.common import astreamed, get, given, nothing, read, streamed
from annotrace.client.errors import ClientError
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.domain.export_formats import ExportFormat
from annotrace.schemas.datasets import DatasetRead, DatasetVersionRead
from annotrace.schemas.exports import ExportSummary
from annotrace.schemas.filters import SpanFilter

Filter = SpanFilter | Mapping[str, Any]
# A file path, or a binary file object open for writing.
Target = str | os.PathLike[str] | IO[bytes]
DatasetReads = list[DatasetRead]
SPAN_COUNT_HEADER = "X-Annotrace-Span-Count"
_FILENAME = re.compile(r'filename="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Written:
    """A file the client wrote: where, its name on the server, bytes, and what it holds."""

    path: Path | None  # None when written to a file object
    filename: str
    byte_size: int
    sha256: str
    media_type: str
    span_count: int | None  # spans selected (exports; None for a dataset download)


def _export(
    span_filter: Filter,
    format: ExportFormat,
    preference_label: str | None,
    dry_run: bool = False,
) -> Call[ExportSummary]:
    body = given(filter=span_filter, format=format, preference_label=preference_label)
    return Call(
        "POST",
        "/api/v1/exports",
        read(ExportSummary),
        json=body,
        params={"dry_run": "true"} if dry_run else {},
    )


def _file(dataset_id: str, version: int) -> Call[None]:
    return Call("GET", f"/api/v1/datasets/{dataset_id}/versions/{version}/file", nothing)


def _save(
    span_filter: Filter,
    name: str,
    format: ExportFormat,
    description: str | None,
    preference_label: str | None,
) -> Call[DatasetVersionRead]:
    body = given(
        filter=span_filter,
        name=name,
        format=format,
        description=description,
        preference_label=preference_label,
    )
    return Call("POST", "/api/v1/datasets", read(DatasetVersionRead), json=body)


class _Sink:
    """Writes a download to a path (through a `.part` file, renamed when complete) or to
    a file object, counting and hashing the bytes."""

    def __init__(self, to: Target, response: httpx.Response) -> None:
        self.response = response
        self.digest = hashlib.sha256()
        self.size = 0
        self.path: Path | None = None
        self.partial: Path | None = None
        if isinstance(to, str | os.PathLike):
            self.path = Path(to)
            self.partial = self.path.with_name(self.path.name + ".part")
            self.file: IO[bytes] = self.partial.open("wb")
        else:
            self.file = to

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)

    def fail(self) -> None:
        if self.partial is not None:
            self.file.close()
            self.partial.unlink(missing_ok=True)

    def done(self, check_etag: bool) -> Written:
        sha256 = self.digest.hexdigest()
        expected = self.response.headers.get("ETag", "").strip('"')
        if check_etag and expected and expected != sha256:
            self.fail()
            raise ClientError(f"download corrupted: sha256 {sha256}, the server has {expected}")
        if self.partial is not None and self.path is not None:
            self.file.close()
            self.partial.replace(self.path)
        found = _FILENAME.search(self.response.headers.get("Content-Disposition", ""))
        count = self.response.headers.get(SPAN_COUNT_HEADER)
        return Written(
            path=self.path,
            filename=found.group(1) if found else "",
            byte_size=self.size,
            sha256=sha256,
            media_type=self.response.headers.get("Content-Type", ""),
            span_count=int(count) if count is not None and count.isdigit() else None,
        )


def _write_sync(transport: SyncTransport, call: Call[Any], to: Target, check: bool) -> Written:
    with streamed(transport, call) as response:
        sink = _Sink(to, response)
        try:
            for chunk in response.iter_bytes():
                sink.write(chunk)
        except BaseException:
            sink.fail()
            raise
        return sink.done(check)


async def _write_async(
    transport: AsyncTransport, call: Call[Any], to: Target, check: bool
) -> Written:
    async with astreamed(transport, call) as response:
        sink = _Sink(to, response)
        try:
            async for chunk in response.aiter_bytes():
                sink.write(chunk)
        except BaseException:
            sink.fail()
            raise
        return sink.done(check)


class Datasets:
    """Exports and saved datasets through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport
        self._send = transport.send

    def export(
        self,
        filter: Filter,
        to: Target,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> Written:
        """Export the spans `filter` selects (jsonl, csv, parquet, openai-chat or
        preference-pairs) into `to`: a path (written as `<name>.part`, renamed once
        complete) or a binary file object. The answer says how many bytes and spans."""
        return _write_sync(
            self._transport, _export(filter, format, preference_label), to, check=False
        )

    def stream(
        self,
        filter: Filter,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> Iterator[bytes]:
        """The export's bytes as the server sends them. The request is made when the
        iteration starts (a refusal raises then); close the iterator to stop early."""
        with streamed(self._transport, _export(filter, format, preference_label)) as response:
            yield from response.iter_bytes()

    def dry_run(
        self,
        filter: Filter,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> ExportSummary:
        """What the export would hold: spans selected, records written, spans skipped and
        why; nothing is written."""
        return self._send(_export(filter, format, preference_label, dry_run=True))

    def save(
        self,
        filter: Filter,
        name: str,
        *,
        format: ExportFormat = "jsonl",
        description: str | None = None,
        preference_label: str | None = None,
    ) -> DatasetVersionRead:
        """Export the filter's spans and keep the file on the server as the next version
        of the dataset `name` (the first save creates it)."""
        return self._send(_save(filter, name, format, description, preference_label))

    def list(self, project_id: str | None = None) -> DatasetReads:
        """The saved datasets (of one project, if given) with their versions."""
        return self._send(get("/api/v1/datasets", DatasetReads, project_id=project_id))

    def get(self, dataset_id: str) -> DatasetRead:
        """A saved dataset and its versions, newest first."""
        return self._send(get(f"/api/v1/datasets/{dataset_id}", DatasetRead))

    def version(self, dataset_id: str, version: int) -> DatasetVersionRead:
        """One version: its filter, counts, author and checksum."""
        return self._send(
            get(f"/api/v1/datasets/{dataset_id}/versions/{version}", DatasetVersionRead)
        )

    def download(self, dataset_id: str, version: int, to: Target) -> Written:
        """Download a version's file, byte for byte as saved, into `to` (a path or a
        binary file object); its SHA-256 is checked against the server's (ClientError
        when they differ; a path is then not written)."""
        return _write_sync(self._transport, _file(dataset_id, version), to, check=True)

    def delete(self, dataset_id: str) -> None:
        """Delete the dataset and every version of it."""
        self._send(Call("DELETE", f"/api/v1/datasets/{dataset_id}", nothing))


class AsyncDatasets:
    """Exports and saved datasets through an async client: the same methods, awaited
    (`stream` is an async iterator). Files are written with blocking writes."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport
        self._send = transport.send

    async def export(
        self,
        filter: Filter,
        to: Target,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> Written:
        """Export the spans `filter` selects into a path or a binary file object."""
        return await _write_async(
            self._transport, _export(filter, format, preference_label), to, check=False
        )

    async def stream(
        self,
        filter: Filter,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> AsyncIterator[bytes]:
        """The export's bytes as the server sends them (`async for`)."""
        call = _export(filter, format, preference_label)
        async with astreamed(self._transport, call) as response:
            async for chunk in response.aiter_bytes():
                yield chunk

    async def dry_run(
        self,
        filter: Filter,
        *,
        format: ExportFormat = "jsonl",
        preference_label: str | None = None,
    ) -> ExportSummary:
        """What the export would hold; nothing is written."""
        return await self._send(_export(filter, format, preference_label, dry_run=True))

    async def save(
        self,
        filter: Filter,
        name: str,
        *,
        format: ExportFormat = "jsonl",
        description: str | None = None,
        preference_label: str | None = None,
    ) -> DatasetVersionRead:
        """Save the filter's export as the next version of the dataset `name`."""
        return await self._send(_save(filter, name, format, description, preference_label))

    async def list(self, project_id: str | None = None) -> DatasetReads:
        """The saved datasets with their versions."""
        return await self._send(get("/api/v1/datasets", DatasetReads, project_id=project_id))

    async def get(self, dataset_id: str) -> DatasetRead:
        """A saved dataset and its versions."""
        return await self._send(get(f"/api/v1/datasets/{dataset_id}", DatasetRead))

    async def version(self, dataset_id: str, version: int) -> DatasetVersionRead:
        """One version of a dataset."""
        return await self._send(
            get(f"/api/v1/datasets/{dataset_id}/versions/{version}", DatasetVersionRead)
        )

    async def download(self, dataset_id: str, version: int, to: Target) -> Written:
        """Download a version's file into a path or file object, its SHA-256 checked."""
        return await _write_async(self._transport, _file(dataset_id, version), to, check=True)

    async def delete(self, dataset_id: str) -> None:
        """Delete the dataset and every version of it."""
        await self._send(Call("DELETE", f"/api/v1/datasets/{dataset_id}", nothing))
