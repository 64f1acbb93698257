"""A review form's inputs, read into the values of a queue's labels.

Each label has its inputs named by its id: `v.<label id>` (one or more options, a star,
thumbs_up / thumbs_down, a number, text) and `r.<label id>` (the reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import FormData

from annotrace.domain.labels import THUMBS_DOWN, THUMBS_UP, LabelType
from annotrace.schemas.queues import LabelValue
from annotrace.services.labels import LabelRef

_THUMBS = {THUMBS_UP: True, THUMBS_DOWN: False}


def form_values(refs: Sequence[LabelRef], form: FormData) -> list[LabelValue]:
    """One value per label; an empty input is a value not given (None)."""
    values = []
    for ref in refs:
        given = [str(v).strip() for v in form.getlist(f"v.{ref.id}") if str(v).strip()]
        reason = str(form.get(f"r.{ref.id}", "")).strip() or None
        values.append(LabelValue(label_id=ref.id, value=_typed(ref, given), reason=reason))
    return values


def _typed(ref: LabelRef, given: list[str]) -> Any:
    if not given:
        return None
    kind = ref.spec.type
    if kind is LabelType.CATEGORICAL:
        return given
    if kind is LabelType.THUMBS:
        # Anything else is handed on as it is, for the label's check to refuse in words.
        return _THUMBS.get(given[0], given[0])
    if kind in (LabelType.NUMERIC, LabelType.STAR):
        try:
            number = float(given[0])
        except ValueError:
            return given[0]
        # 4, not 4.0: the label's refusals quote the number as it was typed.
        return int(number) if number.is_integer() else number
    return given[0]
