"""Annotation labels: the five types, their settings, and the values each accepts.

Pure rules, shared by every path that writes annotations (bulk API, native API, eval
scores, dashboard forms, OTLP-embedded evaluations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from annotrace.domain.names import validate_name
from annotrace.domain.text import unstorable
from annotrace.errors import InvalidInput

JsonValue = Any


class LabelType(StrEnum):
    TEXT = "text"
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    STAR = "star"
    THUMBS = "thumbs_up_down"


# The one value key the bulk API takes for each label type.
VALUE_KEYS: dict[LabelType, str] = {
    LabelType.TEXT: "value",
    LabelType.NUMERIC: "value_float",
    LabelType.STAR: "value_float",
    LabelType.CATEGORICAL: "value_str_list",
    LabelType.THUMBS: "value_bool",
}
ALL_VALUE_KEYS = ("value", "value_float", "value_str_list", "value_bool")

MAX_DESCRIPTION = 5_000
MAX_TEXT_LENGTH = 100_000
MAX_OPTIONS = 100
MIN_OPTIONS = 2
MAX_OPTION_LENGTH = 200
MAX_STARS = 10
DEFAULT_STARS = 5
# More steps than this is no step at all (and overflows the step check).
MAX_STEPS = 10**9
# Floating-point slack when checking that a number lies on a step.
_STEP_TOLERANCE = 1e-9

THUMBS_UP = "thumbs_up"
THUMBS_DOWN = "thumbs_down"


def parse_label_type(raw: Any, *, field: str = "type") -> LabelType:
    if isinstance(raw, str):
        try:
            return LabelType(raw.strip().lower())
        except ValueError:
            pass
    raise InvalidInput(
        f"{field} {raw!r} is not a label type",
        field=field,
        expected="one of " + ", ".join(t.value for t in LabelType),
    )


def validate_label_name(raw: Any, *, field: str = "name") -> str:
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be a non-empty string", field=field, expected="a name")
    return validate_name(raw, field=field)


def validate_description(raw: Any, *, field: str = "description") -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be a string", field=field, expected="text")
    if len(raw) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"{field} is {len(raw)} characters long; the limit is {MAX_DESCRIPTION}",
            field=field,
            expected=f"at most {MAX_DESCRIPTION} characters",
        )
    _check_storable(raw, field)
    return raw.strip()


def _check_storable(text: str, field: str) -> None:
    problem = unstorable(text)
    if problem:
        raise InvalidInput(
            f"{field} must not contain {problem}", field=field, expected="text without them"
        )


# --- settings ---------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A finite JSON number (booleans are not numbers)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # JSON integers have no size limit; floats stop near 1.8e308
        return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown_keys(settings: dict[str, Any], allowed: tuple[str, ...], kind: LabelType) -> None:
    for key in settings:
        if key not in allowed:
            names = ", ".join(allowed) if allowed else "none"
            raise InvalidInput(
                f"settings.{key} is not a setting of {kind.value} labels (they take: {names})",
                field=f"settings.{key}",
                expected=f"one of: {names}",
            )


def validate_settings(kind: LabelType, raw: Any) -> dict[str, Any]:
    """The settings of a label of type `kind`, checked and with defaults filled in."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("settings must be an object", field="settings", expected="an object")
    validators = {
        LabelType.TEXT: _text_settings,
        LabelType.NUMERIC: _numeric_settings,
        LabelType.CATEGORICAL: _categorical_settings,
        LabelType.STAR: _star_settings,
        LabelType.THUMBS: _thumbs_settings,
    }
    return validators[kind](raw)


def _text_settings(raw: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(raw, ("placeholder", "min_length", "max_length"), LabelType.TEXT)
    placeholder = raw.get("placeholder", "")
    if not isinstance(placeholder, str) or len(placeholder) > MAX_OPTION_LENGTH * 5:
        raise InvalidInput(
            "settings.placeholder must be a string of at most 1,000 characters",
            field="settings.placeholder",
            expected="text",
        )
    _check_storable(placeholder, "settings.placeholder")
    min_length = raw.get("min_length", 0)
    max_length = raw.get("max_length", MAX_TEXT_LENGTH)
    for key, value in (("min_length", min_length), ("max_length", max_length)):
        if not _is_int(value) or not 0 <= value <= MAX_TEXT_LENGTH:
            raise InvalidInput(
                f"settings.{key} must be a whole number from 0 to {MAX_TEXT_LENGTH:,}",
                field=f"settings.{key}",
                expected=f"0 to {MAX_TEXT_LENGTH}",
            )
    if max_length < 1 or min_length > max_length:
        raise InvalidInput(
            f"settings.max_length ({max_length}) must be at least 1 and at least "
            f"settings.min_length ({min_length})",
            field="settings.max_length",
            expected=f"a number >= max(1, {min_length})",
        )
    return {"placeholder": placeholder, "min_length": min_length, "max_length": max_length}


def _numeric_settings(raw: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(raw, ("min", "max", "step_size", "display_type"), LabelType.NUMERIC)
    for key in ("min", "max"):
        if key not in raw:
            raise InvalidInput(
                f"settings.{key} is required for numeric labels",
                field=f"settings.{key}",
                expected="a number",
            )
        if not is_number(raw[key]):
            raise InvalidInput(
                f"settings.{key} must be a finite number, not {raw[key]!r}",
                field=f"settings.{key}",
                expected="a number",
            )
    low, high = raw["min"], raw["max"]
    if not low < high:
        raise InvalidInput(
            f"settings.min ({low}) must be less than settings.max ({high})",
            field="settings.max",
            expected=f"a number greater than {low}",
        )
    step = raw.get("step_size")
    # In floating point: the difference of two large integers may not fit a float.
    width = float(high) - float(low)
    if step is not None and (not is_number(step) or step <= 0):
        raise InvalidInput(
            f"settings.step_size must be a number greater than 0, not {step!r}",
            field="settings.step_size",
            expected="a positive number",
        )
    if step is not None and width / step > MAX_STEPS:
        raise InvalidInput(
            f"settings.step_size {step} makes more than {MAX_STEPS:,} steps from {low} to "
            f"{high}; leave it out to allow any number in the range",
            field="settings.step_size",
            expected=f"at least {width / MAX_STEPS:g}",
        )
    display = raw.get("display_type", "slider")
    if display not in ("slider", "button"):
        raise InvalidInput(
            f"settings.display_type {display!r} is not a display type",
            field="settings.display_type",
            expected="slider or button",
        )
    return {"min": low, "max": high, "step_size": step, "display_type": display}


def _option_text(raw: Any, index: int) -> str:
    text = raw.get("label") if isinstance(raw, dict) else raw
    field = f"settings.options[{index}]"
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            f"{field} must be a non-empty string or an object with a non-empty 'label'",
            field=field,
            expected='"good" or {"label": "good"}',
        )
    text = text.strip()
    if len(text) > MAX_OPTION_LENGTH:
        raise InvalidInput(
            f"{field} is {len(text)} characters long; the limit is {MAX_OPTION_LENGTH}",
            field=field,
            expected=f"at most {MAX_OPTION_LENGTH} characters",
        )
    _check_storable(text, field)
    return text


def _categorical_settings(raw: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(raw, ("options", "multi_choice"), LabelType.CATEGORICAL)
    options = raw.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        count = len(options) if isinstance(options, list) else "no list of"
        raise InvalidInput(
            f"settings.options must list {MIN_OPTIONS} to {MAX_OPTIONS} options, not {count}",
            field="settings.options",
            expected=f"a list of {MIN_OPTIONS} to {MAX_OPTIONS} options",
        )
    texts: list[str] = []
    seen: dict[str, int] = {}
    for index, option in enumerate(options):
        text = _option_text(option, index)
        if text.casefold() in seen:
            raise InvalidInput(
                f"settings.options[{index}] {text!r} repeats option {seen[text.casefold()]} "
                "(options must differ ignoring case)",
                field=f"settings.options[{index}]",
                expected="options that differ ignoring case",
            )
        seen[text.casefold()] = index
        texts.append(text)
    multi = raw.get("multi_choice", False)
    if not isinstance(multi, bool):
        raise InvalidInput(
            "settings.multi_choice must be true or false",
            field="settings.multi_choice",
            expected="a boolean",
        )
    return {"options": texts, "multi_choice": multi}


def _star_settings(raw: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(raw, ("no_of_stars",), LabelType.STAR)
    stars = raw.get("no_of_stars", DEFAULT_STARS)
    if not _is_int(stars) or not 1 <= stars <= MAX_STARS:
        raise InvalidInput(
            f"settings.no_of_stars must be a whole number from 1 to {MAX_STARS}, not {stars!r}",
            field="settings.no_of_stars",
            expected=f"1 to {MAX_STARS}",
        )
    return {"no_of_stars": stars}


def _thumbs_settings(raw: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(raw, (), LabelType.THUMBS)
    return {}


# --- values -----------------------------------------------------------------------------


class ValueProblem(Exception):
    """A value that does not fit its label; the message is a sentence a user can act on."""


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """What value validation needs to know of a label (at one version)."""

    name: str
    type: LabelType
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TypedValue:
    """A value that fits its label, with the AgentMark view of it.

    `label` and `score` are what the value reads as in the Name/Label/Score/Reason shape:
    text and categorical values are labels, numbers and stars are scores, thumbs are both
    (thumbs_up / 1.0, thumbs_down / 0.0).
    """

    value: JsonValue
    label: str | None
    score: float | None


def typed_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    """Check `value` against the label (raising ValueProblem) and give its AgentMark view."""
    check = {
        LabelType.TEXT: _text_value,
        LabelType.NUMERIC: _numeric_value,
        LabelType.CATEGORICAL: _categorical_value,
        LabelType.STAR: _star_value,
        LabelType.THUMBS: _thumbs_value,
    }[spec.type]
    return check(spec, value)


def _text_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    if not isinstance(value, str):
        raise ValueProblem(f"label {spec.name!r} takes text, not {_describe(value)}")
    problem = unstorable(value)
    if problem:
        raise ValueProblem(f"text for label {spec.name!r} must not contain {problem}")
    low, high = spec.settings.get("min_length", 0), spec.settings.get("max_length", MAX_TEXT_LENGTH)
    if len(value) < low:
        raise ValueProblem(
            f"text for label {spec.name!r} is {len(value)} characters long; "
            f"it must be at least {low}"
        )
    if len(value) > high:
        raise ValueProblem(
            f"text for label {spec.name!r} is {len(value):,} characters long; "
            f"it must be at most {high:,}"
        )
    return TypedValue(value=value, label=value, score=None)


def _numeric_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    if not is_number(value):
        raise ValueProblem(f"label {spec.name!r} takes a number, not {_describe(value)}")
    low, high, step = spec.settings["min"], spec.settings["max"], spec.settings.get("step_size")
    # Judged as the float it is stored as (integers past 2**53 round), so that a stored
    # value fits its label again when the annotation is next changed.
    number, bottom, top = float(value), float(low), float(high)
    if not bottom <= number <= top:
        raise ValueProblem(f"{value} is outside the range of label {spec.name!r} ({low} to {high})")
    if step and number != top:
        steps = (number - bottom) / step
        # A value typed as min + k * step is off by the rounding of binary floats: a few
        # units in the last place of the numbers (large next to the step when the range
        # is narrow for its magnitude), and a little per step when the step is decimal.
        slack = (
            _STEP_TOLERANCE * max(1.0, abs(steps)) + (math.ulp(number) + math.ulp(bottom)) / step
        )
        if abs(steps - round(steps)) > slack:
            below = low + math.floor(steps) * step
            raise ValueProblem(
                f"{value} is not on a step of label {spec.name!r} (steps of {step} from "
                f"{low}; nearest are {_round(below)} and {_round(min(below + step, high))})"
            )
    return TypedValue(value=number, label=None, score=number)


def _round(number: float) -> float:
    # Steps such as 0.1 leave binary noise (0.30000000000000004); show what users typed.
    return round(number, 10)


def _categorical_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueProblem(f"label {spec.name!r} takes a list of options, not {_describe(value)}")
    if not value:
        raise ValueProblem(f"choose at least one option of label {spec.name!r}")
    options: list[str] = spec.settings["options"]
    canonical = {option.casefold(): option for option in options}
    chosen: list[str] = []
    for item in value:
        option = canonical.get(item.strip().casefold())
        if option is None:
            shown = ", ".join(repr(o) for o in options[:10]) + (
                ", ..." if len(options) > 10 else ""
            )
            raise ValueProblem(
                f"{item!r} is not an option of label {spec.name!r} (options: {shown})"
            )
        if option in chosen:
            raise ValueProblem(f"option {option!r} is given twice for label {spec.name!r}")
        chosen.append(option)
    if len(chosen) > 1 and not spec.settings.get("multi_choice", False):
        raise ValueProblem(f"label {spec.name!r} takes a single option; {len(chosen)} were given")
    return TypedValue(value=chosen, label=", ".join(chosen), score=None)


def _star_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    stars = spec.settings.get("no_of_stars", DEFAULT_STARS)
    if not is_number(value):
        raise ValueProblem(f"label {spec.name!r} takes a number of stars, not {_describe(value)}")
    if value != int(value) or not 1 <= value <= stars:
        raise ValueProblem(
            f"{value} is not a rating of label {spec.name!r}: give a whole number from 1 to {stars}"
        )
    return TypedValue(value=float(value), label=None, score=float(value))


def _thumbs_value(spec: LabelSpec, value: JsonValue) -> TypedValue:
    if not isinstance(value, bool):
        raise ValueProblem(
            f"label {spec.name!r} takes true (thumbs up) or false (thumbs down), "
            f"not {_describe(value)}"
        )
    return TypedValue(
        value=value, label=THUMBS_UP if value else THUMBS_DOWN, score=1.0 if value else 0.0
    )


def _describe(value: JsonValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN or infinity"
    if isinstance(value, int | float):
        return "a number" if is_number(value) else "a number too large"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def value_from_bulk(spec: LabelSpec, annotation: dict[str, Any]) -> TypedValue:
    """The value of a bulk-API annotation: exactly the one value key its label type takes."""
    expected = VALUE_KEYS[spec.type]
    given = [key for key in ALL_VALUE_KEYS if key in annotation]
    if given != [expected]:
        article = "an" if spec.type.value[0] in "aeiou" else "a"
        if not given:
            problem = "no value was given"
        elif len(given) > 1:
            problem = "several value keys were given (" + ", ".join(given) + ")"
        else:
            problem = f"'{given[0]}' was given"
        raise ValueProblem(
            f"label {spec.name!r} is {article} {spec.type.value} label, send '{expected}' "
            f"({problem})"
        )
    return typed_value(spec, annotation[expected])


def value_from_agentmark(
    spec: LabelSpec, *, label: str | list[str] | None, score: float | None
) -> TypedValue:
    """The value of an annotation given as Name/Label/Score/Reason, for a typed label.

    Text takes the Label; categorical the Label (or a list of them); numeric and star the
    Score; thumbs a Label of thumbs_up/thumbs_down (also up/down, true/false) or a Score
    of 1 or 0.
    """
    if spec.type is LabelType.TEXT:
        if label is None:
            raise ValueProblem(f"label {spec.name!r} is a text label: give the text as Label")
        return typed_value(spec, label)
    if spec.type is LabelType.CATEGORICAL:
        if label is None:
            raise ValueProblem(
                f"label {spec.name!r} is a categorical label: give one of its options as Label"
            )
        return typed_value(spec, label if isinstance(label, list) else [label])
    if spec.type in (LabelType.NUMERIC, LabelType.STAR):
        if score is None:
            raise ValueProblem(
                f"label {spec.name!r} is a {spec.type.value} label: give the number as Score"
            )
        return typed_value(spec, score)
    return typed_value(spec, _thumb(spec, label, score))


_THUMB_WORDS = {
    THUMBS_UP: True,
    "up": True,
    "true": True,
    "yes": True,
    "good": True,
    THUMBS_DOWN: False,
    "down": False,
    "false": False,
    "no": False,
    "bad": False,
}


def _thumb(spec: LabelSpec, label: str | list[str] | None, score: float | None) -> bool:
    if isinstance(label, str) and label.strip().lower() in _THUMB_WORDS:
        thumb = _THUMB_WORDS[label.strip().lower()]
        if score is not None and score != int(thumb):
            raise ValueProblem(
                f"label {spec.name!r}: Label {label!r} and Score {score} disagree "
                "(thumbs up is 1, thumbs down 0)"
            )
        return thumb
    if label is None and score in (0, 1):
        return bool(score)
    raise ValueProblem(
        f"label {spec.name!r} is a thumbs up/down label: give Label thumbs_up or thumbs_down "
        "(or Score 1 or 0)"
    )
