"""`client.queues`: annotation queues, their items, working them, agreement and gold values.

queue = client.queues.create(project_id, "Review", labels=["Quality", "Stars"],
                             annotators_per_item=2, items={"filter": {}})
while (work := client.queues.next(queue.id, "ana@example.com")) is not None:
    client.queues.submit(queue.id, work.item.id, "ana@example.com", {"Quality": "good"})
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.schemas.common import Page
from annotrace.schemas.queues import (
    AnnotatorAccuracy,
    Disagreement,
    GoldRead,
    ItemsAdded,
    ItemStatus,
    LabelValue,
    NextItem,
    QueueAgreement,
    QueueItemRead,
    QueueLabelChoice,
    QueueProgress,
    QueueRead,
    QueueStatus,
    WorkItem,
)

M = TypeVar("M")
Labels = Sequence[str | Mapping[str, Any] | QueueLabelChoice]
# {label name: value}, or a list of {"name"|"label_id", "value", "reason"} / LabelValue.
Values = Mapping[str, Any] | Sequence[Mapping[str, Any] | LabelValue]
# Named here: inside the classes, `list` is their method.
QueueReads = list[QueueRead]
GoldReads = list[GoldRead]
Disagreements = list[Disagreement]
Accuracies = list[AnnotatorAccuracy]


def _read(shape: type[M]) -> Callable[[httpx.Response], M]:
    adapter: TypeAdapter[M] = TypeAdapter(shape)
    return lambda response: adapter.validate_json(response.content)


def _nothing(response: httpx.Response) -> None:
    return None


def _json(value: Any) -> Any:
    """Models as their JSON; everything else as it is."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _labels(labels: Labels) -> list[Any]:
    return [{"name": label} if isinstance(label, str) else _json(label) for label in labels]


def _values(values: Values) -> list[Any]:
    if isinstance(values, Mapping):
        return [{"name": name, "value": value} for name, value in values.items()]
    return [_json(value) for value in values]


def _base(queue_id: str) -> str:
    return f"/api/v1/queues/{queue_id}"


def _create(
    project_id: str,
    name: str,
    labels: Labels,
    *,
    instructions: str = "",
    annotators: Sequence[str] | None = None,
    reviewers: Sequence[str] = (),
    annotators_per_item: int = 1,
    reservation_seconds: int = 600,
    items: Mapping[str, Any] | None = None,
) -> Call[QueueRead]:
    body = {
        "project_id": project_id,
        "name": name,
        "labels": _labels(labels),
        "instructions": instructions,
        "annotators": list(annotators) if annotators is not None else None,
        "reviewers": list(reviewers),
        "annotators_per_item": annotators_per_item,
        "reservation_seconds": reservation_seconds,
        "items": _json(items),
    }
    return Call("POST", "/api/v1/queues", _read(QueueRead), json=body)


def _update(queue_id: str, changes: Mapping[str, Any]) -> Call[QueueRead]:
    body = {key: _labels(v) if key == "labels" else _json(v) for key, v in changes.items()}
    return Call("PATCH", _base(queue_id), _read(QueueRead), json=body)


def _add_items(
    queue_id: str,
    *,
    span_ids: Sequence[str] | None = None,
    filter: Mapping[str, Any] | BaseModel | None = None,
    sample: int | None = None,
    gold: Sequence[Mapping[str, Any]] | None = None,
) -> Call[ItemsAdded]:
    body = {
        "span_ids": list(span_ids) if span_ids is not None else None,
        "filter": _json(filter),
        "sample": sample,
        "gold": [{**_json(item), "values": _values(item["values"])} for item in gold]
        if gold is not None
        else None,
    }
    body = {key: value for key, value in body.items() if value is not None}
    return Call("POST", f"{_base(queue_id)}/items", _read(ItemsAdded), json=body)


def _items(
    queue_id: str, status: ItemStatus | None, cursor: str | None
) -> Call[Page[QueueItemRead]]:
    return Call(
        "GET",
        f"{_base(queue_id)}/items",
        _read(Page[QueueItemRead]),
        params={"status": status, "cursor": cursor, "limit": 500},
    )


def _next(queue_id: str, annotator_id: str) -> Call[WorkItem | None]:
    read = _read(NextItem)
    return Call(
        "POST",
        f"{_base(queue_id)}/next",
        lambda response: read(response).item,
        json={"annotator_id": annotator_id},
    )


def _submit(queue_id: str, item_id: str, annotator_id: str, values: Values) -> Call[WorkItem]:
    return Call(
        "POST",
        f"{_base(queue_id)}/items/{item_id}/submit",
        _read(WorkItem),
        json={"annotator_id": annotator_id, "values": _values(values)},
    )


def _skip(queue_id: str, item_id: str, annotator_id: str) -> Call[WorkItem]:
    return Call(
        "POST",
        f"{_base(queue_id)}/items/{item_id}/skip",
        _read(WorkItem),
        json={"annotator_id": annotator_id},
    )


def _set_gold(
    queue_id: str, item_id: str, values: Values, annotator_id: str | None
) -> Call[list[GoldRead]]:
    body: dict[str, Any] = {"values": _values(values)}
    if annotator_id is not None:
        body["annotator_id"] = annotator_id
    return Call("PUT", f"{_base(queue_id)}/items/{item_id}/gold", _read(list[GoldRead]), json=body)


def _get(path: str, shape: type[M], **params: Any) -> Call[M]:
    return Call("GET", path, _read(shape), params=params)


def _status(queue_id: str, status: QueueStatus) -> Call[QueueRead]:
    return _update(queue_id, {"status": status})


class Queues:
    """Queues through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def create(self, project_id: str, name: str, labels: Labels, **options: Any) -> QueueRead:
        """A new queue; `options`: instructions, annotators (None: everyone who may
        annotate), reviewers, annotators_per_item, reservation_seconds, items."""
        return self._send(_create(project_id, name, labels, **options))

    def list(self, project_id: str | None = None) -> QueueReads:
        return self._send(_get("/api/v1/queues", QueueReads, project_id=project_id))

    def get(self, queue_id: str) -> QueueRead:
        return self._send(_get(_base(queue_id), QueueRead))

    def update(self, queue_id: str, **changes: Any) -> QueueRead:
        return self._send(_update(queue_id, changes))

    def pause(self, queue_id: str) -> QueueRead:
        return self._send(_status(queue_id, "paused"))

    def resume(self, queue_id: str) -> QueueRead:
        return self._send(_status(queue_id, "active"))

    def archive(self, queue_id: str) -> QueueRead:
        return self._send(_status(queue_id, "archived"))

    def add_items(self, queue_id: str, **items: Any) -> ItemsAdded:
        """Add spans: span_ids=[...], filter={...} (sample=N), gold=[{span_id, values}]."""
        return self._send(_add_items(queue_id, **items))

    def items(self, queue_id: str, status: ItemStatus | None = None) -> Iterator[QueueItemRead]:
        """Every item, in the order they are handed out, page after page."""
        cursor: str | None = None
        while True:
            page = self._send(_items(queue_id, status, cursor))
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def remove_item(self, queue_id: str, item_id: str) -> None:
        self._send(Call("DELETE", f"{_base(queue_id)}/items/{item_id}", _nothing))

    def next(self, queue_id: str, annotator_id: str) -> WorkItem | None:
        """The item reserved for this annotator now, or None when nothing is left."""
        return self._send(_next(queue_id, annotator_id))

    def submit(self, queue_id: str, item_id: str, annotator_id: str, values: Values) -> WorkItem:
        return self._send(_submit(queue_id, item_id, annotator_id, values))

    def skip(self, queue_id: str, item_id: str, annotator_id: str) -> WorkItem:
        return self._send(_skip(queue_id, item_id, annotator_id))

    def progress(self, queue_id: str) -> QueueProgress:
        return self._send(_get(f"{_base(queue_id)}/progress", QueueProgress))

    def agreement(self, queue_id: str) -> QueueAgreement:
        return self._send(_get(f"{_base(queue_id)}/agreement", QueueAgreement))

    def disagreements(self, queue_id: str, label_id: str | None = None) -> Disagreements:
        return self._send(
            _get(f"{_base(queue_id)}/disagreements", Disagreements, label_id=label_id)
        )

    def set_gold(
        self, queue_id: str, item_id: str, values: Values, annotator_id: str | None = None
    ) -> GoldReads:
        return self._send(_set_gold(queue_id, item_id, values, annotator_id))

    def accuracy(self, queue_id: str) -> Accuracies:
        return self._send(_get(f"{_base(queue_id)}/accuracy", Accuracies))


class AsyncQueues:
    """Queues through an async client: the same methods, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def create(self, project_id: str, name: str, labels: Labels, **options: Any) -> QueueRead:
        return await self._send(_create(project_id, name, labels, **options))

    async def list(self, project_id: str | None = None) -> QueueReads:
        return await self._send(_get("/api/v1/queues", QueueReads, project_id=project_id))

    async def get(self, queue_id: str) -> QueueRead:
        return await self._send(_get(_base(queue_id), QueueRead))

    async def update(self, queue_id: str, **changes: Any) -> QueueRead:
        return await self._send(_update(queue_id, changes))

    async def pause(self, queue_id: str) -> QueueRead:
        return await self._send(_status(queue_id, "paused"))

    async def resume(self, queue_id: str) -> QueueRead:
        return await self._send(_status(queue_id, "active"))

    async def archive(self, queue_id: str) -> QueueRead:
        return await self._send(_status(queue_id, "archived"))

    async def add_items(self, queue_id: str, **items: Any) -> ItemsAdded:
        return await self._send(_add_items(queue_id, **items))

    async def items(
        self, queue_id: str, status: ItemStatus | None = None
    ) -> AsyncIterator[QueueItemRead]:
        cursor: str | None = None
        while True:
            page = await self._send(_items(queue_id, status, cursor))
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def remove_item(self, queue_id: str, item_id: str) -> None:
        await self._send(Call("DELETE", f"{_base(queue_id)}/items/{item_id}", _nothing))

    async def next(self, queue_id: str, annotator_id: str) -> WorkItem | None:
        return await self._send(_next(queue_id, annotator_id))

    async def submit(
        self, queue_id: str, item_id: str, annotator_id: str, values: Values
    ) -> WorkItem:
        return await self._send(_submit(queue_id, item_id, annotator_id, values))

    async def skip(self, queue_id: str, item_id: str, annotator_id: str) -> WorkItem:
        return await self._send(_skip(queue_id, item_id, annotator_id))

    async def progress(self, queue_id: str) -> QueueProgress:
        return await self._send(_get(f"{_base(queue_id)}/progress", QueueProgress))

    async def agreement(self, queue_id: str) -> QueueAgreement:
        return await self._send(_get(f"{_base(queue_id)}/agreement", QueueAgreement))

    async def disagreements(self, queue_id: str, label_id: str | None = None) -> Disagreements:
        return await self._send(
            _get(f"{_base(queue_id)}/disagreements", Disagreements, label_id=label_id)
        )

    async def set_gold(
        self, queue_id: str, item_id: str, values: Values, annotator_id: str | None = None
    ) -> GoldReads:
        return await self._send(_set_gold(queue_id, item_id, values, annotator_id))

    async def accuracy(self, queue_id: str) -> Accuracies:
        return await self._send(_get(f"{_base(queue_id)}/accuracy", Accuracies))
