"""Properties of label value validation (`annotrace.domain.labels`) and of the paths that
use it: every value a label's settings allow is accepted and normalised idempotently;
every other value is refused with a ValueProblem that names the label (InvalidInput
naming the field, on the way into an annotation), never another exception; bad settings
are refused naming the setting at fault. The last tests send random values through the
compatible bulk API and the native API, on both databases: never a 5xx, and a refused
value stores nothing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import assume, example, given
from hypothesis import strategies as st

from annotrace.domain.labels import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_STARS,
    MAX_STEPS,
    MAX_TEXT_LENGTH,
    VALUE_KEYS,
    LabelSpec,
    LabelType,
    TypedValue,
    ValueProblem,
    typed_value,
    validate_settings,
    value_from_agentmark,
    value_from_bulk,
)
from annotrace.errors import InvalidInput
from annotrace.services.annotate import draft_annotation
from annotrace.services.labels import LabelRef
from annotrace.services.traces import SpanRef
from annotrace.storage.engine import Database
from tests.properties import budget
from tests.storage.test_ingest import principal_of, store
from tests.support.annotations import LABELS
from tests.support.spans import make_trace

TEXT, NUMERIC, CATEGORICAL = LabelType.TEXT, LabelType.NUMERIC, LabelType.CATEGORICAL
STAR, THUMBS = LabelType.STAR, LabelType.THUMBS

# --- strategies ---------------------------------------------------------------------------

# JSON integers have no size limit, and Python's json reads them all.
HUGE = st.sampled_from([10**400, -(10**400), 2**1024, -(2**1024) - 1])
NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
json_scalars = st.none() | st.booleans() | st.integers() | HUGE | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# Text the databases can store: UTF-8 (no lone surrogates), no NUL.
storable_text = st.characters(codec="utf-8", exclude_characters="\x00")
# What stored text may not hold.
unstorable = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"])
label_names = st.text(storable_text, min_size=1, max_size=20).filter(str.strip)
padding = st.sampled_from(["", " ", "  ", "\t", "\n "])

SETTING_KEYS = [
    "placeholder",
    "min_length",
    "max_length",
    "min",
    "max",
    "step_size",
    "display_type",
    "options",
    "multi_choice",
    "no_of_stars",
    "colour",
]


@st.composite
def text_settings(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(0, 30))
    raw = {
        "min_length": low,
        "max_length": draw(st.integers(max(1, low), 60)),
        "placeholder": draw(st.text(storable_text, max_size=20)),
    }
    kept = draw(st.sets(st.sampled_from(sorted(raw))))
    return {key: raw[key] for key in kept}


moderate_numbers = st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6, allow_nan=False)
any_finite_numbers = st.integers(-(10**300), 10**300) | st.floats(
    allow_nan=False, allow_infinity=False
)
DECIMAL_STEPS = [0.001, 0.01, 0.1, 0.25, 0.5, 1, 2, 5, 10, 100]


@st.composite
def numeric_settings(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(moderate_numbers | any_finite_numbers)
    # A width of its own: ranges narrow for their magnitude are where rounding shows.
    high = low + draw(st.integers(1, 10**6) | st.floats(1e-3, 1e6) | any_finite_numbers)
    assume(math.isfinite(high) and low < high)
    raw: dict[str, Any] = {"min": low, "max": high}
    width = float(high) - float(low)
    kind = draw(st.sampled_from(["none", "division", "decimal"]))
    if kind != "none" and math.isfinite(width):
        step = (
            width / draw(st.integers(1, 1_000))
            if kind == "division"
            else draw(st.sampled_from(DECIMAL_STEPS))
        )
        if step > 0 and width / step <= MAX_STEPS / 2:
            raw["step_size"] = step
    if draw(st.booleans()):
        raw["display_type"] = draw(st.sampled_from(["slider", "button"]))
    return raw


@st.composite
def categorical_settings(draw: st.DrawFn) -> dict[str, Any]:
    texts = draw(
        st.lists(
            st.builds(
                lambda left, text, right: left + text + right,
                padding,
                st.text(storable_text, min_size=1, max_size=30).filter(str.strip),
                padding,
            ),
            min_size=2,
            max_size=8,
            unique_by=lambda text: text.strip().casefold(),
        )
    )
    raw: dict[str, Any] = {
        "options": [draw(st.sampled_from([text, {"label": text}])) for text in texts]
    }
    if draw(st.booleans()):
        raw["multi_choice"] = draw(st.booleans())
    return raw


def star_settings() -> st.SearchStrategy[dict[str, Any]]:
    return st.just({}) | st.builds(lambda n: {"no_of_stars": n}, st.integers(1, MAX_STARS))


SETTINGS: dict[LabelType, st.SearchStrategy[dict[str, Any]]] = {
    TEXT: text_settings(),
    NUMERIC: numeric_settings(),
    CATEGORICAL: categorical_settings(),
    STAR: star_settings(),
    THUMBS: st.just({}),
}


@st.composite
def labels(draw: st.DrawFn, kinds: tuple[LabelType, ...] = tuple(LabelType)) -> LabelSpec:
    """A label as stored: settings that passed validation."""
    kind = draw(st.sampled_from(kinds))
    settings = validate_settings(kind, draw(SETTINGS[kind]))
    return LabelSpec(name=draw(label_names), type=kind, settings=settings)


def _case_variant(draw: st.DrawFn, option: str) -> str:
    """The option as an annotator may type it: another case, spaces around."""
    variant = draw(st.sampled_from([str.upper, str.lower, str.swapcase, str]))(option)
    if variant.casefold() != option.casefold():  # a few letters change length or meaning
        variant = option
    return draw(padding) + variant + draw(padding)


@st.composite
def valid_values(draw: st.DrawFn, spec: LabelSpec) -> tuple[Any, Any]:
    """A value the label takes, and what it is normalised to."""
    settings = spec.settings
    if spec.type is TEXT:
        low, high = settings["min_length"], settings["max_length"]
        text = draw(st.text(storable_text, min_size=low, max_size=min(high, low + 40)))
        return text, text
    if spec.type is NUMERIC:
        number = draw(_numbers_on(settings))
        return number, float(number)
    if spec.type is CATEGORICAL:
        options: list[str] = settings["options"]
        count = len(options) if settings["multi_choice"] else 1
        chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=count, unique=True))
        return [_case_variant(draw, option) for option in chosen], chosen
    if spec.type is STAR:
        stars = draw(st.integers(1, settings["no_of_stars"]))
        return draw(st.sampled_from([stars, float(stars)])), float(stars)
    thumb = draw(st.booleans())
    return thumb, thumb


def _numbers_on(settings: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, step = settings["min"], settings["max"], settings["step_size"]
    if step is None:
        inside = st.floats(float(low), float(high)).filter(lambda x: low <= x <= high)
        if math.ceil(low) <= math.floor(high):
            inside |= st.integers(math.ceil(low), math.floor(high))
        return st.sampled_from([low, high]) | inside
    steps = math.floor((float(high) - float(low)) / step)
    # What a client computes: the minimum plus a whole number of steps, in floating point.
    on_step = st.integers(0, steps).map(lambda k: low + k * step).filter(lambda x: low <= x <= high)
    return st.sampled_from([low, high]) | on_step


@st.composite
def invalid_values(draw: st.DrawFn, spec: LabelSpec) -> Any:
    """A value the label does not take (of the right JSON type where that is possible)."""
    settings = spec.settings
    wrong_type: st.SearchStrategy[Any]
    if spec.type is TEXT:
        low, high = settings["min_length"], settings["max_length"]
        wrong_type = json_values.filter(lambda v: not isinstance(v, str))
        choices = [
            wrong_type,
            st.integers(1, 20).map(lambda extra: "x" * (high + extra)),
            st.builds(
                lambda text, bad, at: text[:at] + bad + text[at:],
                st.text(storable_text, min_size=max(low, 1), max_size=max(low, 1) + 5),
                unstorable,
                st.integers(0, 5),
            ).filter(lambda text: low <= len(text) <= high),
        ]
        if low > 0:
            choices.append(st.text(storable_text, max_size=low - 1))
        return draw(st.one_of(choices))
    if spec.type in (NUMERIC, STAR):
        wrong_type = json_values.filter(lambda v: not isinstance(v, int | float) or v is True)
        bad = [wrong_type, st.booleans(), NOT_FINITE, HUGE, st.text(max_size=5)]
        if spec.type is STAR:
            stars = settings["no_of_stars"]
            bad += [
                st.integers(max_value=0),
                st.integers(min_value=stars + 1),
                st.floats(1, stars).filter(lambda x: not x.is_integer()),
            ]
        else:
            bad.append(_numbers_outside(settings))
        return draw(st.one_of(bad))
    if spec.type is CATEGORICAL:
        options: list[str] = settings["options"]
        known = {option.casefold() for option in options}
        unknown = st.text(max_size=10).filter(lambda t: t.strip().casefold() not in known)
        choices = [
            json_values.filter(lambda v: not isinstance(v, list)),
            st.just([]),
            st.lists(json_values, min_size=1).filter(
                lambda items: not all(isinstance(item, str) for item in items)
            ),
            st.builds(
                lambda some, other, at: [*some[:at], other, *some[at:]],
                st.lists(st.sampled_from(options), max_size=2, unique=True),
                unknown,
                st.integers(0, 2),
            ),
            st.sampled_from(options)
            .map(lambda option: [option, option.upper()])
            .filter(lambda pair: pair[1].casefold() == pair[0].casefold()),
        ]
        if not settings["multi_choice"]:
            choices.append(st.lists(st.sampled_from(options), min_size=2, unique=True))
        return draw(st.one_of(choices))
    return draw(json_values.filter(lambda v: not isinstance(v, bool)))


def _numbers_outside(settings: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, step = settings["min"], settings["max"], settings["step_size"]
    distance = st.integers(1, 10**6) | st.floats(1e-6, 1e6)
    # Outside as floats: values are judged as the float they are stored as.
    below = distance.map(lambda d: low - d).filter(lambda x: float(x) < float(low))
    above = distance.map(lambda d: high + d).filter(lambda x: float(x) > float(high))
    choices = [below, above]
    tame = isinstance(low, int) and abs(low) <= 1_000 and step in DECIMAL_STEPS and step >= 0.1
    if tame:
        # Between two steps by at least a twentieth of a step: far beyond rounding.
        steps = math.floor((high - low) / step)
        if steps >= 1:
            off = st.builds(
                lambda k, part: low + (k + part) * step,
                st.integers(0, steps - 1),
                st.floats(0.05, 0.95),
            )
            choices.append(off.filter(lambda x: x < high))
    return st.one_of(choices)


T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def attempt(call: Callable[[], T], refusal: type[E]) -> T | E:
    """What `call` returns, or the refusal it raises: the two outcomes a property allows
    (any other exception fails the test)."""
    try:
        return call()
    except refusal as error:
        return error


def bulk_key(spec: LabelSpec) -> str:
    return VALUE_KEYS[spec.type]


def agentmark_fields(spec: LabelSpec, typed: TypedValue) -> dict[str, Any]:
    """The Label/Score fields that say the same value in the AgentMark shape."""
    if spec.type is CATEGORICAL:
        return {"label": typed.value, "score": None}
    if spec.type in (NUMERIC, STAR):
        return {"label": None, "score": typed.score}
    return {"label": typed.label, "score": None}


# --- settings -----------------------------------------------------------------------------


@budget(150)
@given(
    kind=st.sampled_from(LabelType),
    raw=json_values | st.dictionaries(st.sampled_from(SETTING_KEYS), json_values, max_size=4),
)
def test_any_settings_are_normalised_or_refused_naming_the_setting(
    kind: LabelType, raw: Any
) -> None:
    settings = attempt(lambda: validate_settings(kind, raw), InvalidInput)
    if isinstance(settings, InvalidInput):
        assert str(settings.field).startswith("settings")
        assert settings.expected
    else:
        assert validate_settings(kind, settings) == settings


@budget(100)
@given(data=st.data(), kind=st.sampled_from(LabelType))
def test_valid_settings_are_kept_with_defaults_filled_in(data: st.DataObject, kind: LabelType):
    raw = data.draw(SETTINGS[kind])
    settings = validate_settings(kind, raw)
    assert validate_settings(kind, settings) == settings
    expected: dict[str, Any]
    if kind is TEXT:
        expected = {"placeholder": "", "min_length": 0, "max_length": MAX_TEXT_LENGTH, **raw}
    elif kind is NUMERIC:
        expected = {"step_size": None, "display_type": "slider", **raw}
    elif kind is CATEGORICAL:
        texts = [o["label"] if isinstance(o, dict) else o for o in raw["options"]]
        expected = {
            "options": [text.strip() for text in texts],
            "multi_choice": raw.get("multi_choice", False),
        }
    elif kind is STAR:
        expected = {"no_of_stars": 5, **raw}
    else:
        expected = {}
    assert settings == expected


@st.composite
def bad_settings(draw: st.DrawFn) -> tuple[LabelType, dict[str, Any], str]:
    """Settings that must be refused, and the field the refusal names."""
    not_a_number = st.one_of(
        NOT_FINITE, HUGE, st.booleans(), st.text(max_size=5), st.none(), st.lists(st.integers())
    )
    case = draw(st.integers(0, 11))
    if case == 0:  # min not below max
        low = draw(any_finite_numbers)
        high = draw(any_finite_numbers.filter(lambda high: high <= low))
        return NUMERIC, {"min": low, "max": high}, "settings.max"
    if case == 1:
        key = draw(st.sampled_from(["min", "max"]))
        raw = {"min": 0, "max": 1, key: draw(not_a_number)}
        return NUMERIC, raw, f"settings.{key}"
    if case == 2:  # a step that is no step, or makes more than MAX_STEPS of them
        low, high = sorted(draw(st.lists(moderate_numbers, min_size=2, max_size=2, unique=True)))
        assume(low < high)
        step = draw(
            not_a_number.filter(lambda v: v is not None)
            | st.floats(max_value=0)
            | st.integers(max_value=0)
            | st.just((float(high) - float(low)) / MAX_STEPS / 4).filter(lambda s: s > 0)
        )
        return NUMERIC, {"min": low, "max": high, "step_size": step}, "settings.step_size"
    if case == 3:
        stars = draw(
            st.integers(max_value=0)
            | st.integers(min_value=MAX_STARS + 1)
            | st.floats(1, MAX_STARS)
            | not_a_number.filter(lambda v: v is not None)
        )
        return STAR, {"no_of_stars": stars}, "settings.no_of_stars"
    if case == 4:  # too few or too many options
        count = draw(st.integers(0, 1) | st.integers(MAX_OPTIONS + 1, MAX_OPTIONS + 50))
        return CATEGORICAL, {"options": [f"o{n}" for n in range(count)]}, "settings.options"
    if case == 5:  # an empty, blank, non-text or too long option at some position
        options = [f"o{n}" for n in range(draw(st.integers(2, 6)))]
        at = draw(st.integers(0, len(options) - 1))
        bad = draw(
            st.sampled_from(["", " ", "\t\n", {"label": ""}, {"name": "x"}, 5, None, ["x"]])
            | st.just("x" * (MAX_OPTION_LENGTH + 1))
        )
        options[at] = bad
        return CATEGORICAL, {"options": options}, f"settings.options[{at}]"
    if case == 6:  # an option repeated, ignoring case and spaces
        options = [f"o{n}" for n in range(draw(st.integers(2, 6)))]
        first = draw(st.integers(0, len(options) - 1))
        repeat = f" {options[first].upper()} "
        at = draw(st.integers(first + 1, len(options)))
        options.insert(at, draw(st.sampled_from([repeat, {"label": repeat}])))
        return CATEGORICAL, {"options": options}, f"settings.options[{at}]"
    if case == 7:
        multi = draw(json_values.filter(lambda v: not isinstance(v, bool)))
        return CATEGORICAL, {"options": ["a", "b"], "multi_choice": multi}, "settings.multi_choice"
    if case == 8:  # text: min above max, or lengths out of bounds
        low = draw(st.integers(1, 1_000))
        return (
            TEXT,
            {"min_length": low, "max_length": draw(st.integers(0, low - 1))},
            ("settings.max_length"),
        )
    if case == 9:
        key = draw(st.sampled_from(["min_length", "max_length"]))
        value = draw(
            st.integers(max_value=-1)
            | st.integers(min_value=MAX_TEXT_LENGTH + 1)
            | not_a_number
            | st.floats(0.5, 10).filter(lambda x: not x.is_integer())
        )
        return TEXT, {key: value}, f"settings.{key}"
    if case == 10:  # a setting the type does not take
        kind = draw(st.sampled_from(LabelType))
        valid = draw(SETTINGS[kind])
        key = draw(st.sampled_from([k for k in SETTING_KEYS if k not in _TAKES[kind]]))
        return kind, {**valid, key: draw(json_values)}, f"settings.{key}"
    return draw(st.sampled_from(LabelType)), draw(json_values.filter(_not_object)), "settings"


_TAKES = {
    TEXT: ("placeholder", "min_length", "max_length"),
    NUMERIC: ("min", "max", "step_size", "display_type"),
    CATEGORICAL: ("options", "multi_choice"),
    STAR: ("no_of_stars",),
    THUMBS: (),
}


def _not_object(value: Any) -> bool:
    return value is not None and not isinstance(value, dict)


@budget(200)
@given(case=bad_settings())
def test_bad_settings_are_refused_naming_the_setting(case: tuple[LabelType, Any, str]) -> None:
    kind, raw, field = case
    with pytest.raises(InvalidInput) as raised:
        validate_settings(kind, raw)
    assert raised.value.field == field
    assert raised.value.expected


# --- values -------------------------------------------------------------------------------


@budget(150)
@given(data=st.data(), spec=labels())
def test_values_inside_the_settings_are_accepted_and_normalised_idempotently(
    data: st.DataObject, spec: LabelSpec
) -> None:
    value, normalised = data.draw(valid_values(spec), label="value")
    typed = typed_value(spec, value)
    assert typed.value == normalised
    assert typed_value(spec, typed.value) == typed
    assert value_from_bulk(spec, {bulk_key(spec): value}) == typed
    # The AgentMark views say the same value back.
    assert value_from_agentmark(spec, **agentmark_fields(spec, typed)) == typed
    if spec.type in (NUMERIC, STAR):
        assert typed.score == typed.value
        assert typed.label is None
    elif spec.type is THUMBS:
        assert (typed.label, typed.score) == (("thumbs_up", 1.0) if value else ("thumbs_down", 0.0))
    else:
        assert typed.label == (", ".join(typed.value) if spec.type is CATEGORICAL else value)
        assert typed.score is None


@budget(150)
@given(data=st.data(), spec=labels())
def test_values_outside_the_settings_are_refused_saying_why(
    data: st.DataObject, spec: LabelSpec
) -> None:
    value = data.draw(invalid_values(spec), label="value")
    with pytest.raises(ValueProblem) as raised:
        typed_value(spec, value)
    assert repr(spec.name) in str(raised.value)
    with pytest.raises(ValueProblem):
        value_from_bulk(spec, {bulk_key(spec): value})


@budget(150)
@given(data=st.data(), spec=labels())
def test_any_value_is_accepted_idempotently_or_refused(
    data: st.DataObject, spec: LabelSpec
) -> None:
    value = data.draw(json_values | HUGE | NOT_FINITE, label="value")
    typed = attempt(lambda: typed_value(spec, value), ValueProblem)
    if isinstance(typed, ValueProblem):
        assert repr(spec.name) in str(typed)
    else:
        assert typed_value(spec, typed.value) == typed


@budget(100)
@given(
    spec=labels(),
    keys=st.lists(st.sampled_from(["value", "value_float", "value_str_list", "value_bool"])),
    value=json_values,
)
def test_bulk_values_need_exactly_the_key_of_their_type(
    spec: LabelSpec, keys: list[str], value: Any
) -> None:
    annotation = dict.fromkeys(keys, value) | {"annotator_id": "ana", "reason": "x"}
    if set(keys) == {bulk_key(spec)}:
        alone = attempt(lambda: typed_value(spec, value), ValueProblem)
        if isinstance(alone, ValueProblem):
            with pytest.raises(ValueProblem):
                value_from_bulk(spec, annotation)
        else:
            assert value_from_bulk(spec, annotation) == alone
    else:
        with pytest.raises(ValueProblem, match=f"send '{bulk_key(spec)}'"):
            value_from_bulk(spec, annotation)


SPAN = SpanRef(
    span_rowid=1,
    project_rowid=1,
    project_id="prj_1",
    project_name="bot",
    trace_id="1" * 32,
    span_id="1" * 16,
)


def label_ref(spec: LabelSpec) -> LabelRef:
    return LabelRef(
        label_rowid=1,
        id="lbl_1",
        project_rowid=1,
        project_id="prj_1",
        project_name="bot",
        version=1,
        archived=False,
        spec=spec,
    )


agentmark_labels = st.none() | st.text(max_size=12) | st.lists(st.text(max_size=8), max_size=3)
agentmark_scores = st.none() | st.floats() | st.integers() | HUGE | st.booleans()


@budget(150)
@given(
    spec=st.none() | labels(),
    name=label_names | st.text(max_size=3),
    label=agentmark_labels | json_values,
    score=agentmark_scores | json_values,
)
def test_annotation_drafts_are_made_or_refused_naming_the_field(
    spec: LabelSpec | None, name: str, label: Any, score: Any
) -> None:
    """Name/Label/Score (as the native API, eval scores and the dashboard give them):
    a draft whose value fits its label, or InvalidInput naming label, score or name."""
    draft = attempt(
        lambda: draft_annotation(
            span=SPAN,
            label_ref=label_ref(spec) if spec else None,
            name=spec.name if spec else name,
            label=label,
            score=score,
            reason=None,
            annotator_id="ana",
            source="api",
        ),
        InvalidInput,
    )
    if isinstance(draft, InvalidInput):
        assert draft.field in ("label", "score", "name")
        return
    if spec is not None:
        assert typed_value(spec, draft.value).value == draft.value
    else:
        assert draft.value is None
        assert draft.label is not None or draft.score is not None
    if draft.score is not None:
        assert math.isfinite(draft.score)


# --- through the API, on both databases ---------------------------------------------------


@dataclass
class Annotating:
    """A project with the labels of tests.support.annotations, and a client for it."""

    client: TestClient
    headers: dict[str, str]
    span_id: str
    labels: dict[str, str]  # name -> label id
    specs: dict[str, LabelSpec]

    def post(self, path: str, body: Any) -> Any:
        # Python's JSON, as a client may send it: NaN, lone surrogates, integers of any size.
        return self.client.post(path, content=json.dumps(body), headers={**self.headers, **_JSON})

    def stored(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The span's annotations by (name, annotator)."""
        path = f"/api/v1/spans/{self.span_id}/annotations"
        response = self.client.get(path, headers=self.headers)
        assert response.status_code == 200, response.text
        return {(a["name"], a["annotator_id"]): a for a in response.json()}


_JSON = {"Content-Type": "application/json"}


@pytest.fixture
def annotating(app: FastAPI, database: Database, auth: dict[str, str]) -> Annotating:
    spans = make_trace(project="bot", size=3)
    store(database, principal_of(database), spans)
    client = TestClient(app, raise_server_exceptions=False)
    (project,) = client.get("/api/v1/projects", headers=auth).json()
    labels, specs = {}, {}
    for name, body in LABELS.items():
        response = client.post(
            f"/api/v1/projects/{project['id']}/labels", headers=auth, json={"name": name, **body}
        )
        assert response.status_code == 201, response.text
        read = response.json()
        labels[name] = read["id"]
        specs[name] = LabelSpec(name=name, type=LabelType(read["type"]), settings=read["settings"])
    return Annotating(client, auth, spans[0].span.span_id, labels, specs)


@st.composite
def bulk_items(draw: st.DrawFn) -> tuple[str, str, str, Any]:
    """(label name, annotator, value key, value): mostly the label's own key."""
    name = draw(st.sampled_from(sorted(LABELS)))
    spec_type = LabelType(LABELS[name]["type"])
    key = draw(
        st.sampled_from([VALUE_KEYS[spec_type]] * 3 + ["value", "value_float", "value_bool"])
    )
    value = draw(
        json_values
        | HUGE
        | NOT_FINITE
        | st.text(max_size=25)
        | st.builds(lambda text, bad: text + bad, st.text(max_size=5), unstorable)
        | st.lists(st.sampled_from(["good", "bad", "meh", "billing", "refunds", "Bad "]))
    )
    return name, draw(st.sampled_from(["ana", "ben"])), key, value


def _verdict(spec: LabelSpec, key: str, value: Any) -> TypedValue | None:
    """What the domain makes of the value: its typed value, or None when refused."""
    try:
        return value_from_bulk(spec, {key: value})
    except ValueProblem:
        return None


@budget(20)
@given(items=st.lists(bulk_items(), min_size=1, max_size=4, unique_by=lambda i: i[:2]))
def test_bulk_values_never_fail_the_server_and_refused_ones_store_nothing(
    annotating: Annotating, items: list[tuple[str, str, str, Any]]
) -> None:
    before = annotating.stored()
    annotations = [
        {"annotation_label_id": annotating.labels[name], "annotator_id": who, key: value}
        for name, who, key, value in items
    ]
    body = {"records": [{"observation_span_id": annotating.span_id, "annotations": annotations}]}
    response = annotating.post("/tracer/bulk-annotation/", body)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    after = annotating.stored()
    verdicts = [_verdict(annotating.specs[name], key, value) for name, _, key, value in items]
    refused = [position for position, typed in enumerate(verdicts) if typed is None]
    errors = result["errors"][0]["annotationError"] if result["errors"] else ""
    assert [p for p in range(len(items)) if f"annotations[{p}]:" in errors] == refused
    for (name, who, _, _), typed in zip(items, verdicts, strict=True):
        if typed is None:
            assert after.get((name, who)) == before.get((name, who))
        else:
            stored = after[(name, who)]
            assert (stored["value"], stored["label"], stored["score"]) == (
                typed.value,
                typed.label,
                typed.score,
            )
    untouched = set(before) - {(name, who) for name, who, _, _ in items}
    assert {key: after[key] for key in untouched} == {key: before[key] for key in untouched}


agentmark_bodies = st.fixed_dictionaries(
    {"name": st.sampled_from([*sorted(LABELS), "free-form"])},
    optional={
        "label": agentmark_labels
        | json_values
        | st.builds(lambda text, bad: text + bad, st.text(max_size=5), unstorable),
        "score": agentmark_scores | st.text(max_size=4) | NOT_FINITE,
        "reason": st.none() | st.text(max_size=10) | unstorable,
    },
)


@budget(20)
@given(body=agentmark_bodies, annotator=st.sampled_from(["ana", "ben", "", "x\x00"]))
@example(body={"name": "helpfulness", "score": False, "label": False}, annotator="ana")
def test_native_annotations_never_fail_the_server_and_refused_ones_store_nothing(
    annotating: Annotating, body: dict[str, Any], annotator: str
) -> None:
    before = annotating.stored()
    response = annotating.post(
        f"/api/v1/spans/{annotating.span_id}/annotations", {**body, "annotator_id": annotator}
    )
    after = annotating.stored()
    assert response.status_code in (200, 201, 422), response.text
    if isinstance(body.get("score"), bool | str):  # no number, whatever it reads as
        assert response.status_code == 422
        details = response.json()["error"]["details"]
        assert "body.score" in [detail["field"] for detail in details]
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["field"] in _NATIVE_FIELDS, error
        assert after == before
        return
    key = (response.json()["name"], annotator)
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }
    spec = annotating.specs.get(body["name"])
    if spec is not None:
        assert typed_value(spec, after[key]["value"]).value == after[key]["value"]


_NATIVE_FIELDS = {
    "label",
    "score",
    "reason",
    "annotator_id",
    "body.label",
    "body.score",
    "body.reason",
    "body.annotator_id",
    "body.label.str",
    "body.label.list[str]",
}
