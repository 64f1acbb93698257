"""The one span filter, as JSON: the search API takes it, and (later) exports and queues.

{"project_id": "prj_…", "start_time": "…", "end_time": "…",
 "where": {"type": "and", "conditions": [
    {"type": "annotation", "label": "Response Quality", "value": {"op": "eq", "value": "good"}},
    {"type": "annotation", "label": "Response Quality", "score": {"gte": 0.8}},
    {"type": "not", "condition": {"type": "span", "field": "status", "op": "eq", "value": "ERROR"}}
 ]}}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from annotrace.domain.text import unstorable
from annotrace.schemas.common import Timestamp

MAX_CONDITIONS = 50
MAX_TEXT = 500
MAX_VALUES = 100


def _storable(text: str) -> str:
    # What no stored text holds finds nothing, and PostgreSQL refuses NUL even to compare.
    problem = unstorable(text)
    if problem:
        raise ValueError(f"must not contain {problem}")
    return text


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_storable)]
# NaN compares differently in each database (PostgreSQL sorts it above every number).
Bound = Annotated[float, Field(allow_inf_nan=False)]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanCondition(_Node):
    """A field of the span itself."""

    type: Literal["span"]
    field: Literal["kind", "name", "status", "trace_id", "model"] = Field(
        description="kind (LLM, TOOL, …), name, status (OK, ERROR, UNSET), trace_id, model."
    )
    op: Literal["eq", "in", "contains"] = Field(
        description="eq: equals; in: one of `values`; contains: text contained, ignoring case."
    )
    value: Text | None = Field(default=None, description="For eq and contains.")
    values: list[Text] | None = Field(default=None, max_length=MAX_VALUES, description="For in.")

    @model_validator(mode="after")
    def _operands(self) -> SpanCondition:
        if self.op == "in" and not self.values:
            raise ValueError("op 'in' needs a non-empty 'values' list")
        if self.op != "in" and self.value is None:
            raise ValueError(f"op '{self.op}' needs 'value'")
        return self


class TextCondition(_Node):
    """Text in the span's input or output (or both)."""

    type: Literal["text"]
    contains: Text = Field(description="Text to find, ignoring case.")
    within: list[Literal["input", "output", "name"]] = Field(
        default=["input", "output"], min_length=1, description="Where to look."
    )


class ValueMatch(_Node):
    op: Literal["eq", "in", "contains"] = Field(
        description="eq: the Label view equals `value`; in: is one of `values`; contains: a "
        "multi-choice value includes the option `value`."
    )
    value: Text | None = None
    values: list[Text] | None = Field(default=None, max_length=MAX_VALUES)

    @model_validator(mode="after")
    def _operands(self) -> ValueMatch:
        if self.op == "in" and not self.values:
            raise ValueError("op 'in' needs a non-empty 'values' list")
        if self.op != "in" and self.value is None:
            raise ValueError(f"op '{self.op}' needs 'value'")
        return self


class ScoreRange(_Node):
    gte: Bound | None = Field(default=None, description="Score at least this.")
    lte: Bound | None = Field(default=None, description="Score at most this.")

    @model_validator(mode="after")
    def _bounds(self) -> ScoreRange:
        if self.gte is None and self.lte is None:
            raise ValueError("give gte, lte or both")
        if self.gte is not None and self.lte is not None and self.gte > self.lte:
            raise ValueError("gte must not be greater than lte")
        return self


class AnnotationCondition(_Node):
    """The span has (or, with exists false, has not) an annotation matching all of the
    given parts."""

    type: Literal["annotation"]
    label: Text | None = Field(
        default=None, description="Label (or free-form) name, ignoring case."
    )
    value: ValueMatch | None = None
    score: ScoreRange | None = None
    annotator: Text | None = Field(default=None, description="annotator_id, exactly.")
    source: Literal["human", "eval", "api"] | None = Field(
        default=None,
        description="human: people (dashboard or API); api: sent through the API only; "
        "eval: automated scores.",
    )
    exists: bool = Field(default=True, description="false: no such annotation.")


class NotesCondition(_Node):
    type: Literal["notes"]
    exists: bool = Field(default=True, description="false: spans without notes.")


class CorrectionCondition(_Node):
    type: Literal["correction"]
    exists: bool = Field(
        default=True, description="true: spans with a corrected output; false: without."
    )


class AgreementCondition(_Node):
    """Spans that two or more people annotated with a label, and whose values differ
    (agree false) or are all the same (agree true)."""

    type: Literal["agreement"]
    label: Text | None = Field(
        default=None, description="The label, ignoring case; any label if left out."
    )
    agree: bool = Field(
        description="false: the annotators disagree; true: two or more gave the same value."
    )


class GoldCondition(_Node):
    type: Literal["gold"]
    label: Text | None = Field(default=None, description="The label; any label if left out.")
    exists: bool = Field(
        default=True, description="true: spans with a gold value recorded; false: without."
    )


class AndCondition(_Node):
    type: Literal["and"]
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class OrCondition(_Node):
    type: Literal["or"]
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class NotCondition(_Node):
    type: Literal["not"]
    condition: Condition


Condition = Annotated[
    SpanCondition
    | TextCondition
    | AnnotationCondition
    | NotesCondition
    | CorrectionCondition
    | AgreementCondition
    | GoldCondition
    | AndCondition
    | OrCondition
    | NotCondition,
    Field(discriminator="type"),
]


class SpanFilter(_Node):
    """Which spans of a project: a time range and a tree of conditions."""

    project_id: str = Field(description="Project to search.")
    start_time: Timestamp | None = Field(default=None, description="Spans starting at or after.")
    end_time: Timestamp | None = Field(default=None, description="Spans starting before.")
    where: Condition | None = Field(default=None, description="Conditions on the spans.")


for _model in (AndCondition, OrCondition, NotCondition, SpanFilter):
    _model.model_rebuild()
