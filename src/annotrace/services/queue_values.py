"""Values of a queue's labels, as a submission or a gold answer gives them: checked all at
once against the labels, so that one bad value refuses the whole set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotrace.domain.labels import LabelType, TypedValue, ValueProblem, typed_value
from annotrace.errors import InvalidInput
from annotrace.schemas.queues import LabelValue
from annotrace.services.annotations import reason_problem
from annotrace.services.labels import LabelRef
from annotrace.services.queue_context import QueueContext


@dataclass(frozen=True, slots=True)
class CheckedValue:
    ref: LabelRef
    typed: TypedValue | None  # None: left unfilled (optional labels only)
    reason: str | None


def checked_values(
    context: QueueContext,
    values: Sequence[LabelValue],
    *,
    field: str = "values",
    require: bool = True,
) -> list[CheckedValue]:
    """The values by label, in the queue's order. With `require`, every required label of
    the queue must have one; labels the queue does not have are refused."""
    by_id = {ref.id: ref for ref, _ in context.labels}
    by_name = {ref.spec.name.casefold(): ref for ref, _ in context.labels}
    given: dict[int, CheckedValue] = {}
    for index, item in enumerate(values):
        place = f"{field}.{index}"
        ref = (
            by_id.get(item.label_id)
            if item.label_id is not None
            else by_name.get((item.name or "").strip().casefold())
        )
        if ref is None:
            shown = ", ".join(repr(r.spec.name) for r, _ in context.labels)
            raise InvalidInput(
                f"queue {context.queue.name!r} has no label "
                f"{item.label_id or item.name!r} (its labels: {shown})",
                field=f"{place}.{'label_id' if item.label_id is not None else 'name'}",
                expected="one of the queue's labels",
            )
        if ref.label_rowid in given:
            raise InvalidInput(
                f"label {ref.spec.name!r} is given twice", field=place, expected="each label once"
            )
        problem = reason_problem(item.reason)
        if problem:
            raise InvalidInput(problem, field=f"{place}.reason", expected="text")
        typed = None
        if item.value is not None:
            try:
                typed = typed_value(ref.spec, _plain(ref, item.value))
            except ValueProblem as error:
                raise InvalidInput(str(error), field=f"{place}.value") from None
        given[ref.label_rowid] = CheckedValue(ref, typed, item.reason)
    if require:
        missing = [
            ref.spec.name
            for ref, required in context.labels
            if required and (ref.label_rowid not in given or given[ref.label_rowid].typed is None)
        ]
        if missing:
            raise InvalidInput(
                "give a value for every required label; missing: "
                + ", ".join(repr(name) for name in missing),
                field=field,
                expected="a value for each required label",
            )
    return [given[ref.label_rowid] for ref, _ in context.labels if ref.label_rowid in given]


def _plain(ref: LabelRef, value: object) -> object:
    # One option of a categorical label may come as a plain string.
    if ref.spec.type is LabelType.CATEGORICAL and isinstance(value, str):
        return [value]
    return value
