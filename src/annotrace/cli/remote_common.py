"""What the commands on traces, spans, annotations and datasets share: their arguments,
span filters read from a file, times given in ISO 8601, and short cells for tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from annotrace.cli.remote import fail

SpanArgument = Annotated[
    str, typer.Argument(metavar="SPAN_ID", help="Span id (16 hex digits).", show_default=False)
]
TraceOption = Annotated[
    str | None,
    typer.Option(
        "--trace",
        metavar="TRACE_ID",
        help="Trace id of the span, needed only when the span id is in several traces.",
        show_default=False,
    ),
]
ProjectOption = Annotated[
    str, typer.Option("--project", help="Project name or id (prj_…).", show_default=False)
]
AnnotatorOption = Annotated[
    str,
    typer.Option(
        "--annotator", help="Annotator id (a dashboard user's email).", show_default=False
    ),
]
FilterOption = Annotated[
    Path | None,
    typer.Option(
        "--filter",
        metavar="F.json",
        dir_okay=False,
        help="JSON file of a span filter ({start_time, end_time, where}); default: every "
        "span of the project.",
        show_default=False,
    ),
]


def read_filter(path: Path | None, project_id: str) -> dict[str, Any]:
    """The span filter of the file (every span when there is none), for the project."""
    found: Any = {}
    if path is not None:
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            fail(f"--filter: cannot read {path}: {error.strerror or error}")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            fail(f"--filter: {path} is not JSON ({error})")
        if not isinstance(found, dict):
            fail(f"--filter: {path} must hold a JSON object")
    given = found.get("project_id")
    if given is not None and given != project_id:
        fail(f"--filter: {path} is of project {given!r}, not of --project ({project_id})")
    return {**found, "project_id": project_id}


def parse_time(text: str | None, flag: str) -> datetime | None:
    """An ISO 8601 time (a date alone is its midnight); UTC when it names no zone."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{flag}: {text!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def short(text: Any, width: int = 60) -> str:
    """One line of at most `width` characters (… when cut)."""
    if text is None:
        return ""
    line = " ".join(str(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"


def read_text_option(text: str | None, path: Path | None, flag: str, file_flag: str) -> str:
    """The text of `flag`, or of the file of `file_flag`: exactly one of them."""
    if (text is None) == (path is None):
        fail(f"give {flag} or {file_flag} (one of them)")
    if path is None:
        assert text is not None
        return text
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"{file_flag}: cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{file_flag}: {path} is not UTF-8 text")
