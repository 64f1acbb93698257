"""Annotations, notes and eval scores on the wire (native API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from annotrace.domain.labels import LabelType

Source = Literal["human", "api", "eval"]

# A JSON number: true and "0.8" are no scores (lax validation would read them as 1.0, 0.8).
Score = StrictFloat


class AnnotationCreate(BaseModel):
    """An annotation in the AgentMark shape: Name, Label, Score, Reason."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        description="Short title; when the project has a label of this name (ignoring case), "
        "the value is checked against it, otherwise the annotation is free-form."
    )
    label: str | list[str] | None = Field(
        default=None,
        description="Category or classification (e.g. `good`); for a categorical label one "
        "of its options (a list for multi-choice), for a text label the text, for a "
        "thumbs label thumbs_up or thumbs_down.",
    )
    score: Score | None = Field(
        default=None,
        description="Numeric value (decimals allowed); the value of numeric, "
        "star and (1 or 0) thumbs labels.",
    )
    reason: str | None = Field(default=None, description="Why this label and score.")
    annotator_id: str | None = Field(
        default=None,
        description="Who annotates. Required with API keys; a signed-in user is the annotator.",
    )


class AnnotationUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    label: str | list[str] | None = Field(default=None, description="New Label.")
    score: Score | None = Field(default=None, description="New Score.")
    reason: str | None = Field(default=None, description="New Reason.")


class AnnotationRead(BaseModel):
    id: str = Field(description="Public id, e.g. `ann_3f9a…`.")
    span_id: str = Field(description="Span the annotation is on.")
    trace_id: str = Field(description="Trace of the span.")
    project_id: str = Field(description="Project of the span.")
    name: str = Field(description="Name: the label's name, or a free-form name.")
    label_id: str | None = Field(description="The annotation label, if the name is one.")
    label_type: LabelType | None = Field(description="Type of the label, if any.")
    label_version: int | None = Field(description="Label version the value was given under.")
    value: Any = Field(
        description="Typed value: text, number, list of options or boolean; null when free-form."
    )
    label: str | None = Field(description="The Label view of the value.")
    score: float | None = Field(description="The Score view of the value.")
    reason: str | None = Field(description="Why.")
    annotator_id: str = Field(description="Who annotated (or which evaluator).")
    source: Source = Field(description="human (dashboard), api (bulk API) or eval (evaluator).")
    kind: Literal["annotation", "eval"] = Field(
        description='The badge the dashboard shows: "eval" for automated scores.'
    )
    run_id: str | None = Field(description="Eval run or experiment, for eval scores.")
    created_at: datetime = Field(description="When it was created (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The note.")
    annotator_id: str | None = Field(
        default=None, description="Who writes it. Required with API keys."
    )


class NoteRead(BaseModel):
    id: str = Field(description="Public id, e.g. `note_3f9a…`.")
    span_id: str = Field(description="Span the note is on.")
    text: str = Field(description="The note.")
    annotator_id: str = Field(description="Who wrote it.")
    created_at: datetime = Field(description="When it was written (UTC).")


class ScoreIn(BaseModel):
    """One automated evaluation result."""

    model_config = ConfigDict(extra="forbid")

    span_id: str = Field(description="Span that was evaluated (16 hex digits).")
    trace_id: str | None = Field(
        default=None, description="Its trace, needed only when the span id repeats."
    )
    name: str = Field(description="What was evaluated, e.g. `faithfulness`.")
    score: Score | None = Field(default=None, description="The score.")
    label: str | None = Field(default=None, description="The verdict, e.g. `pass`.")
    reason: str | None = Field(default=None, description="The evaluator's explanation.")
    evaluator: str = Field(description="Name of the evaluator; the annotator of the score.")
    run_id: str | None = Field(default=None, description="Eval run or experiment id.")


class ScoresCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: list[ScoreIn] = Field(description="Evaluation results, any number up to the limit.")


class ScoreError(BaseModel):
    index: int = Field(description="Position of the score in the request (0-based).")
    span_id: str = Field(description="Its span id.")
    error: str = Field(description="Why it was not stored.")


class ScoresResult(BaseModel):
    created: int = Field(description="Scores stored for the first time.")
    updated: int = Field(description="Scores that replaced an earlier one of the same evaluator.")
    unchanged: int = Field(description="Scores identical to the stored one.")
    errors: list[ScoreError] = Field(description="Scores that were refused, and why.")
