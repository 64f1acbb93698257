"""The Traces page's filter bar: its URL parameters, read into the one span filter.

A condition row is a group of parameters `f<n>.<part>` (`f0.type=annotation`,
`f0.label=Response Quality`, `f0.option=good`, `f0.gte=0.8`, `f1.type=notes`, `f1.not=1`);
`match=any` joins the rows with "or" instead of "and". The page is a plain GET form, so
the URL is the whole filter: shared, reloaded or exported, it selects the same spans.

Each row is validated by the models of `schemas.filters`, as the search API validates
its JSON, and a refusal names the row and the form field it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from annotrace.errors import InvalidInput
from annotrace.schemas.filters import MAX_CONDITIONS, Condition, SpanFilter

__all__ = ["ROW_TYPES", "Bar", "Row", "parse_time", "read_bar", "span_filter"]

ROW_TYPES = {
    "span": "span field",
    "text": "text",
    "annotation": "annotation",
    "no_annotation": "no annotation",
    "notes": "has notes",
    "no_notes": "has no notes",
    "correction": "has a correction",
    "no_correction": "has no correction",
    "disagree": "annotators disagree",
    "agree": "annotators agree",
    "gold": "has a gold value",
}
_ANNOTATION_PARTS = ("label", "match", "option", "gte", "lte", "annotator", "source")
# The parts each row type reads; a browser without the script sends every part of every
# type (all fieldsets are shown), and only these count.
PARTS = {
    "span": ("field", "op", "value"),
    "text": ("contains", "within"),
    "annotation": _ANNOTATION_PARTS,
    "no_annotation": _ANNOTATION_PARTS,
    "notes": (),
    "no_notes": (),
    "correction": (),
    "no_correction": (),
    # The label these are about: its own part, since a browser without the script sends
    # the annotation fieldset's `label` too.
    "disagree": ("of",),
    "agree": ("of",),
    "gold": ("of",),
}
_ROW_KEY = re.compile(r"f(\d{1,3})\.([a-z]+)")
_KNOWN_PARTS = {"type", "not", *(part for parts in PARTS.values() for part in parts)}
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


_TIME_NAMES = {"start": "From", "end": "To"}


def parse_time(raw: str, field: str) -> datetime | None:
    """A `datetime-local` value (or any ISO 8601 time) of parameter `field` (start or
    end), UTC unless it says otherwise."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{_TIME_NAMES.get(field, field)}: {raw!r} is not a date and time",
            field=field,
            expected="YYYY-MM-DDTHH:MM",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass
class Row:
    """One condition row as the form sent it."""

    position: int
    parts: dict[str, list[str]]

    @property
    def type(self) -> str:
        return self.get("type")

    @property
    def negated(self) -> bool:
        return self.get("not") not in ("", "0")

    def get(self, part: str) -> str:
        values = self.parts.get(part) or [""]
        return values[0].strip()

    def all(self, part: str) -> list[str]:
        return [value.strip() for value in self.parts.get(part, []) if value.strip()]

    def field_name(self, part: str) -> str:
        return f"f{self.position}.{part}"


@dataclass
class Bar:
    """The filter bar: its condition rows, how they join, and the page's quick filters."""

    rows: list[Row] = field(default_factory=list)
    match: str = "all"
    single: dict[str, str] = field(default_factory=dict)  # q, status, kind, annotated, start, end

    def query(self) -> list[tuple[str, str]]:
        """The rows as URL parameters, numbered from 0, without the parts their type
        ignores: the canonical URL of the conditions."""
        pairs: list[tuple[str, str]] = []
        for row in self.rows:
            for part in ("type", "not", *PARTS.get(row.type, ())):
                pairs += [(row.field_name(part), value) for value in row.all(part)]
        if self.match == "any":
            pairs.append(("match", "any"))
        return pairs

    def where(self) -> Condition | None:
        """The rows as one condition (None without rows); InvalidInput names a bad row."""
        if len(self.rows) > MAX_CONDITIONS:
            raise InvalidInput(
                f"at most {MAX_CONDITIONS} conditions, not {len(self.rows)}",
                field="where",
                expected=f"at most {MAX_CONDITIONS} conditions",
            )
        conditions = [_condition(row) for row in self.rows]
        return _joined(conditions, "or" if self.match == "any" else "and")

    def span_filter(self, *, project_id: str) -> SpanFilter:
        """What the Spans view lists: the rows, the time range, and the quick filters
        (search, status, kind, annotated) read span by span."""
        where = _joined([c for c in (self.where(), *self._quick()) if c is not None], "and")
        return SpanFilter(
            project_id=project_id,
            start_time=parse_time(self.single.get("start", ""), "start"),
            end_time=parse_time(self.single.get("end", ""), "end"),
            where=where,
        )

    def _quick(self) -> list[Condition]:
        search = self.single.get("q", "")
        status = self.single.get("status", "")
        kind = self.single.get("kind", "")
        annotated = self.single.get("annotated", "")
        failed: dict[str, Any] = {"type": "span", "field": "status", "op": "eq", "value": "ERROR"}
        human: dict[str, Any] = {"type": "annotation", "source": "human"}
        quick: list[tuple[str, dict[str, Any]]] = []
        if search:
            quick.append(
                ("q", {"type": "text", "contains": search, "within": ["name", "input", "output"]})
            )
        if status in ("error", "ok"):
            quick.append(
                ("status", failed if status == "error" else {"type": "not", "condition": failed})
            )
        if kind:
            quick.append(("kind", {"type": "span", "field": "kind", "op": "eq", "value": kind}))
        if annotated in ("yes", "no"):
            quick.append(("annotated", {**human, "exists": annotated == "yes"}))
        return [_validated(raw, what="", field=name) for name, raw in quick]


def read_bar(items: Iterable[tuple[str, str]]) -> Bar:
    """The bar from a request's query parameters (`request.query_params.multi_items()`).

    Rows without a type (the form's empty last row) and the row named by `remove` (the
    Remove button of a browser without the script) are left out.
    """
    grouped: dict[int, dict[str, list[str]]] = {}
    single: dict[str, str] = {}
    remove = ""
    for key, value in items:
        found = _ROW_KEY.fullmatch(key)
        if found and found.group(2) in _KNOWN_PARTS:
            parts = grouped.setdefault(int(found.group(1)), {})
            parts.setdefault(found.group(2), []).append(value)
        elif key == "remove":
            remove = value
        elif key in ("q", "status", "kind", "annotated", "start", "end", "match"):
            single.setdefault(key, value.strip())
    kept = [
        parts
        for index, parts in sorted(grouped.items())
        if str(index) != remove and (parts.get("type") or [""])[0].strip()
    ]
    match = single.pop("match", "")
    return Bar(
        rows=[Row(position, parts) for position, parts in enumerate(kept)],
        match="any" if match == "any" else "all",
        single=single,
    )


def span_filter(items: Iterable[tuple[str, str]], *, project_id: str) -> SpanFilter:
    """The spans the Traces page's URL selects (its Spans view): the one function to
    turn the bar's parameters into a filter, for the page and for exports of it."""
    return read_bar(items).span_filter(project_id=project_id)


# --- rows into conditions ---------------------------------------------------------------


def _condition(row: Row) -> Condition:
    kind = row.type
    if kind not in ROW_TYPES:
        raise InvalidInput(
            f"Condition {row.position + 1}: there is no condition {kind!r}",
            field=row.field_name("type"),
            expected=", ".join(ROW_TYPES),
        )
    what = f"Condition {row.position + 1} ({ROW_TYPES[kind]})"
    condition = _validated(_raw(row), what=what, prefix=row.field_name(""))
    if row.negated:
        return _CONDITION.validate_python({"type": "not", "condition": condition})
    return condition


def _raw(row: Row) -> dict[str, Any]:
    """The row as the search API's JSON; empty inputs are parts not given."""
    kind = row.type
    if kind in ("notes", "no_notes", "correction", "no_correction"):
        return {"type": kind.removeprefix("no_"), "exists": not kind.startswith("no_")}
    if kind in ("disagree", "agree", "gold"):
        raw: dict[str, Any] = (
            {"type": "gold"} if kind == "gold" else {"type": "agreement", "agree": kind == "agree"}
        )
        if row.get("of"):
            raw["label"] = row.get("of")
        return raw
    if kind == "text":
        raw = {"type": "text", "contains": row.get("contains")}
        if row.all("within"):
            raw["within"] = row.all("within")
        return raw
    if kind == "span":
        raw = {"type": "span", "field": row.get("field") or "name", "op": row.get("op") or "eq"}
        return raw | _operands(raw["op"], row.all("value"))
    raw = {"type": "annotation", "exists": kind == "annotation"}
    for part in ("label", "annotator", "source"):
        if row.get(part):
            raw[part] = row.get(part)
    if row.all("option"):
        op = row.get("match") or "eq"
        raw["value"] = {"op": op} | _operands(op, row.all("option"))
    bounds = {bound: row.get(bound) for bound in ("gte", "lte") if row.get(bound)}
    if bounds:
        raw["score"] = bounds
    return raw


def _operands(op: str, values: list[str]) -> dict[str, Any]:
    if op == "in":
        # "is one of" from a text box: values separated by commas.
        return {"values": [part.strip() for v in values for part in v.split(",") if part.strip()]}
    return {"value": values[0] if values else None}


def _joined(conditions: list[Condition], how: str) -> Condition | None:
    if len(conditions) <= 1:
        return conditions[0] if conditions else None
    return _CONDITION.validate_python({"type": how, "conditions": conditions})


# Which form field an error of the API's JSON comes from, by row type and JSON path.
_FORM_PARTS = {
    ("span", ""): "value",  # "op 'in' needs a non-empty 'values' list"
    ("span", "values"): "value",
    ("annotation", "value"): "option",
    ("annotation", "value.op"): "match",
    ("annotation", "score"): "gte",
    ("annotation", "score.lte"): "lte",
    ("agreement", "label"): "of",
    ("gold", "label"): "of",
}
_QUICK_NAMES = {"q": "Search", "status": "Status", "kind": "Kind", "annotated": "Annotated"}


def _validated(raw: dict[str, Any], *, what: str, field: str = "", prefix: str = "") -> Condition:
    """The condition, or InvalidInput naming `field` (or, for a row, its form field:
    `prefix` and the part)."""
    try:
        return _CONDITION.validate_python(raw)
    except ValidationError as error:
        problem = error.errors()[0]
        # loc starts with the condition's type (the union's tag), then the JSON path.
        path = [str(part) for part in problem["loc"][1:]]
        reason = str(problem["msg"]).removeprefix("Value error, ")
        if not prefix:
            raise InvalidInput(f"{_QUICK_NAMES[field]}: {reason}", field=field) from None
        json_path = ".".join(path)
        part = _FORM_PARTS.get(
            (raw["type"], ".".join(path[:2])),
            _FORM_PARTS.get((raw["type"], path[0] if path else ""), path[0] if path else "type"),
        )
        message = f"{what}: {json_path + ': ' if json_path else ''}{reason}"
        raise InvalidInput(message, field=prefix + part) from None
