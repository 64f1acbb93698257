"""`GET /tracer/get-annotation-labels/` and `POST /tracer/bulk-annotation/`, as the
reference product has them (with and without the trailing slash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from annotrace.schemas.compat import (
    BulkAnnotationRequest,
    BulkAnnotationResponse,
    BulkError,
    BulkResult,
    CompatErrorResponse,
    LabelsResponse,
)
from annotrace.services import labels
from annotrace.services.bulk import bulk_annotate, item_count
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep, SettingsDep
from annotrace.web.limits import check_batch_size

router = APIRouter(prefix="/tracer", tags=["compatible API"])


def get_annotation_labels(
    principal: PrincipalDep,
    database: DatabaseDep,
    project_id: Annotated[
        str | None,
        Query(description="Only this project's labels; all the key may see if left out."),
    ] = None,
) -> LabelsResponse:
    with database.read() as session:
        # Oldest first, as the reference product lists them ("the first label").
        found = labels.list_labels(
            session=session, principal=principal, project_id=project_id, oldest_first=True
        )
    return LabelsResponse(status=True, result=[labels.compat_label(label) for label in found])


def bulk_annotation(
    data: BulkAnnotationRequest,
    principal: PrincipalDep,
    database: DatabaseDep,
    settings: SettingsDep,
    dry_run: Annotated[
        bool,
        Query(description="Judge the whole request and answer what it would do; store nothing."),
    ] = False,
) -> BulkAnnotationResponse:
    check_batch_size(len(data.records), settings.max_bulk_records, field="records", noun="records")
    # Records are few, but each may hold many items: the items bound the memory a
    # request takes while it is judged.
    check_batch_size(
        item_count(data.records),
        settings.max_bulk_items,
        field="records",
        noun="annotations and notes",
        setting="ANNOTRACE_MAX_BULK_ITEMS",
    )
    with database.write() as session:
        outcome = bulk_annotate(
            session=session, principal=principal, records=data.records, dry_run=dry_run
        )
    return BulkAnnotationResponse(
        status=True,
        result=BulkResult(
            message=outcome.message(),
            annotationsCreated=outcome.annotations_created,
            annotationsUpdated=outcome.annotations_updated,
            annotationsUnchanged=outcome.annotations_unchanged,
            notesCreated=outcome.notes_created,
            succeededCount=outcome.succeeded,
            errorsCount=len(outcome.failed),
            errors=[
                BulkError(
                    recordIndex=record.index,
                    spanId=record.span_id,
                    annotationError="; ".join(record.annotation_errors) or None,
                    noteError="; ".join(record.note_errors) or None,
                )
                for record in outcome.failed
            ],
            dryRun=dry_run,
        ),
    )


# Both spellings of each path answer; only the reference product's (with the slash) is
# listed in the OpenAPI document.
for path, endpoint, method, operation, summary, statuses in (
    (
        "/get-annotation-labels/",
        get_annotation_labels,
        "GET",
        "getAnnotationLabels",
        "List annotation labels (compatible API)",
        (404,),
    ),
    (
        "/bulk-annotation/",
        bulk_annotation,
        "POST",
        "bulkAnnotation",
        "Annotate many spans at once (compatible API)",
        (),
    ),
):
    for listed in (True, False):
        router.add_api_route(
            path if listed else path.rstrip("/"),
            endpoint,
            methods=[method],
            operation_id=operation if listed else None,
            summary=summary,
            include_in_schema=listed,
            responses=errors(*statuses, body=method == "POST", model=CompatErrorResponse),
        )
