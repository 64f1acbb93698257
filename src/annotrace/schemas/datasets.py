"""Saved datasets on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from annotrace.domain.export_formats import ExportFormat
from annotrace.schemas.exports import ExportRequest
from annotrace.schemas.filters import SpanFilter


class DatasetSave(ExportRequest):
    """Export a filter's spans and keep the file as the next version of a named dataset."""

    name: str = Field(
        description="Dataset name, unique in the project ignoring case; saving under a name "
        "that exists adds a version."
    )
    description: str | None = Field(
        default=None, description="What the dataset is for (kept from the first version on)."
    )


class DatasetVersionRead(BaseModel):
    id: str = Field(description="Public id of this version, e.g. `dsv_3f9a…`.")
    dataset_id: str = Field(description="The dataset.")
    name: str = Field(description="The dataset's name.")
    project_id: str = Field(description="Project of the spans.")
    version: int = Field(description="1 for the first save, then 2, 3, …")
    format: ExportFormat = Field(description="Format of the file.")
    filter: SpanFilter = Field(description="The filter the spans were selected with.")
    preference_label: str | None = Field(description="preference-pairs: the label judged by.")
    span_count: int = Field(description="Spans the filter selected.")
    record_count: int = Field(description="Records in the file.")
    skipped: dict[str, int] = Field(description="Spans left out, counted by reason.")
    byte_size: int = Field(description="Size of the file in bytes.")
    sha256: str = Field(description="SHA-256 of the file, to check a download.")
    created_by: str = Field(description="Who saved it.")
    created_at: datetime = Field(description="When it was saved (UTC).")
    download_url: str = Field(description="Path of the file, under the API.")


class DatasetRead(BaseModel):
    id: str = Field(description="Public id, e.g. `ds_3f9a…`.")
    project_id: str = Field(description="Project of the dataset.")
    name: str = Field(description="Name.")
    description: str = Field(description="What it is for.")
    created_at: datetime = Field(description="When the first version was saved (UTC).")
    versions: list[DatasetVersionRead] = Field(description="Every version, newest first.")
