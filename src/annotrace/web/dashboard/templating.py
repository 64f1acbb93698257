"""Jinja2 templates of the dashboard, with the filters they format values with.

Autoescaping is on for every template: span content is untrusted (it is LLM output and
user input) and is only ever shown, never run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# Text longer than this is shown folded, with the rest one click away.
FOLD_AT = 2_000

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def duration(milliseconds: float | None) -> str:
    if milliseconds is None:
        return ""
    if milliseconds < 1:
        return f"{milliseconds * 1000:.0f} µs"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    if milliseconds < 60_000:
        return f"{milliseconds / 1000:.2f} s"
    return f"{milliseconds / 60_000:.1f} min"


def when(moment: datetime | None) -> str:
    """UTC, to the second: the same for every reader, and sortable."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def pretty(text: str | None) -> str:
    """JSON pretty-printed; anything else as it is."""
    if not text:
        return text or ""
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


# CommonMark without raw HTML: text that looks like a tag is shown, never parsed, and
# markdown-it refuses javascript: and other script URLs in links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def markdown(text: str | None) -> Markup:
    """Markdown (queue instructions) as HTML that cannot carry markup of its own."""
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704 (html is off: the output is escaped)


_PDF, _PDI = "\u202c", "\u2069"
# Embeddings and overrides (LRE, RLE, LRO, RLO) end at a PDF; isolates (LRI, RLI, FSI)
# at a PDI.
_CLOSER_OF = dict.fromkeys("\u202a\u202b\u202d\u202e", _PDF) | dict.fromkeys(
    "\u2066\u2067\u2068", _PDI
)


def bidi_closed(text: str | None) -> str:
    """`text` with the bidirectional embeddings, overrides and isolates it leaves open
    closed at its end.

    An open one reorders the page's own text after it up to the end of the paragraph: a
    model name ending in U+202E (right-to-left override) would show the token counts that
    follow it backwards. For text that other text follows on the same line; never in form
    fields, whose values must stay as they are.
    """
    if not text:
        return ""
    if not any(opener in text for opener in _CLOSER_OF):
        return text
    unclosed: list[str] = []
    for char in text:
        if char in _CLOSER_OF:
            unclosed.append(_CLOSER_OF[char])
        elif char == _PDF and unclosed and unclosed[-1] == _PDF:
            unclosed.pop()
        elif char == _PDI and _PDI in unclosed:
            # A PDI also closes every embedding opened inside its isolate (UAX #9, X6a).
            del unclosed[len(unclosed) - 1 - unclosed[::-1].index(_PDI) :]
    return text + "".join(reversed(unclosed))


def percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def measure(value: float | None) -> str:
    """An agreement figure, or n/a where it is undefined."""
    return "n/a" if value is None else f"{value:.3f}"


templates.env.filters.update(
    duration=duration,
    when=when,
    pretty=pretty,
    as_json=as_json,
    number=number,
    markdown=markdown,
    percent=percent,
    measure=measure,
    bidi_closed=bidi_closed,
)
templates.env.globals.update(FOLD_AT=FOLD_AT)
