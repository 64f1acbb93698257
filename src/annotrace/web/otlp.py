"""OTLP/HTTP trace ingest at /v1/traces (protobuf or JSON, optionally gzip-compressed)."""

from __future__ import annotations

import zlib

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from annotrace.errors import InvalidInput, UnsupportedMediaType
from annotrace.otlp.decode import decode_export_request
from annotrace.otlp.responses import MEDIA_TYPES, content_kind, export_response
from annotrace.schemas.otlp import EXPORT_REQUEST_JSON_SCHEMA, OtlpExportResponse, RpcStatus
from annotrace.services.ingest import store_spans
from annotrace.web.api.responses import BINARY, errors
from annotrace.web.deps import DatabaseDep, PrincipalDep, SettingsDep
from annotrace.web.limits import too_large

router = APIRouter(tags=["otlp"])

EXPORT_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/x-protobuf": {"schema": BINARY},
        "application/json": {"schema": EXPORT_REQUEST_JSON_SCHEMA},
    },
}


def decompress(body: bytes, encoding: str | None, *, limit: int) -> bytes:
    """The body without its Content-Encoding, refusing anything over `limit` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise UnsupportedMediaType(
            f"Content-Encoding {encoding!r} is not supported",
            field="Content-Encoding",
            expected="gzip or none",
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        # max_length: a small gzip bomb must not inflate past the limit in memory.
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise InvalidInput(
            f"body is not valid gzip: {error}", field="body", expected="gzip data"
        ) from None
    if len(data) > limit:
        raise too_large(limit)
    if not inflater.eof:
        raise InvalidInput("gzip body is truncated", field="body", expected="complete gzip data")
    return data


@router.post(
    "/v1/traces",
    operation_id="exportTraces",
    summary="Receive spans over OTLP/HTTP (ExportTraceServiceRequest)",
    description="The reply, error replies too, is in the request's encoding: protobuf or "
    "JSON. A body can be gzip-compressed (`Content-Encoding: gzip`).",
    response_class=Response,
    openapi_extra={
        "requestBody": EXPORT_REQUEST_BODY,
        "parameters": [
            {
                "name": "X-Project",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "Project of spans whose resource names none "
                "(`openinference.project.name` beats it, `service.name` does not).",
            }
        ],
    },
    responses={
        200: {
            "model": OtlpExportResponse,
            "description": "ExportTraceServiceResponse; partial_success counts rejected spans.",
            "content": {"application/x-protobuf": {"schema": BINARY}},
        },
        **errors(
            400,
            413,
            415,
            invalid=False,
            model=RpcStatus,
            media_types=("application/x-protobuf",),
        ),
    },
)
async def export_traces(
    request: Request, principal: PrincipalDep, database: DatabaseDep, settings: SettingsDep
) -> Response:
    kind = content_kind(request.headers.get("content-type"))
    body = decompress(
        await request.body(),
        request.headers.get("content-encoding"),
        limit=settings.max_request_bytes,
    )

    def ingest() -> bytes:
        # Decoding happens outside the write transaction: the SQLite write lock is held
        # only while rows are written. The reply is sent after the commit.
        decoded = decode_export_request(
            body, content_type=kind, header_project=request.headers.get("x-project")
        )
        with database.write() as session:
            stored = store_spans(session=session, principal=principal, spans=decoded.spans)
        # OTLP lets a reply carry warnings in error_message with nothing rejected.
        warnings = [decoded.rejection_message] if decoded.rejection_message else []
        if stored.evaluation_problems:
            warnings.append(
                f"{len(stored.evaluation_problems)} evaluations not stored: "
                + "; ".join(stored.evaluation_problems[:5])
            )
        return export_response(
            rejected_spans=decoded.rejected_count,
            error_message=" | ".join(warnings),
            content_type=kind,
        )

    return Response(await run_in_threadpool(ingest), media_type=MEDIA_TYPES[kind])
