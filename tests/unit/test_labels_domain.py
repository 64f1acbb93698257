"""The label rules of `annotrace.domain.labels`: settings of each type, and the values
each type accepts through the bulk API's keys and the AgentMark fields."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from annotrace.domain.labels import (
    MAX_DESCRIPTION,
    MAX_TEXT_LENGTH,
    VALUE_KEYS,
    LabelSpec,
    LabelType,
    TypedValue,
    ValueProblem,
    parse_label_type,
    validate_description,
    validate_label_name,
    validate_settings,
    value_from_agentmark,
    value_from_bulk,
)
from annotrace.domain.names import MAX_NAME_LENGTH
from annotrace.errors import InvalidInput

TEXT, NUMERIC, CATEGORICAL = LabelType.TEXT, LabelType.NUMERIC, LabelType.CATEGORICAL
STAR, THUMBS = LabelType.STAR, LabelType.THUMBS


def spec(kind: LabelType, name: str = "q", **settings: Any) -> LabelSpec:
    """A label as stored: its settings went through validation first."""
    return LabelSpec(name=name, type=kind, settings=validate_settings(kind, settings))


# --- types, names, descriptions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("text", TEXT),
        ("numeric", NUMERIC),
        ("categorical", CATEGORICAL),
        ("star", STAR),
        ("thumbs_up_down", THUMBS),
        (" Star ", STAR),
        ("THUMBS_UP_DOWN", THUMBS),
    ],
)
def test_label_types_parse_ignoring_case_and_spaces(raw: str, kind: LabelType) -> None:
    assert parse_label_type(raw) is kind


@pytest.mark.parametrize("raw", ["rating", "thumbs", "", None, 3, ["text"]])
def test_an_unknown_type_names_the_field_and_the_five_types(raw: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_label_type(raw)
    assert raised.value.field == "type"
    assert raised.value.expected == "one of text, numeric, categorical, star, thumbs_up_down"


def test_names_are_stripped_and_limited() -> None:
    assert validate_label_name("  tone ") == "tone"
    assert validate_label_name("x" * MAX_NAME_LENGTH) == "x" * MAX_NAME_LENGTH
    for bad in ("", "   ", None, 5, "x" * (MAX_NAME_LENGTH + 1)):
        with pytest.raises(InvalidInput) as raised:
            validate_label_name(bad)
        assert raised.value.field == "name"


def test_descriptions_are_optional_stripped_and_limited() -> None:
    assert validate_description(None) == ""
    assert validate_description("  judge the tone ") == "judge the tone"
    for bad in (5, ["x"], "x" * (MAX_DESCRIPTION + 1)):
        with pytest.raises(InvalidInput) as raised:
            validate_description(bad)
        assert raised.value.field == "description"


# --- settings: what is accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "settings"),
    [
        (TEXT, {}, {"placeholder": "", "min_length": 0, "max_length": MAX_TEXT_LENGTH}),
        (TEXT, None, {"placeholder": "", "min_length": 0, "max_length": MAX_TEXT_LENGTH}),
        (
            TEXT,
            {"placeholder": "Why?", "min_length": 3, "max_length": 3},
            {"placeholder": "Why?", "min_length": 3, "max_length": 3},
        ),
        (
            NUMERIC,
            {"min": 0, "max": 10},
            {"min": 0, "max": 10, "step_size": None, "display_type": "slider"},
        ),
        (
            NUMERIC,
            {"min": -1.5, "max": 1.5, "step_size": 0.5, "display_type": "button"},
            {"min": -1.5, "max": 1.5, "step_size": 0.5, "display_type": "button"},
        ),
        (
            CATEGORICAL,
            {"options": ["good", "bad"]},
            {"options": ["good", "bad"], "multi_choice": False},
        ),
        (
            CATEGORICAL,
            {"options": [{"label": " good "}, "bad", {"label": "ugly"}], "multi_choice": True},
            {"options": ["good", "bad", "ugly"], "multi_choice": True},
        ),
        (
            CATEGORICAL,
            {"options": [f"option {n}" for n in range(100)]},
            {"options": [f"option {n}" for n in range(100)], "multi_choice": False},
        ),
        (STAR, {}, {"no_of_stars": 5}),
        (STAR, {"no_of_stars": 1}, {"no_of_stars": 1}),
        (STAR, {"no_of_stars": 10}, {"no_of_stars": 10}),
        (THUMBS, {}, {}),
        (THUMBS, None, {}),
    ],
)
def test_settings_are_normalised_with_defaults_filled_in(
    kind: LabelType, raw: dict[str, Any] | None, settings: dict[str, Any]
) -> None:
    assert validate_settings(kind, raw) == settings


# --- settings: what is refused, and which field is named --------------------------------


def _options(count: int) -> list[str]:
    return [f"option {n}" for n in range(count)]


@pytest.mark.parametrize(
    ("kind", "raw", "field"),
    [
        # numeric
        (NUMERIC, {"min": 5, "max": 5}, "settings.max"),
        (NUMERIC, {"min": 6, "max": 5}, "settings.max"),
        (NUMERIC, {"min": 0, "max": 1, "step_size": 0}, "settings.step_size"),
        (NUMERIC, {"min": 0, "max": 1, "step_size": -0.5}, "settings.step_size"),
        (NUMERIC, {"min": 0, "max": 1, "step_size": "0.5"}, "settings.step_size"),
        (NUMERIC, {"min": 0, "max": 1, "step_size": math.nan}, "settings.step_size"),
        (NUMERIC, {"max": 1}, "settings.min"),
        (NUMERIC, {"min": 0}, "settings.max"),
        (NUMERIC, {}, "settings.min"),
        (NUMERIC, {"min": "0", "max": 1}, "settings.min"),
        (NUMERIC, {"min": 0, "max": "ten"}, "settings.max"),
        (NUMERIC, {"min": False, "max": 1}, "settings.min"),
        (NUMERIC, {"min": math.nan, "max": 1}, "settings.min"),
        (NUMERIC, {"min": 0, "max": math.nan}, "settings.max"),
        (NUMERIC, {"min": 0, "max": math.inf}, "settings.max"),
        (NUMERIC, {"min": 0, "max": 1, "display_type": "dial"}, "settings.display_type"),
        # categorical
        (CATEGORICAL, {"options": ["only"]}, "settings.options"),
        (CATEGORICAL, {"options": _options(101)}, "settings.options"),
        (CATEGORICAL, {"options": []}, "settings.options"),
        (CATEGORICAL, {}, "settings.options"),
        (CATEGORICAL, {"options": "good,bad"}, "settings.options"),
        (CATEGORICAL, {"options": ["good", ""]}, "settings.options[1]"),
        (CATEGORICAL, {"options": ["good", "bad", "   "]}, "settings.options[2]"),
        (CATEGORICAL, {"options": [{"label": ""}, "bad"]}, "settings.options[0]"),
        (CATEGORICAL, {"options": [{"name": "good"}, "bad"]}, "settings.options[0]"),
        (CATEGORICAL, {"options": ["good", 5]}, "settings.options[1]"),
        (CATEGORICAL, {"options": ["good", "x" * 201]}, "settings.options[1]"),
        (CATEGORICAL, {"options": ["Good", "bad", "GOOD"]}, "settings.options[2]"),
        (CATEGORICAL, {"options": ["good", {"label": " good "}]}, "settings.options[1]"),
        (CATEGORICAL, {"options": ["good", "bad"], "multi_choice": "yes"}, "settings.multi_choice"),
        (CATEGORICAL, {"options": ["good", "bad"], "multi_choice": 1}, "settings.multi_choice"),
        # star
        (STAR, {"no_of_stars": 0}, "settings.no_of_stars"),
        (STAR, {"no_of_stars": 11}, "settings.no_of_stars"),
        (STAR, {"no_of_stars": 2.5}, "settings.no_of_stars"),
        (STAR, {"no_of_stars": "5"}, "settings.no_of_stars"),
        (STAR, {"no_of_stars": True}, "settings.no_of_stars"),
        # text
        (TEXT, {"min_length": 10, "max_length": 5}, "settings.max_length"),
        (TEXT, {"max_length": 0}, "settings.max_length"),
        (TEXT, {"min_length": -1}, "settings.min_length"),
        (TEXT, {"min_length": 1.5}, "settings.min_length"),
        (TEXT, {"max_length": MAX_TEXT_LENGTH + 1}, "settings.max_length"),
        (TEXT, {"placeholder": 5}, "settings.placeholder"),
        (TEXT, {"placeholder": "x" * 1001}, "settings.placeholder"),
        # a key the type does not take
        (TEXT, {"options": ["a", "b"]}, "settings.options"),
        (NUMERIC, {"min": 0, "max": 1, "no_of_stars": 5}, "settings.no_of_stars"),
        (CATEGORICAL, {"options": ["a", "b"], "min": 0}, "settings.min"),
        (STAR, {"max": 5}, "settings.max"),
        (THUMBS, {"multi_choice": True}, "settings.multi_choice"),
        # not an object at all
        (TEXT, ["placeholder"], "settings"),
        (NUMERIC, "0-10", "settings"),
        (STAR, 5, "settings"),
        (THUMBS, [], "settings"),
    ],
)
def test_invalid_settings_name_the_field_at_fault(kind: LabelType, raw: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_settings(kind, raw)
    assert raised.value.field == field
    assert raised.value.expected


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (STAR, {"max": 5}, "settings.max is not a setting of star labels (they take: no_of_stars)"),
        (
            THUMBS,
            {"x": 1},
            "settings.x is not a setting of thumbs_up_down labels (they take: none)",
        ),
        (
            CATEGORICAL,
            {"options": ["Good", "bad", "GOOD"]},
            "settings.options[2] 'GOOD' repeats option 0 (options must differ ignoring case)",
        ),
        (NUMERIC, {"min": 6, "max": 5}, "settings.min (6) must be less than settings.max (5)"),
        (CATEGORICAL, {"options": ["only"]}, "settings.options must list 2 to 100 options, not 1"),
    ],
)
def test_settings_errors_say_what_to_change(kind: LabelType, raw: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        validate_settings(kind, raw)


# --- values through the bulk API's keys -------------------------------------------------

NUMBERS = spec(NUMERIC, "n", min=0, max=10, step_size=0.5)
CHOICE = spec(CATEGORICAL, "c", options=["Good", "Bad", "Ugly"])
CHOICES = spec(CATEGORICAL, "m", options=["Good", "Bad", "Ugly"], multi_choice=True)
STARS = spec(STAR, "s")
THUMB = spec(THUMBS, "t")
WORDS = spec(TEXT, "q", min_length=2, max_length=10)


@pytest.mark.parametrize(
    ("label", "annotation", "typed"),
    [
        (WORDS, {"value": "fine"}, TypedValue("fine", "fine", None)),
        (WORDS, {"value": "ab"}, TypedValue("ab", "ab", None)),
        (WORDS, {"value": "0123456789"}, TypedValue("0123456789", "0123456789", None)),
        (NUMBERS, {"value_float": 4.5}, TypedValue(4.5, None, 4.5)),
        (NUMBERS, {"value_float": 4}, TypedValue(4.0, None, 4.0)),
        (NUMBERS, {"value_float": 0}, TypedValue(0.0, None, 0.0)),
        (NUMBERS, {"value_float": 10}, TypedValue(10.0, None, 10.0)),
        (CHOICE, {"value_str_list": ["Good"]}, TypedValue(["Good"], "Good", None)),
        # Options match ignoring case and spaces; the label's own spelling is kept.
        (CHOICE, {"value_str_list": [" uGLY "]}, TypedValue(["Ugly"], "Ugly", None)),
        (
            CHOICES,
            {"value_str_list": ["bad", "GOOD"]},
            TypedValue(["Bad", "Good"], "Bad, Good", None),
        ),
        (STARS, {"value_float": 3}, TypedValue(3.0, None, 3.0)),
        (STARS, {"value_float": 1.0}, TypedValue(1.0, None, 1.0)),
        (STARS, {"value_float": 5}, TypedValue(5.0, None, 5.0)),
        (THUMB, {"value_bool": True}, TypedValue(True, "thumbs_up", 1.0)),
        (THUMB, {"value_bool": False}, TypedValue(False, "thumbs_down", 0.0)),
        # Other fields of the annotation are no value keys.
        (
            THUMB,
            {"value_bool": True, "reason": "ok", "annotator_id": "x"},
            TypedValue(True, "thumbs_up", 1.0),
        ),
    ],
)
def test_bulk_values_of_each_type_and_their_agentmark_view(
    label: LabelSpec, annotation: dict[str, Any], typed: TypedValue
) -> None:
    assert value_from_bulk(label, annotation) == typed


@pytest.mark.parametrize(
    ("label", "annotation", "message"),
    [
        (
            WORDS,
            {"value_float": 1.0},
            "label 'q' is a text label, send 'value' ('value_float' was given)",
        ),
        (
            NUMBERS,
            {"value": "4"},
            "label 'n' is a numeric label, send 'value_float' ('value' was given)",
        ),
        (
            CHOICE,
            {"value": "Good"},
            "label 'c' is a categorical label, send 'value_str_list' ('value' was given)",
        ),
        (
            STARS,
            {"value_bool": True},
            "label 's' is a star label, send 'value_float' ('value_bool' was given)",
        ),
        (
            THUMB,
            {"value_float": 1.0},
            "label 't' is a thumbs_up_down label, send 'value_bool' ('value_float' was given)",
        ),
        (
            WORDS,
            {"value": "fine", "value_float": 1.0},
            "label 'q' is a text label, send 'value' (several value keys were given "
            "(value, value_float))",
        ),
        (
            THUMB,
            {"value_str_list": ["up"], "value_bool": True},
            "label 't' is a thumbs_up_down label, send 'value_bool' (several value keys were given "
            "(value_str_list, value_bool))",
        ),
        (WORDS, {}, "label 'q' is a text label, send 'value' (no value was given)"),
        (
            STARS,
            {"reason": "great"},
            "label 's' is a star label, send 'value_float' (no value was given)",
        ),
    ],
)
def test_bulk_values_need_exactly_the_key_of_their_type(
    label: LabelSpec, annotation: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueProblem) as raised:
        value_from_bulk(label, annotation)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        # text
        (WORDS, "a", "text for label 'q' is 1 characters long; it must be at least 2"),
        (WORDS, "x" * 11, "text for label 'q' is 11 characters long; it must be at most 10"),
        (WORDS, "a\x00b", "text for label 'q' must not contain NUL characters"),
        (WORDS, 5, "label 'q' takes text, not a number"),
        (WORDS, None, "label 'q' takes text, not null"),
        (WORDS, ["fine"], "label 'q' takes text, not a list"),
        # numeric
        (NUMBERS, 10.5, "10.5 is outside the range of label 'n' (0 to 10)"),
        (NUMBERS, -0.5, "-0.5 is outside the range of label 'n' (0 to 10)"),
        (
            NUMBERS,
            4.2,
            "4.2 is not on a step of label 'n' (steps of 0.5 from 0; nearest are 4.0 and 4.5)",
        ),
        (NUMBERS, "4", "label 'n' takes a number, not text"),
        (NUMBERS, True, "label 'n' takes a number, not a boolean"),
        (NUMBERS, {"value": 4}, "label 'n' takes a number, not an object"),
        # star
        (STARS, 0, "0 is not a rating of label 's': give a whole number from 1 to 5"),
        (STARS, 6, "6 is not a rating of label 's': give a whole number from 1 to 5"),
        (STARS, 2.5, "2.5 is not a rating of label 's': give a whole number from 1 to 5"),
        (STARS, False, "label 's' takes a number of stars, not a boolean"),
        # categorical
        (CHOICE, ["meh"], "'meh' is not an option of label 'c' (options: 'Good', 'Bad', 'Ugly')"),
        (CHOICES, ["good", "GOOD"], "option 'Good' is given twice for label 'm'"),
        (CHOICE, ["Good", "Bad"], "label 'c' takes a single option; 2 were given"),
        (CHOICE, [], "choose at least one option of label 'c'"),
        (CHOICES, [], "choose at least one option of label 'm'"),
        (CHOICE, "Good", "label 'c' takes a list of options, not text"),
        (CHOICE, ["Good", 1], "label 'c' takes a list of options, not a list"),
        # thumbs
        (THUMB, 1, "label 't' takes true (thumbs up) or false (thumbs down), not a number"),
        (THUMB, "true", "label 't' takes true (thumbs up) or false (thumbs down), not text"),
        (THUMB, None, "label 't' takes true (thumbs up) or false (thumbs down), not null"),
    ],
)
def test_values_that_do_not_fit_their_label_say_why(
    label: LabelSpec, value: Any, message: str
) -> None:
    with pytest.raises(ValueProblem) as raised:
        value_from_bulk(label, {VALUE_KEYS[label.type]: value})
    assert str(raised.value) == message


def test_a_long_option_list_is_shortened_in_the_message() -> None:
    label = spec(CATEGORICAL, "c", options=_options(12))
    with pytest.raises(ValueProblem, match=re.escape("'option 9', ...)")):
        value_from_bulk(label, {"value_str_list": ["nope"]})


@pytest.mark.parametrize(("label", "value"), [(NUMBERS, math.nan), (STARS, math.inf)])
def test_a_non_finite_number_is_refused_as_such(label: LabelSpec, value: float) -> None:
    with pytest.raises(ValueProblem, match="not NaN or infinity"):
        value_from_bulk(label, {"value_float": value})


# --- steps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "value"),
    [
        ({"min": 0, "max": 10, "step_size": 0.5}, 4.5),
        ({"min": 0, "max": 10, "step_size": 0.5}, 0),
        # The maximum is always accepted, even when no step lands on it.
        ({"min": 0, "max": 1, "step_size": 0.3}, 1.0),
        ({"min": 0, "max": 1, "step_size": 0.3}, 0.9),
        # 0.6 / 0.3 is 1.9999999999999998 in binary floating point.
        ({"min": 0, "max": 1, "step_size": 0.3}, 0.6),
        # 0.1 + 0.2 is 0.30000000000000004: float noise, not an off-step value.
        ({"min": 0, "max": 1, "step_size": 0.1}, 0.1 + 0.2),
        ({"min": 0, "max": 1, "step_size": 0.1}, 0.7),
        ({"min": -1, "max": 1, "step_size": 0.5}, -0.5),
        ({"min": 0.25, "max": 10, "step_size": 0.25}, 9.75),
        ({"min": 0, "max": 1000, "step_size": 7}, 994),
        ({"min": 0, "max": 10}, 3.14159),
    ],
)
def test_values_on_a_step_or_at_the_maximum_are_accepted(
    settings: dict[str, Any], value: float
) -> None:
    label = spec(NUMERIC, "n", **settings)
    assert value_from_bulk(label, {"value_float": value}) == TypedValue(value, None, value)


@pytest.mark.parametrize(
    ("settings", "value", "nearest"),
    [
        ({"min": 0, "max": 10, "step_size": 0.5}, 4.2, "4.0 and 4.5"),
        ({"min": 0, "max": 10, "step_size": 0.5}, 0.1, "0.0 and 0.5"),
        ({"min": 0, "max": 1, "step_size": 0.3}, 0.5, "0.3 and 0.6"),
        # The step after 0.9 would pass the maximum: the maximum is the nearest above.
        ({"min": 0, "max": 1, "step_size": 0.3}, 0.95, "0.9 and 1"),
        ({"min": 0, "max": 1, "step_size": 0.1}, 0.35, "0.3 and 0.4"),
        ({"min": -1, "max": 1, "step_size": 0.5}, -0.7, "-1.0 and -0.5"),
        ({"min": 0, "max": 1000, "step_size": 7}, 995, "994 and 1000"),
    ],
)
def test_values_off_the_step_name_the_nearest_steps(
    settings: dict[str, Any], value: float, nearest: str
) -> None:
    label = spec(NUMERIC, "n", **settings)
    with pytest.raises(ValueProblem) as raised:
        value_from_bulk(label, {"value_float": value})
    assert str(raised.value).endswith(f"nearest are {nearest})")


def test_a_step_that_makes_more_than_a_billion_steps_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_settings(NUMERIC, {"min": 0, "max": 1e300, "step_size": 1e-300})
    assert raised.value.field == "settings.step_size"


def test_stars_follow_the_labels_number_of_stars() -> None:
    ten = spec(STAR, "s", no_of_stars=10)
    assert value_from_bulk(ten, {"value_float": 10}).score == 10.0
    with pytest.raises(ValueProblem, match="from 1 to 10"):
        value_from_bulk(ten, {"value_float": 11})


# --- values through the AgentMark fields (Name/Label/Score/Reason) ----------------------


@pytest.mark.parametrize(
    ("label", "given", "typed"),
    [
        (WORDS, {"label": "fine"}, TypedValue("fine", "fine", None)),
        (CHOICE, {"label": "good"}, TypedValue(["Good"], "Good", None)),
        (CHOICE, {"label": ["BAD"]}, TypedValue(["Bad"], "Bad", None)),
        (CHOICES, {"label": ["ugly", "good"]}, TypedValue(["Ugly", "Good"], "Ugly, Good", None)),
        (NUMBERS, {"score": 7.5}, TypedValue(7.5, None, 7.5)),
        (NUMBERS, {"score": 10}, TypedValue(10.0, None, 10.0)),
        (STARS, {"score": 4}, TypedValue(4.0, None, 4.0)),
        (THUMB, {"score": 1}, TypedValue(True, "thumbs_up", 1.0)),
        (THUMB, {"score": 1.0}, TypedValue(True, "thumbs_up", 1.0)),
        (THUMB, {"score": 0}, TypedValue(False, "thumbs_down", 0.0)),
    ],
)
def test_agentmark_values_of_each_type(
    label: LabelSpec, given: dict[str, Any], typed: TypedValue
) -> None:
    fields: dict[str, Any] = {"label": None, "score": None} | given
    assert value_from_agentmark(label, **fields) == typed


@pytest.mark.parametrize(
    ("word", "up"),
    [
        ("thumbs_up", True),
        ("up", True),
        ("true", True),
        ("yes", True),
        ("good", True),
        (" Thumbs_Up ", True),
        ("UP", True),
        ("thumbs_down", False),
        ("down", False),
        ("false", False),
        ("no", False),
        ("bad", False),
        ("DOWN ", False),
    ],
)
def test_thumbs_take_words_as_label(word: str, up: bool) -> None:
    typed = value_from_agentmark(THUMB, label=word, score=None)
    assert typed == TypedValue(up, "thumbs_up" if up else "thumbs_down", 1.0 if up else 0.0)


@pytest.mark.parametrize(
    ("label", "given", "message"),
    [
        (WORDS, {}, "label 'q' is a text label: give the text as Label"),
        (WORDS, {"score": 3.0}, "label 'q' is a text label: give the text as Label"),
        (WORDS, {"label": "a"}, "text for label 'q' is 1 characters long; it must be at least 2"),
        (CHOICE, {}, "label 'c' is a categorical label: give one of its options as Label"),
        (
            CHOICE,
            {"label": "meh"},
            "'meh' is not an option of label 'c' (options: 'Good', 'Bad', 'Ugly')",
        ),
        (CHOICE, {"label": ["good", "bad"]}, "label 'c' takes a single option; 2 were given"),
        (NUMBERS, {}, "label 'n' is a numeric label: give the number as Score"),
        (NUMBERS, {"label": "4.5"}, "label 'n' is a numeric label: give the number as Score"),
        (
            NUMBERS,
            {"score": 4.2},
            "4.2 is not on a step of label 'n' (steps of 0.5 from 0; nearest are 4.0 and 4.5)",
        ),
        (STARS, {}, "label 's' is a star label: give the number as Score"),
        (STARS, {"score": 6}, "6 is not a rating of label 's': give a whole number from 1 to 5"),
        (
            THUMB,
            {},
            "label 't' is a thumbs up/down label: give Label thumbs_up or thumbs_down "
            "(or Score 1 or 0)",
        ),
        (THUMB, {"label": "maybe"}, "label 't' is a thumbs up/down label"),
        (THUMB, {"label": ["up"]}, "label 't' is a thumbs up/down label"),
        (THUMB, {"score": 0.5}, "label 't' is a thumbs up/down label"),
        (THUMB, {"score": 2}, "label 't' is a thumbs up/down label"),
    ],
)
def test_agentmark_values_that_do_not_fit_say_why(
    label: LabelSpec, given: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {"label": None, "score": None} | given
    with pytest.raises(ValueProblem) as raised:
        value_from_agentmark(label, **fields)
    assert str(raised.value).startswith(message)
