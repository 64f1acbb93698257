"""Properties of the span filter (`schemas.filters`) and its translation into SQL
(`services.search`), on both databases.

Random filter trees (and/or/not, every condition type, values drawn from the data and
hostile strings with %, _, quotes, backslashes and non-ASCII letters) over a small fixed
set of spans with annotations, notes and a correction: each selects exactly the spans a
reference evaluation in plain Python selects, with either plan a condition may take;
not(F) is the complement of F within the project, and(F, G) the intersection, or(F, G)
the union. Invalid filters get a 422 naming the part at fault, never a 500.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from annotrace.domain.spans import SpanKind, StatusCode
from annotrace.schemas.annotations import AnnotationCreate, NoteCreate, ScoreIn
from annotrace.schemas.corrections import CorrectionWrite
from annotrace.schemas.filters import (
    MAX_CONDITIONS,
    MAX_TEXT,
    AgreementCondition,
    AndCondition,
    AnnotationCondition,
    Condition,
    CorrectionCondition,
    GoldCondition,
    NotCondition,
    NotesCondition,
    OrCondition,
    SpanCondition,
    SpanFilter,
    TextCondition,
)
from annotrace.schemas.labels import LabelCreate
from annotrace.services import annotate, corrections, labels, notes, scores
from annotrace.services import search as search_service
from annotrace.services.bulk import bulk_annotate
from annotrace.services.keys import authenticate_key_pair
from annotrace.services.search import MAX_DEPTH, filter_conditions
from annotrace.storage.engine import Database
from annotrace.storage.models import Annotation, Correction, Note, Project, Span, Trace
from tests.conftest import headers_for, make_key_pair
from tests.properties import budget
from tests.storage.test_ingest import store
from tests.support.annotations import LABELS
from tests.support.spans import BASE_TIME, make_span

# --- the data set -------------------------------------------------------------------------

TRACES = [
    "0af7651916cd43dd8448eb211c80319c",
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "5b8efff798038103d269b633813fc60c",
    "a3ce929d0e0e47364bf92f3577b34da6",
]


@dataclass(frozen=True)
class Given:
    """A span of the data set, as sent."""

    name: str
    kind: SpanKind
    status: StatusCode
    trace: int
    input: str | None = None
    output: str | None = None
    model: str | None = None


SPANS = [
    Given("greet", SpanKind.CHAIN, StatusCode.OK, 0, input="Hello there"),
    Given(
        "ChatCompletion",
        SpanKind.LLM,
        StatusCode.OK,
        0,
        input="What is 100% of 5?",
        output="Your refund is on its way",
        model="gpt-4o",
    ),
    Given("lookup_order", SpanKind.TOOL, StatusCode.ERROR, 1, 'order "A_1"', "back\\slash / path"),
    Given(
        "ChatCompletion",
        SpanKind.LLM,
        StatusCode.UNSET,
        1,
        output="Sorry! O'Brien's café",
        model="claude",
    ),
    Given("retrieve", SpanKind.RETRIEVER, StatusCode.OK, 2, "ÉCOLE école", "日本語 🙂"),
    Given("plain", SpanKind.CHAIN, StatusCode.OK, 2),
    Given(
        "guard_rail%",
        SpanKind.GUARDRAIL,
        StatusCode.ERROR,
        3,
        "50%_off [sale]",
        "a\\%b",
        model="GPT-4O",
    ),
    Given("Straße", SpanKind.AGENT, StatusCode.OK, 3, "STRASSE straße", "ж Ж"),
]
# Spans of another project of the same workspace, annotated too: never found.
OTHER_SPANS = [
    Given("greet", SpanKind.CHAIN, StatusCode.OK, 0, input="Hello there"),
    Given("ChatCompletion", SpanKind.LLM, StatusCode.ERROR, 1, output="refund", model="gpt-4o"),
]


def _bulk(label: str, annotator: str, **value: Any) -> tuple[str, str, dict[str, Any]]:
    return label, annotator, value


# (span position, label, annotator, value key and value), sent through the bulk API.
BULK = [
    (0, _bulk("verdict", "ana", value_str_list=["good"])),
    (0, _bulk("stars", "ana", value_float=5)),
    # Text values that are also options of other labels.
    (0, _bulk("quality", "ben", value="billing")),
    (1, _bulk("quality", "ben", value="bad")),
    (3, _bulk("quality", "ana", value="refunds")),
    (5, _bulk("quality", "ben", value="Good")),
    (7, _bulk("quality", "ana", value="shipping")),
    (1, _bulk("verdict", "ana", value_str_list=["bad"])),
    (1, _bulk("verdict", "ben", value_str_list=["Good"])),
    (1, _bulk("thumbs", "ana", value_bool=True)),
    (2, _bulk("topics", "ana", value_str_list=["billing", "refunds"])),
    (2, _bulk("topics", "ben", value_str_list=["refunds", "billing"])),
    (2, _bulk("helpfulness", "O'Brien", value_float=2.5)),
    (3, _bulk("helpfulness", "ben", value_float=2.5)),
    (4, _bulk("quality", "ana", value="100% sure_thing")),
    (4, _bulk("stars", "100%", value_float=3)),
    (6, _bulk("topics", "ana", value_str_list=["shipping"])),
    (6, _bulk("thumbs", "ben", value_bool=False)),
    (6, _bulk("thumbs", "ana", value_bool=True)),
]
# (span position, name, label, score, evaluator): automated eval scores.
EVALS = [
    (3, "verdict", "good", 0.9, "judge"),
    (4, "faithfulness", None, 0.3, "judge"),
    (7, "faithfulness", None, 1.0, "judge"),
]
# (span position, name, label, score, annotator): free-form annotations from people.
FREE = [
    (5, "Tone", "friendly", None, "ana"),
    (7, "tone", "Friendly", 0.5, "ben"),
    (7, "TONE", "Friendly", 0.5, "ana"),
]
NOTES = [(5, "check", "ana"), (2, "100% wrong", "ben")]
CORRECTED = [1]


@dataclass
class Stored:
    """A span as stored, with what the reference evaluation reads of it."""

    span_id: str
    name: str
    kind: str
    status: str
    trace_id: str
    input: str | None
    output: str | None
    model: str | None
    start: datetime
    annotations: list[Annotation] = field(default_factory=list)
    notes: int = 0
    corrected: bool = False


@dataclass
class World:
    database: Database
    project_id: str
    project_rowid: int
    spans: list[Stored]
    fold: Callable[[str], str]
    headers: dict[str, str]

    def found(self, where: Any, **times: datetime) -> set[str]:
        """The span ids the filter selects, translated to SQL."""
        span_filter = SpanFilter.model_validate(
            {"project_id": self.project_id, "where": where, **times}
        )
        with self.database.read() as session:
            project = session.get_one(Project, self.project_rowid)
            conditions = filter_conditions(
                session=session, project=project, span_filter=span_filter
            )
            return set(session.scalars(select(Span.span_id).where(*conditions)))

    def expected(self, where: Any, **times: datetime) -> set[str]:
        """The span ids the reference evaluation selects."""
        span_filter = SpanFilter.model_validate(
            {"project_id": self.project_id, "where": where, **times}
        )
        return {
            span.span_id
            for span in self.spans
            if _in_time(span, span_filter)
            and (span_filter.where is None or holds(span_filter.where, span, self.fold))
        }


def _start(position: int) -> datetime:
    return BASE_TIME + timedelta(minutes=position)


def _span_id(project: int, position: int) -> str:
    return f"{project + 1:02x}{position + 1:014x}"


def _incoming(project: str, index: int, given: Given) -> Any:
    return make_span(
        trace=TRACES[given.trace] if project == "bot" else TRACES[given.trace][::-1],
        span=_span_id(0 if project == "bot" else 1, index),
        name=given.name,
        kind=given.kind,
        status=given.status,
        start=_start(index),
        project=project,
        input_value=given.input,
        output_value=given.output,
        model_name=given.model,
    )


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# How each database ignores case in LIKE (lower() on both sides): SQLite folds ASCII
# letters only; PostgreSQL (a UTF-8 database, C.UTF-8 here) folds every letter, as Python
# does for the letters the strategies below use.
FOLDS = {"sqlite": _ascii_lower, "postgresql": str.lower}


def build_world(database: Database) -> World:
    pair = make_key_pair(database)
    with database.read() as session:
        principal = authenticate_key_pair(
            session=session, api_key=pair.api_key, secret_key=pair.secret_key
        )
    store(database, principal, [_incoming("bot", i, g) for i, g in enumerate(SPANS)])
    store(database, principal, [_incoming("other", i, g) for i, g in enumerate(OTHER_SPANS)])
    with database.write() as session:
        projects = {p.name: p for p in session.scalars(select(Project))}
        for project in projects.values():
            for name, body in LABELS.items():
                labels.create_label(
                    session=session,
                    principal=principal,
                    project_id=project.id,
                    data=LabelCreate(name=name, **body),
                )
        label_ids = {
            (label.project_name, label.name): label.id
            for label in labels.list_labels(session=session, principal=principal)
        }

        def record(project: str, index: int, item: tuple[str, str, dict[str, Any]]) -> Any:
            name, annotator, value = item
            return {
                "observation_span_id": _span_id(0 if project == "bot" else 1, index),
                "annotations": [
                    {
                        "annotation_label_id": label_ids[(project, name)],
                        "annotator_id": annotator,
                        **value,
                    }
                ],
            }

        records = [record("bot", i, item) for i, item in BULK]
        records += [record("other", i, item) for i, item in BULK if i < len(OTHER_SPANS)]
        outcome = bulk_annotate(
            session=session, principal=principal, records=records, dry_run=False
        )
        assert not outcome.failed, [r.annotation_errors for r in outcome.failed]
        result = scores.log_scores(
            session=session,
            principal=principal,
            scores=[
                ScoreIn(span_id=_span_id(0, i), name=name, label=label, score=score, evaluator=who)
                for i, name, label, score, who in EVALS
            ],
        )
        assert not result.errors, result.errors
        for i, name, label, score, who in FREE:
            annotate.create_annotation(
                session=session,
                principal=principal,
                span_id=_span_id(0, i),
                data=AnnotationCreate(name=name, label=label, score=score, annotator_id=who),
                source="human",
            )
        for project, i, text, who in [*((0, *note) for note in NOTES), (1, 0, "other", "ana")]:
            notes.add_note(
                session=session,
                principal=principal,
                span_id=_span_id(project, i),
                data=NoteCreate(text=text, annotator_id=who),
            )
        for i in CORRECTED:
            corrections.set_correction(
                session=session,
                principal=principal,
                span_id=_span_id(0, i),
                data=CorrectionWrite(output="fixed", annotator_id="ana"),
            )
    return _snapshot(database, projects["bot"].id, headers_for(pair))


def _snapshot(database: Database, project_id: str, headers: dict[str, str]) -> World:
    """What the reference evaluation knows: the project's spans read back as stored."""
    with database.read() as session:
        project = session.scalars(select(Project).where(Project.id == project_id)).one()
        rows = session.execute(
            select(Span, Trace.trace_id)
            .join(Trace, Trace.trace_rowid == Span.trace_rowid)
            .where(Span.project_rowid == project.project_rowid)
        ).all()
        spans = {
            span.span_rowid: Stored(
                span_id=span.span_id,
                name=span.name,
                kind=span.kind,
                status=span.status_code,
                trace_id=trace_id,
                input=span.input_value,
                output=span.output_value,
                model=span.model_name,
                start=_start(int(span.span_id[2:], 16) - 1),
            )
            for span, trace_id in rows
        }
        for annotation in session.scalars(select(Annotation)):
            if annotation.span_rowid in spans:
                spans[annotation.span_rowid].annotations.append(annotation)
        for note in session.scalars(select(Note)):
            if note.span_rowid in spans:
                spans[note.span_rowid].notes += 1
        for correction in session.scalars(select(Correction)):
            if correction.span_rowid in spans:
                spans[correction.span_rowid].corrected = True
        session.expunge_all()
        dialect = session.connection().dialect.name
    return World(
        database=database,
        project_id=project_id,
        project_rowid=project.project_rowid,
        spans=sorted(spans.values(), key=lambda s: s.span_id),
        fold=FOLDS[dialect],
        headers=headers,
    )


# --- the reference evaluation -------------------------------------------------------------


def _in_time(span: Stored, span_filter: SpanFilter) -> bool:
    if span_filter.start_time is not None and span.start < span_filter.start_time:
        return False
    return span_filter.end_time is None or span.start < span_filter.end_time


def holds(condition: Condition, span: Stored, fold: Callable[[str], str]) -> bool:
    """Whether the condition selects the span, by the filter's documented meaning."""
    if isinstance(condition, AndCondition):
        return all(holds(c, span, fold) for c in condition.conditions)
    if isinstance(condition, OrCondition):
        return any(holds(c, span, fold) for c in condition.conditions)
    if isinstance(condition, NotCondition):
        return not holds(condition.condition, span, fold)
    if isinstance(condition, SpanCondition):
        return _span_holds(condition, span, fold)
    if isinstance(condition, TextCondition):
        texts = {"input": span.input, "output": span.output, "name": span.name}
        return any(
            texts[part] is not None and fold(condition.contains) in fold(texts[part] or "")
            for part in condition.within
        )
    if isinstance(condition, AnnotationCondition):
        found = any(_annotation_matches(condition, a) for a in span.annotations)
        return found == condition.exists
    if isinstance(condition, NotesCondition):
        return (span.notes > 0) == condition.exists
    if isinstance(condition, CorrectionCondition):
        return span.corrected == condition.exists
    if isinstance(condition, AgreementCondition):
        return _agreement(condition, span)
    assert isinstance(condition, GoldCondition)
    return not condition.exists  # the data set records no gold values


def _span_holds(condition: SpanCondition, span: Stored, fold: Callable[[str], str]) -> bool:
    values = condition.values if condition.op == "in" else [condition.value]
    wanted = [v for v in values if v is not None]
    if condition.field == "trace_id":
        wanted = [v.lower() for v in wanted]
        column: str | None = span.trace_id
    else:
        column = {
            "kind": span.kind,
            "name": span.name,
            "status": span.status,
            "model": span.model,
        }[condition.field]
        if condition.field in ("kind", "status"):
            wanted = [v.upper() for v in wanted]
    if column is None:
        return False
    if condition.op == "contains":
        return fold(wanted[0]) in fold(column)
    return column in wanted


def _annotation_matches(condition: AnnotationCondition, annotation: Annotation) -> bool:
    if condition.label is not None and (
        annotation.name.casefold() != condition.label.strip().casefold()
    ):
        return False
    match = condition.value
    if match is not None:
        if match.op == "eq" and annotation.label != match.value:
            return False
        if match.op == "in" and annotation.label not in (match.values or []):
            return False
        if match.op == "contains" and not (
            isinstance(annotation.value, list) and match.value in annotation.value
        ):
            return False
    if condition.score is not None:
        if annotation.score is None:
            return False
        if condition.score.gte is not None and annotation.score < condition.score.gte:
            return False
        if condition.score.lte is not None and annotation.score > condition.score.lte:
            return False
    if condition.annotator is not None and annotation.annotator_id != condition.annotator:
        return False
    if condition.source is not None:
        sources = ("human", "api") if condition.source == "human" else (condition.source,)
        if annotation.source not in sources:
            return False
    return True


def _agreement(condition: AgreementCondition, span: Stored) -> bool:
    """Two or more people gave a label on the span, all alike (agree) or not."""
    groups: dict[str, list[tuple[str, float | None]]] = {}
    for a in span.annotations:
        if a.source == "eval":
            continue
        if condition.label is not None and a.name.casefold() != condition.label.strip().casefold():
            continue
        # Options of a multi-choice value compare as a set.
        label = ", ".join(sorted(a.value)) if isinstance(a.value, list) else (a.label or "")
        groups.setdefault(a.name.casefold(), []).append((label, a.score))
    return any(
        len(given) >= 2 and (len(set(given)) == 1) == condition.agree for given in groups.values()
    )


# --- strategies ---------------------------------------------------------------------------

# Letters whose case each database folds as FOLDS says, and the characters LIKE, JSON,
# SQL strings and FTS5 phrases treat specially.
ALPHABET = "aAbeEgGoOrRsStT0159 %_'\"\\/[]^*?{}:-.,!\t\nÉéßжЖ日🙂"
hostile = st.text(ALPHABET, min_size=1, max_size=6)


def _substrings(texts: list[str]) -> st.SearchStrategy[str]:
    def cut(text: str, start: int, length: int) -> str:
        start %= len(text)
        return text[start : start + max(1, length)]

    return st.builds(cut, st.sampled_from(texts), st.integers(0, 40), st.integers(1, 8))


SPAN_TEXTS = [t for g in SPANS for t in (g.name, g.input, g.output, g.model) if t]
texts = st.one_of(
    st.sampled_from(SPAN_TEXTS),
    _substrings(SPAN_TEXTS),
    st.sampled_from(SPAN_TEXTS).map(str.upper),
    hostile,
)
KINDS = [kind.value for kind in SpanKind]
kinds = st.sampled_from(KINDS) | st.sampled_from(KINDS).map(str.lower) | hostile
statuses = st.sampled_from(["OK", "ERROR", "UNSET", "error", "Ok"]) | hostile
models = st.sampled_from(["gpt-4o", "GPT-4O", "claude", "gpt"]) | hostile
trace_ids = st.sampled_from(TRACES) | st.sampled_from(TRACES).map(str.upper) | _substrings(TRACES)
LABEL_NAMES = [*LABELS, "Verdict", " topics ", "Tone", "faithfulness", "nope"]
label_names = st.sampled_from(LABEL_NAMES) | hostile
VALUES = [
    "good",
    "Good",
    "bad",
    "meh",
    "billing",
    "refunds",
    "shipping",
    "billing, refunds",
    "thumbs_up",
    "thumbs_down",
    "friendly",
    "Friendly",
    "100% sure_thing",
    "100%",
]
# Mostly values the data holds, so that value conditions select something.
values = st.integers(0, 3).flatmap(lambda n: st.sampled_from(VALUES) if n else hostile)
annotators = st.sampled_from(["ana", "ben", "judge", "O'Brien", "100%", "Ana"]) | hostile
bounds = st.sampled_from([-1.0, 0.0, 0.3, 0.5, 0.9, 1.0, 2.5, 3.0, 5.0]) | st.floats(-10, 10)


def _operands(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries({"op": st.just("eq"), "value": strategy}),
        st.fixed_dictionaries({"op": st.just("contains"), "value": strategy}),
        st.fixed_dictionaries(
            {"op": st.just("in"), "values": st.lists(strategy, min_size=1, max_size=3)}
        ),
    )


span_conditions = st.one_of(
    *(
        st.builds(
            lambda field, operands: {"type": "span", "field": field, **operands},
            st.just(f),
            _operands(s),
        )
        for f, s in [
            ("kind", kinds),
            ("name", texts),
            ("status", statuses),
            ("model", models),
            ("trace_id", trace_ids),
        ]
    )
)
text_conditions = st.fixed_dictionaries(
    {"type": st.just("text"), "contains": texts},
    optional={
        "within": st.lists(st.sampled_from(["input", "output", "name"]), min_size=1, max_size=3)
    },
)


@st.composite
def score_ranges(draw: st.DrawFn) -> dict[str, float]:
    low, high = sorted(draw(st.lists(bounds, min_size=2, max_size=2)))
    return {k: v for k, v in (("gte", low), ("lte", high)) if draw(st.booleans())} or {"gte": low}


ANNOTATION_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "label": label_names,
    "value": _operands(values),
    "score": score_ranges(),
    "annotator": annotators,
    "source": st.sampled_from(["human", "eval", "api"]),
    "exists": st.booleans(),
}


@st.composite
def annotation_conditions(draw: st.DrawFn) -> dict[str, Any]:
    # A part or two at a time: with all of them, hardly any annotation matches.
    parts = draw(st.sets(st.sampled_from(sorted(ANNOTATION_PARTS)), max_size=2))
    return {"type": "annotation", **{part: draw(ANNOTATION_PARTS[part]) for part in parts}}


@dataclass(frozen=True)
class Fact:
    """An annotation of the data set, as sent: what a condition aimed at it may name."""

    name: str
    annotator: str
    source: str
    texts: tuple[str, ...]  # its options, text or Label
    score: float | None


def _facts() -> list[Fact]:
    facts = []
    for _, (name, annotator, value) in BULK:
        ((key, given),) = value.items()
        texts = {
            "value_str_list": tuple(given) if key == "value_str_list" else (),
            "value": (given,),
            "value_bool": ("thumbs_up" if given else "thumbs_down",),
        }.get(key, ())
        score = float(given) if key in ("value_float", "value_bool") else None
        facts.append(Fact(name, annotator, "api", texts, score))
    facts += [Fact(n, who, "eval", (lbl,) if lbl else (), sc) for _, n, lbl, sc, who in EVALS]
    facts += [Fact(n, who, "human", (lbl,), sc) for _, n, lbl, sc, who in FREE]
    return facts


@st.composite
def aimed_conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A condition built from parts of one annotation of the data set (a few of them,
    some changed): conditions that select something, and differ in one part from one
    that selects something else."""
    fact = draw(st.sampled_from(_facts()))
    parts: dict[str, Any] = {
        "label": draw(st.sampled_from([fact.name, fact.name.upper(), f" {fact.name} "])),
        "annotator": fact.annotator,
        "source": "human" if fact.source == "api" else fact.source,
        "exists": draw(st.booleans()),
    }
    if fact.score is not None:
        below, above = draw(st.sampled_from([(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (-0.1, 1.0)]))
        parts["score"] = {"gte": fact.score - below, "lte": fact.score + above}
    kept = draw(st.sets(st.sampled_from(sorted(parts)), max_size=2))
    condition = {"type": "annotation", **{part: parts[part] for part in kept}}
    if fact.texts and draw(st.integers(0, 3)):  # values are where the types differ most
        text = draw(st.sampled_from(fact.texts))
        options = [
            {"op": "eq", "value": text},
            {"op": "contains", "value": text},
            {"op": "in", "values": [text, draw(values)]},
        ]
        if len(fact.texts) > 1:
            options.append({"op": "eq", "value": ", ".join(fact.texts)})
        condition["value"] = draw(st.sampled_from(options))
    return condition


leaves = st.one_of(
    span_conditions,
    text_conditions,
    # Conditions on annotations have the most parts, and the most ways to go wrong.
    annotation_conditions(),
    aimed_conditions(),
    aimed_conditions(),
    aimed_conditions(),
    st.fixed_dictionaries({"type": st.just("notes")}, optional={"exists": st.booleans()}),
    st.fixed_dictionaries({"type": st.just("correction")}, optional={"exists": st.booleans()}),
    st.fixed_dictionaries(
        {"type": st.just("agreement"), "agree": st.booleans()}, optional={"label": label_names}
    ),
    st.fixed_dictionaries(
        {"type": st.just("gold")}, optional={"label": label_names, "exists": st.booleans()}
    ),
)


def _depth(tree: dict[str, Any]) -> int:
    if tree["type"] in ("and", "or"):
        return 1 + max(_depth(c) for c in tree["conditions"])
    if tree["type"] == "not":
        return 1 + _depth(tree["condition"])
    return 1


trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(
            lambda kind, conditions: {"type": kind, "conditions": conditions},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.builds(lambda condition: {"type": "not", "condition": condition}, inner),
    ),
    max_leaves=6,
).filter(lambda tree: _depth(tree) <= MAX_DEPTH)

# Both ways a condition can be written (services/search.py): the set of matching spans
# (taken when matches are few) and EXISTS per span (when they are many).
PLANS = {"set of matches": 10**9, "per span": 0}


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


@pytest.fixture
def plan(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    return lambda name: monkeypatch.setattr(search_service, "FEW_MATCHES", PLANS[name])


times = st.sampled_from([None, *(_start(i) for i in range(-1, len(SPANS) + 1))]) | st.none()


# --- properties ---------------------------------------------------------------------------


def _found_before(where: dict[str, Any], chosen_plan: str = "per span") -> Any:
    """A filter that once selected the wrong spans (kept whatever the random draw)."""
    return example(where=where, chosen_plan=chosen_plan, start=None, end=None)


@budget(150)
@given(
    where=trees,
    chosen_plan=st.sampled_from(sorted(PLANS)),
    start=times,
    end=times,
)
# Spans without a model or an input: NULL in SQL, and NOT NULL is no match either.
@_found_before(
    {"type": "not", "condition": {"type": "span", "field": "model", "op": "eq", "value": "gpt-4o"}}
)
@_found_before(
    {"type": "not", "condition": {"type": "text", "contains": "o", "within": ["input"]}},
    "set of matches",
)
# On SQLite, json_each of a text value is the text: "contains" matched text annotations.
@_found_before({"type": "annotation", "value": {"op": "contains", "value": "billing"}})
def test_filters_select_what_the_reference_evaluation_selects(
    world: World,
    plan: Callable[[str], None],
    where: dict[str, Any],
    chosen_plan: str,
    start: datetime | None,
    end: datetime | None,
) -> None:
    plan(chosen_plan)
    window = {k: v for k, v in (("start_time", start), ("end_time", end)) if v is not None}
    assert world.found(where, **window) == world.expected(where, **window)


@budget(35)
@given(first=trees, second=trees, chosen_plan=st.sampled_from(sorted(PLANS)))
def test_not_and_or_are_complement_intersection_and_union(
    world: World,
    plan: Callable[[str], None],
    first: dict[str, Any],
    second: dict[str, Any],
    chosen_plan: str,
) -> None:
    plan(chosen_plan)
    everything = world.found(None)
    assert len(everything) == len(SPANS)  # the project's spans, not the other project's
    f, g = world.found(first), world.found(second)
    assert world.found({"type": "not", "condition": first}) == everything - f
    assert world.found({"type": "and", "conditions": [first, second]}) == f & g
    assert world.found({"type": "or", "conditions": [first, second]}) == f | g


# --- invalid filters through the API ------------------------------------------------------


def _nodes(tree: dict[str, Any], path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every condition of the tree with its location as the API's errors name it."""
    yield tree, path
    if tree["type"] in ("and", "or"):
        for index, child in enumerate(tree["conditions"]):
            yield from _nodes(child, f"{path}.{tree['type']}.conditions[{index}]")
    elif tree["type"] == "not":
        yield from _nodes(tree["condition"], f"{path}.not.condition")


_SPAN = "body.filter.where.span"
_ANNOTATION = "body.filter.where.annotation"
NUL_TEXTS = st.builds(lambda text, at: text[:at] + "\x00" + text[at:], hostile, st.integers(0, 6))


@st.composite
def broken(draw: st.DrawFn, node: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The node made invalid in one way, and the location the refusal must name."""
    kind = node["type"]
    here = f"{path}.{kind}"
    general = [
        ("colour", "red", f"{here}.colour"),
        ("type", draw(st.sampled_from(["nope", "AND", "", 5, None])), path),
    ]
    strings = {
        "span": ["value"] if node.get("op") != "in" else [],
        "text": ["contains"],
        "annotation": ["label", "annotator"],
        "agreement": ["label"],
        "gold": ["label"],
    }.get(kind, [])
    bad_text = draw(
        NUL_TEXTS | st.just("x" * (MAX_TEXT + 1)) | st.sampled_from([5, 1.5, True, ["x"], {"a": 1}])
    )
    specific = [(key, bad_text, f"{here}.{key}") for key in strings]
    if kind == "span":
        specific.append(("field", draw(st.sampled_from(["colour", "KIND", 3])), f"{here}.field"))
        if node.get("op") == "in":
            specific.append(("values", [draw(NUL_TEXTS)], f"{here}.values[0]"))
    if kind in ("and", "or"):
        many = [{"type": "notes"}] * (MAX_CONDITIONS + 1)
        specific.append(
            ("conditions", draw(st.sampled_from([[], many, "all"])), f"{here}.conditions")
        )
    if kind in ("annotation", "notes", "correction", "gold"):
        specific.append(("exists", draw(st.sampled_from(["maybe", 2, None, []])), f"{here}.exists"))
    if kind == "annotation":
        specific += [
            ("score", {"gte": 3, "lte": 1}, f"{here}.score"),
            (
                "score",
                {"gte": draw(st.sampled_from([math.nan, math.inf, -math.inf]))},
                f"{here}.score.gte",
            ),
            ("value", {"op": "eq"}, f"{here}.value"),
            ("source", "people", f"{here}.source"),
        ]
    key, value, location = draw(st.sampled_from(general + specific))
    return {**node, key: value}, location


@st.composite
def invalid_filters(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid tree with one condition broken (or nested too deep), and the location
    the refusal must name."""
    tree = copy.deepcopy(draw(trees))
    nodes = list(_nodes(tree, "body.filter.where"))
    node, path = nodes[draw(st.integers(0, len(nodes) - 1))]
    if draw(st.integers(0, 9)) == 0:
        deep: dict[str, Any] = copy.deepcopy(node)
        for _ in range(MAX_DEPTH):
            deep = {"type": "not", "condition": deep}
        node.clear()
        node.update(deep)
        return tree, "where"
    replaced, location = draw(broken(node, path))
    node.clear()
    node.update(replaced)
    return tree, location


@pytest.fixture
def api(app: FastAPI, world: World) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _search(api: TestClient, world: World, where: Any) -> Any:
    body = {"filter": {"project_id": world.project_id, "where": where}}
    # Python's JSON, as a client may send it: NaN and infinities included.
    headers = {**world.headers, "Content-Type": "application/json"}
    return api.post("/api/v1/spans/search", content=json.dumps(body), headers=headers)


@budget(40)
@given(case=invalid_filters())
# NUL: SQLite found nothing (or failed in its full-text index), PostgreSQL refused it.
@example(case=({"type": "span", "field": "name", "op": "eq", "value": "a\x00"}, f"{_SPAN}.value"))
@example(case=({"type": "text", "contains": "ab\x00c"}, "body.filter.where.text.contains"))
@example(case=({"type": "annotation", "score": {"lte": math.nan}}, f"{_ANNOTATION}.score.lte"))
def test_invalid_filters_are_refused_naming_the_part_at_fault(
    api: TestClient, world: World, case: tuple[dict[str, Any], str]
) -> None:
    where, location = case
    response = _search(api, world, where)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] is not None
    assert error["field"].startswith(location), (error["field"], location)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ALPHABET + "\x00"),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "conditions",
                    "condition",
                    "field",
                    "op",
                    "value",
                    "values",
                    "label",
                    "contains",
                    "exists",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)


@budget(30)
@given(where=json_values)
def test_any_json_as_a_filter_is_answered_without_a_server_error(
    api: TestClient, world: World, where: Any
) -> None:
    response = _search(api, world, where)
    assert response.status_code in (200, 422), response.text
