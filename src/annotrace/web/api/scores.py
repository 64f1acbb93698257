"""Automated evaluation scores."""

from __future__ import annotations

from fastapi import APIRouter

from annotrace.errors import PayloadTooLarge
from annotrace.schemas.annotations import ScoresCreate, ScoresResult
from annotrace.services import scores
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep, SettingsDep

router = APIRouter(tags=["scores"])


@router.post(
    "/scores",
    operation_id="logScores",
    summary="Store many automated evaluation results (source eval) at once",
    responses=errors(413),
)
def log_scores(
    data: ScoresCreate, principal: PrincipalDep, database: DatabaseDep, settings: SettingsDep
) -> ScoresResult:
    if len(data.scores) > settings.max_bulk_records:
        raise PayloadTooLarge(
            f"{len(data.scores):,} scores in one request; the limit is "
            f"{settings.max_bulk_records:,} (setting ANNOTRACE_MAX_BULK_RECORDS)",
            field="scores",
            expected=f"at most {settings.max_bulk_records:,} scores",
        )
    with database.write() as session:
        return scores.log_scores(session=session, principal=principal, scores=data.scores)
