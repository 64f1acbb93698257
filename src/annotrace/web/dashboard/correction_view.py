"""What the Correction section of the Evaluation tab shows (see `_correction.html`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from annotrace.domain.access import Principal
from annotrace.domain.text_diff import word_diff
from annotrace.schemas.traces import SpanRead
from annotrace.services import corrections


def correction_view(
    *,
    session: Session,
    principal: Principal,
    span: SpanRead,
    typed: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The span's correction with its diff against the original output; `typed` and
    `error` are a refused form's text and why."""
    found = corrections.find_correction(
        session=session, principal=principal, span_id=span.span_id, trace_id=span.trace_id
    )
    text = typed
    if text is None:
        text = found.output if found else (span.output_value or "")
    return {
        "correction": found,
        "correction_diff": word_diff(span.output_value or "", found.output) if found else [],
        "correction_text": text,
        "correction_error": error,
        "correction_changeable": found is not None
        and principal.may_change_work_of(found.annotator_id),
    }
