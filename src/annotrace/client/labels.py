"""`client.labels`: a project's annotation labels.

stars = client.labels.create(project_id, "Stars", "star", settings={"no_of_stars": 5})
client.labels.update(stars.id, description="How good the answer is")
client.labels.archive(stars.id)    # takes no new values; its values stay
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotrace.client.common import get, given, read
from annotrace.client.transport import AsyncTransport, Call, SyncTransport
from annotrace.domain.labels import LabelType
from annotrace.schemas.compat import LabelsResponse
from annotrace.schemas.labels import LabelRead

LabelReads = list[LabelRead]
Type = LabelType | str


def _create(
    project_id: str,
    name: str,
    type: Type,
    description: str,
    settings: Mapping[str, Any] | None,
) -> Call[LabelRead]:
    body = {
        "name": name,
        "type": str(type),
        "description": description,
        "settings": dict(settings or {}),
    }
    return Call("POST", f"/api/v1/projects/{project_id}/labels", read(LabelRead), json=body)


def _list(project_id: str, include_archived: bool) -> Call[LabelReads]:
    return get(
        f"/api/v1/projects/{project_id}/labels",
        LabelReads,
        include_archived=include_archived,
    )


def _update(
    label_id: str,
    name: str | None,
    type: Type | None,
    description: str | None,
    settings: Mapping[str, Any] | None,
) -> Call[LabelRead]:
    body = given(
        name=name,
        type=str(type) if type is not None else None,
        description=description,
        settings=dict(settings) if settings is not None else None,
    )
    return Call("PATCH", f"/api/v1/labels/{label_id}", read(LabelRead), json=body)


def _compatible(project_id: str | None) -> Call[LabelReads]:
    labels_of = read(LabelsResponse)
    return Call(
        "GET",
        "/tracer/get-annotation-labels/",
        lambda response: labels_of(response).result,
        params={"project_id": project_id},
    )


def _archive(label_id: str) -> Call[LabelRead]:
    return Call("DELETE", f"/api/v1/labels/{label_id}", read(LabelRead))


class Labels:
    """Labels through a blocking client."""

    def __init__(self, transport: SyncTransport) -> None:
        self._send = transport.send

    def create(
        self,
        project_id: str,
        name: str,
        type: Type,
        *,
        description: str = "",
        settings: Mapping[str, Any] | None = None,
    ) -> LabelRead:
        """A new label: `type` text, numeric, categorical, star or thumbs_up_down, with
        the settings of its type (numeric: min, max; categorical: options, …)."""
        return self._send(_create(project_id, name, type, description, settings))

    def list(self, project_id: str, *, include_archived: bool = False) -> LabelReads:
        """The project's labels by name (archived ones too, if asked)."""
        return self._send(_list(project_id, include_archived))

    def get(self, label_id: str) -> LabelRead:
        return self._send(get(f"/api/v1/labels/{label_id}", LabelRead))

    def update(
        self,
        label_id: str,
        *,
        name: str | None = None,
        type: Type | None = None,
        description: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> LabelRead:
        """Change what is given (the rest stays); a new type or settings (complete, not
        merged) makes a new version of the label."""
        return self._send(_update(label_id, name, type, description, settings))

    def archive(self, label_id: str) -> LabelRead:
        """Archive the label: it takes no new values, its values stay."""
        return self._send(_archive(label_id))

    def compatible(self, project_id: str | None = None) -> LabelReads:
        """The labels as the compatible API lists them (`GET /tracer/get-annotation-labels/`,
        categorical options as {"label": ...} objects): of one project, or every one the
        key may see."""
        return self._send(_compatible(project_id))


class AsyncLabels:
    """Labels through an async client: the same methods, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._send = transport.send

    async def create(
        self,
        project_id: str,
        name: str,
        type: Type,
        *,
        description: str = "",
        settings: Mapping[str, Any] | None = None,
    ) -> LabelRead:
        """A new label of the type, with its settings."""
        return await self._send(_create(project_id, name, type, description, settings))

    async def list(self, project_id: str, *, include_archived: bool = False) -> LabelReads:
        """The project's labels by name."""
        return await self._send(_list(project_id, include_archived))

    async def get(self, label_id: str) -> LabelRead:
        return await self._send(get(f"/api/v1/labels/{label_id}", LabelRead))

    async def update(
        self,
        label_id: str,
        *,
        name: str | None = None,
        type: Type | None = None,
        description: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> LabelRead:
        """Change what is given; the rest stays."""
        return await self._send(_update(label_id, name, type, description, settings))

    async def archive(self, label_id: str) -> LabelRead:
        """Archive the label: it takes no new values, its values stay."""
        return await self._send(_archive(label_id))

    async def compatible(self, project_id: str | None = None) -> LabelReads:
        """The labels as the compatible API lists them (options as {"label": ...})."""
        return await self._send(_compatible(project_id))
