"""Exports of the spans a filter selects, streamed as a file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from annotrace.exports.formats import MEDIA_TYPES
from annotrace.schemas.exports import ExportRequest, ExportSummary
from annotrace.services.exports import SpanExport
from annotrace.web.api.responses import BINARY, errors
from annotrace.web.api.streaming import StreamingRead
from annotrace.web.deps import DatabaseDep, PrincipalDep

router = APIRouter(tags=["exports"])

SPAN_COUNT_HEADER = "X-Annotrace-Span-Count"


@router.post(
    "/exports",
    operation_id="exportSpans",
    summary="Export the spans a filter selects as jsonl, csv, parquet, chat or preference pairs",
    response_model=None,
    responses={
        **errors(404, body=True),
        200: {
            "model": ExportSummary,
            "description": "The file, streamed (with ?dry_run=true: its summary, as JSON).",
            "content": {media_type: {"schema": BINARY} for media_type in MEDIA_TYPES},
            "headers": {
                SPAN_COUNT_HEADER: {
                    "description": "Spans the filter selected (not with ?dry_run=true).",
                    "schema": {"type": "integer"},
                },
                "Content-Disposition": {
                    "description": "attachment, with the file's name (not with ?dry_run=true).",
                    "schema": {"type": "string"},
                },
            },
        },
    },
)
def export_spans(
    body: ExportRequest,
    principal: PrincipalDep,
    database: DatabaseDep,
    dry_run: Annotated[
        bool,
        Query(description="Write nothing: answer how many spans and records the file would have."),
    ] = False,
) -> StreamingResponse | ExportSummary:
    reader = StreamingRead(database)
    with reader as session:
        export = SpanExport(session=session, principal=principal, request=body)
    if dry_run:
        try:
            for _ in export.chunks():
                pass
        finally:
            reader.close()
        return export.summary()
    return reader.response(
        export.chunks(),
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            SPAN_COUNT_HEADER: str(export.span_count),
        },
    )
