"""What the commands that talk to a server share: its URL and keys, the client, failing
cleanly on the server's refusals, and reading JSONL files with line numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from annotrace.client import APIError, Client, ClientError, ConnectionFailed

# Progress bars and other chatter go to stderr: stdout stays for the answer.
err_console = Console(stderr=True, soft_wrap=True)

BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="ANNOTRACE_BASE_URL",
        help="URL of the annotrace server. Default: $ANNOTRACE_BASE_URL, else "
        "http://127.0.0.1:6180.",
        show_default=False,
        show_envvar=False,
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="ANNOTRACE_API_KEY",
        help="API key (from `annotrace keys create`). Default: $ANNOTRACE_API_KEY.",
        show_default=False,
        show_envvar=False,
    ),
]
SecretKeyOption = Annotated[
    str | None,
    typer.Option(
        "--secret-key",
        envvar="ANNOTRACE_SECRET_KEY",
        help="Secret key of the API key. Default: $ANNOTRACE_SECRET_KEY.",
        show_default=False,
        show_envvar=False,
    ),
]


def fail(message: str) -> NoReturn:
    """`Error: <message>` on stderr, exit code 1."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


def describe(error: ClientError) -> str:
    """The words of a client error for a person: the server's message and the field."""
    if isinstance(error, APIError):
        field = (
            f"{error.field}: " if error.field and not error.message.startswith(error.field) else ""
        )
        text = f"{field}{error.message or 'request refused'} (HTTP {error.status_code})"
    elif isinstance(error, ConnectionFailed):
        text = f"could not reach the server ({error})"
    else:
        text = str(error)
    notes = getattr(error, "__notes__", None) or []
    return "; ".join([text, *notes])


@contextmanager
def connect(base_url: str | None, api_key: str | None, secret_key: str | None) -> Iterator[Client]:
    """A client of the server named by the options (or the environment), closed at the
    end; the client's errors become `Error: …` and exit code 1."""
    if not api_key or not secret_key:
        fail("give --api-key and --secret-key, or set ANNOTRACE_API_KEY and ANNOTRACE_SECRET_KEY")
    try:
        client = Client(base_url, api_key, secret_key)
    except ValueError as error:
        fail(str(error))
    try:
        yield client
    except ClientError as error:
        fail(describe(error))
    finally:
        client.close()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file with their line numbers (blank lines skipped).
    Any line that is not a JSON object fails the command, naming every such line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    found: list[tuple[int, dict[str, Any]]] = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            bad.append(f"line {number}: not JSON ({error.msg}, column {error.colno})")
            continue
        if not isinstance(value, dict):
            bad.append(f"line {number}: not a JSON object")
            continue
        found.append((number, value))
    if bad:
        shown = bad[:20] + ([f"… and {len(bad) - 20} more"] if len(bad) > 20 else [])
        fail(f"{path} has bad lines; nothing was sent:\n  " + "\n  ".join(shown))
    if not found:
        fail(f"{path} has no records")
    return found


def parse_value(text: str) -> Any:
    """A value given on the command line: JSON when it parses as JSON, else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def dump(model: Any) -> Any:
    """A model (or a list of them) as JSON data."""
    if isinstance(model, list):
        return [dump(item) for item in model]
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json")
    return model


def project_id(client: Client, project: str) -> str:
    """The id of the project named (or identified, prj_…) by `project`."""
    wanted = project.strip()
    projects = client.projects.list()
    for found in projects:
        if wanted in (found.id, found.name):
            return found.id
    names = ", ".join(sorted(found.name for found in projects)) or "none"
    fail(f"--project: no project {wanted!r} in the workspace (projects: {names})")
