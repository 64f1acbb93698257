"""Annotation queues on the wire: queues, their items, the work on them, gold values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from annotrace.domain.labels import LabelType
from annotrace.schemas.common import Timestamp
from annotrace.schemas.filters import Condition
from annotrace.schemas.traces import SpanRead

MAX_QUEUE_LABELS = 50
MAX_MEMBERS = 1_000
MAX_SPAN_IDS = 10_000
MAX_SAMPLE = 100_000
MAX_INSTRUCTIONS = 50_000
MAX_ANNOTATORS_PER_ITEM = 50
MAX_RESERVATION_SECONDS = 24 * 3600
DEFAULT_RESERVATION_SECONDS = 600

QueueStatus = Literal["active", "paused", "archived"]
ItemStatus = Literal["pending", "in_progress", "completed", "skipped"]
AnnotatorId = Annotated[str, Field(min_length=1, max_length=255)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueLabelChoice(_Strict):
    """A label the queue's annotators fill: by id, or by its name in the project."""

    label_id: str | None = Field(default=None, description="Id of a label of the project.")
    name: str | None = Field(default=None, description="Or the label's name, ignoring case.")
    required: bool = Field(default=True, description="Whether every submission must fill it.")

    @model_validator(mode="after")
    def _one_of(self) -> QueueLabelChoice:
        if (self.label_id is None) == (self.name is None):
            raise ValueError("give label_id or name (one of them)")
        return self


class ItemFilter(_Strict):
    """Spans of the queue's project, chosen as the span filter chooses them."""

    start_time: Timestamp | None = Field(default=None, description="Spans starting at or after.")
    end_time: Timestamp | None = Field(default=None, description="Spans starting before.")
    where: Condition | None = Field(default=None, description="Conditions on the spans.")


class GoldItem(_Strict):
    """A span with known answers: mixed into the queue unseen, to measure annotators."""

    span_id: str = Field(description="The span (of the queue's project).")
    trace_id: str | None = Field(
        default=None, description="Its trace, if the span id is not unique."
    )
    values: list[LabelValue] = Field(
        min_length=1, max_length=MAX_QUEUE_LABELS, description="The right value of each label."
    )


class ItemsAdd(_Strict):
    """Spans to add: listed by id, chosen by a filter (all of them, or a random sample),
    or gold items with their answers. Spans already in the queue are left as they are."""

    span_ids: list[str] | None = Field(
        default=None, max_length=MAX_SPAN_IDS, description="Span ids of the queue's project."
    )
    filter: ItemFilter | None = Field(
        default=None, description="Every span the filter selects (across all pages)."
    )
    sample: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SAMPLE,
        description="With `filter`: a random sample of this many of its spans.",
    )
    gold: list[GoldItem] | None = Field(
        default=None, max_length=MAX_SPAN_IDS, description="Gold items, with known answers."
    )

    @model_validator(mode="after")
    def _some(self) -> ItemsAdd:
        given = [x for x in (self.span_ids, self.filter, self.gold) if x is not None]
        if not given:
            raise ValueError("give span_ids, filter or gold")
        if self.sample is not None and self.filter is None:
            raise ValueError("sample needs a filter to sample from")
        return self


class QueueCreate(_Strict):
    project_id: str = Field(description="Project whose spans the queue reviews.")
    name: str = Field(min_length=1, max_length=200, description="Unique in the project.")
    instructions: str = Field(
        default="", max_length=MAX_INSTRUCTIONS, description="For annotators, in Markdown."
    )
    labels: list[QueueLabelChoice] = Field(
        min_length=1, max_length=MAX_QUEUE_LABELS, description="Labels to fill, in order."
    )
    annotators: list[AnnotatorId] | None = Field(
        default=None,
        max_length=MAX_MEMBERS,
        description="Annotator ids (dashboard users' emails) who work the queue; null: "
        "everyone who may annotate.",
    )
    reviewers: list[AnnotatorId] = Field(
        default_factory=list,
        max_length=MAX_MEMBERS,
        description="Who may record gold values besides admins.",
    )
    annotators_per_item: int = Field(
        default=1, ge=1, le=MAX_ANNOTATORS_PER_ITEM, description="Annotators each item needs."
    )
    reservation_seconds: int = Field(
        default=DEFAULT_RESERVATION_SECONDS,
        ge=1,
        le=MAX_RESERVATION_SECONDS,
        description="How long an item handed out stays reserved for its annotator.",
    )
    items: ItemsAdd | None = Field(default=None, description="Items to start with.")


class QueueUpdate(_Strict):
    """Fields to change; those left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=MAX_INSTRUCTIONS)
    status: QueueStatus | None = Field(
        default=None, description="active, paused (nothing handed out) or archived."
    )
    labels: list[QueueLabelChoice] | None = Field(
        default=None, min_length=1, max_length=MAX_QUEUE_LABELS
    )
    annotators: list[AnnotatorId] | None = Field(
        default=None, max_length=MAX_MEMBERS, description="null: everyone who may annotate."
    )
    reviewers: list[AnnotatorId] | None = Field(default=None, max_length=MAX_MEMBERS)
    annotators_per_item: int | None = Field(default=None, ge=1, le=MAX_ANNOTATORS_PER_ITEM)
    reservation_seconds: int | None = Field(default=None, ge=1, le=MAX_RESERVATION_SECONDS)


class QueueLabelRead(BaseModel):
    label_id: str
    name: str
    type: LabelType
    description: str
    settings: dict[str, Any]
    required: bool


class AnnotatorProgress(BaseModel):
    annotator_id: str
    completed: int = Field(description="Items they completed (gold items included).")
    skipped: int = Field(description="Items they skipped.")
    in_progress: int = Field(description="Items reserved for them now.")


class QueueProgress(BaseModel):
    """Items by state. Gold items are counted apart: they measure annotators."""

    total: int = Field(description="Items, gold items left out.")
    pending: int = Field(description="Nobody has started them.")
    in_progress: int = Field(description="Reserved now, or done by fewer annotators than needed.")
    completed: int = Field(description="Done by as many annotators as each item needs.")
    skipped: int = Field(description="Skipped, and not started by anyone else.")
    gold: int = Field(description="Gold items.")
    done: bool = Field(description="Every item is completed.")
    annotators: list[AnnotatorProgress] = Field(description="Per annotator.")


class QueueRead(BaseModel):
    id: str = Field(description="Public id, e.g. `que_3f9a…`.")
    project_id: str
    name: str
    instructions: str = Field(description="Markdown.")
    status: QueueStatus
    done: bool = Field(description="Every item is completed.")
    labels: list[QueueLabelRead]
    annotators: list[str] | None = Field(description="null: everyone who may annotate.")
    reviewers: list[str]
    annotators_per_item: int
    reservation_seconds: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    progress: QueueProgress


class ItemsAdded(BaseModel):
    added: int = Field(description="Spans added now.")
    already_in_queue: int = Field(description="Spans left out: they were in the queue.")
    total: int = Field(description="Items in the queue now, gold items included.")


class QueueItemRead(BaseModel):
    id: str = Field(description="Public id, e.g. `qit_3f9a…`.")
    span_id: str
    trace_id: str
    status: ItemStatus
    gold: bool
    completions: int = Field(description="Annotators who completed it.")
    added_at: datetime
    completed_at: datetime | None


class WorkerRequest(_Strict):
    annotator_id: AnnotatorId = Field(description="Who is working.")


class LabelValue(_Strict):
    """A value of one of the queue's labels, typed as the label's type takes it: text,
    a number (numeric, star), a list of options (categorical; one option may be a plain
    string), true or false (thumbs)."""

    label_id: str | None = Field(default=None, description="The label, by id.")
    name: str | None = Field(default=None, description="Or by name.")
    value: Any = Field(description="The value; null leaves an optional label unfilled.")
    reason: str | None = Field(default=None, description="Why.")

    @model_validator(mode="after")
    def _one_of(self) -> LabelValue:
        if (self.label_id is None) == (self.name is None):
            raise ValueError("give label_id or name (one of them)")
        return self


class Submission(_Strict):
    annotator_id: AnnotatorId = Field(description="Who annotated.")
    values: list[LabelValue] = Field(max_length=MAX_QUEUE_LABELS, description="All at once.")


class GoldWrite(_Strict):
    values: list[LabelValue] = Field(
        min_length=1, max_length=MAX_QUEUE_LABELS, description="The gold value of each label."
    )
    annotator_id: AnnotatorId | None = Field(
        default=None, description="Who decides; required with API keys."
    )


class GoldRead(BaseModel):
    label_id: str
    name: str
    value: Any
    label: str | None
    score: float | None
    reason: str | None
    decided_by: str
    updated_at: datetime


class GivenValue(BaseModel):
    """One annotator's value of a label on an item."""

    label_id: str
    name: str
    annotator_id: str
    value: Any
    label: str | None
    score: float | None
    reason: str | None


class WorkItem(BaseModel):
    """An item as its annotator works it: the span, the labels, what they gave before."""

    item: QueueItemRead
    span: SpanRead
    labels: list[QueueLabelRead]
    reserved_until: datetime | None = Field(
        description="Until when it is reserved for this annotator; null once finished."
    )
    assignment: Literal["reserved", "completed", "skipped"]
    values: list[GivenValue] = Field(description="This annotator's values, if any.")


class NextItem(BaseModel):
    item: WorkItem | None = Field(description="null: nothing is left for this annotator.")
    message: str | None = Field(default=None, description="Why nothing was handed out.")


class LabelAgreement(BaseModel):
    label_id: str
    name: str
    type: LabelType
    level: Literal["nominal", "interval"]
    items: int = Field(description="Items with values from two or more annotators.")
    annotators: int
    percent_agreement: float | None
    cohen_kappa: float | None = Field(description="Only with exactly two annotators.")
    krippendorff_alpha: float | None
    pairs: list[dict[str, Any]] = Field(description="Each pair of annotators.")
    disagreements: int = Field(description="Items where the values differ.")
    distribution: dict[str, dict[str, int]] = Field(
        description="Per annotator: how many times each value was given."
    )


class QueueAgreement(BaseModel):
    queue_id: str
    labels: list[LabelAgreement]


class AccuracyOfDay(BaseModel):
    day: date = Field(description="The UTC day the gold items were completed.")
    values: int
    correct: int
    accuracy: float | None


class AnnotatorAccuracy(BaseModel):
    annotator_id: str
    gold_items: int = Field(description="Gold items they completed.")
    values: int = Field(description="Values compared with gold values.")
    correct: int
    accuracy: float | None
    by_day: list[AccuracyOfDay] = Field(description="The same, day by day, oldest first.")


class Disagreement(BaseModel):
    """An item where annotators gave different values, side by side, with any gold value."""

    item_id: str
    span_id: str
    trace_id: str
    label_id: str
    name: str
    values: list[GivenValue]
    gold: GoldRead | None


GoldItem.model_rebuild()
