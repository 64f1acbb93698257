"""Automated evaluation scores."""

from __future__ import annotations

from fastapi import APIRouter

from annotrace.schemas.annotations import ScoresCreate, ScoresResult
from annotrace.services import scores
from annotrace.web.api.responses import errors
from annotrace.web.deps import DatabaseDep, PrincipalDep, SettingsDep
from annotrace.web.limits import check_batch_size

router = APIRouter(tags=["scores"])


@router.post(
    "/scores",
    operation_id="logScores",
    summary="Store many automated evaluation results (source eval) at once",
    responses=errors(body=True),
)
def log_scores(
    data: ScoresCreate, principal: PrincipalDep, database: DatabaseDep, settings: SettingsDep
) -> ScoresResult:
    check_batch_size(len(data.scores), settings.max_bulk_records, field="scores", noun="scores")
    with database.write() as session:
        return scores.log_scores(session=session, principal=principal, scores=data.scores)
