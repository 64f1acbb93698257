"""`annotrace queues`: annotation queues on a server, from creating them to agreement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from annotrace.cli.common import JsonOption, console, print_json
from annotrace.cli.remote import (
    ApiKeyOption,
    BaseUrlOption,
    SecretKeyOption,
    connect,
    dump,
    fail,
    parse_value,
    project_id,
)
from annotrace.schemas.queues import QueueProgress, QueueRead, WorkItem

app = typer.Typer(
    help="Annotation queues: create, fill, work and measure them.", no_args_is_help=True
)

QueueArgument = Annotated[str, typer.Argument(metavar="QUEUE", help="Queue id (que_…).")]
ItemArgument = Annotated[str, typer.Argument(metavar="ITEM", help="Item id (qit_…).")]
AnnotatorOption = Annotated[
    str, typer.Option("--annotator", help="Annotator id (a dashboard user's email).")
]
SpanIdsOption = Annotated[
    list[str] | None,
    typer.Option("--span-id", metavar="SPAN", help="A span to add; repeat for each."),
]
FilterOption = Annotated[
    Path | None,
    typer.Option(
        "--filter",
        dir_okay=False,
        help="JSON file of a span filter ({start_time, end_time, where}); {} is every span.",
        show_default=False,
    ),
]
SampleOption = Annotated[
    int | None,
    typer.Option("--sample", min=1, help="With --filter: a random sample of this many spans."),
]


def _items(
    span_ids: list[str] | None, filter_file: Path | None, sample: int | None
) -> dict[str, Any] | None:
    if sample is not None and filter_file is None:
        fail("--sample needs --filter (the spans to sample from)")
    items: dict[str, Any] = {}
    if span_ids:
        items["span_ids"] = span_ids
    if filter_file is not None:
        try:
            items["filter"] = json.loads(filter_file.read_text(encoding="utf-8"))
        except OSError as error:
            fail(f"--filter: cannot read {filter_file}: {error.strerror or error}")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            fail(f"--filter: {filter_file} is not JSON ({error})")
        if not isinstance(items["filter"], dict):
            fail(f"--filter: {filter_file} must hold a JSON object")
    if sample is not None:
        items["sample"] = sample
    return items or None


def _progress_line(progress: QueueProgress) -> str:
    return (
        f"{progress.completed}/{progress.total} completed, {progress.in_progress} in progress, "
        f"{progress.pending} pending, {progress.skipped} skipped"
        + (f", {progress.gold} gold" if progress.gold else "")
    )


def _show_queue(queue: QueueRead) -> None:
    console.print(f"[bold]{escape(queue.name)}[/bold] {queue.id} ({queue.status})")
    console.print(f"Project: {queue.project_id}")
    labels = ", ".join(
        f"{label.name}{'' if label.required else ' (optional)'}" for label in queue.labels
    )
    console.print(f"Labels: {escape(labels)}")
    annotators = ", ".join(queue.annotators) if queue.annotators is not None else "everyone"
    console.print(f"Annotators: {escape(annotators)}; {queue.annotators_per_item} per item")
    console.print(f"Reservation: {queue.reservation_seconds} s")
    console.print(f"Progress: {_progress_line(queue.progress)}")
    if queue.instructions:
        console.print(f"Instructions:\n{escape(queue.instructions)}")


def _show_work(work: WorkItem) -> None:
    console.print(f"Item {work.item.id}: span {work.item.span_id} of trace {work.item.trace_id}")
    console.print(f"Assignment: {work.assignment}")
    if work.reserved_until is not None:
        console.print(f"Reserved until: {work.reserved_until.isoformat(timespec='seconds')}")
    console.print("Labels: " + escape(", ".join(label.name for label in work.labels)))
    for value in work.values:
        console.print(f"  {escape(str(dump(value)))}")


@app.command("list")
def list_(
    project: Annotated[
        str | None, typer.Option("--project", help="Only this project's (name or id).")
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List the queues of the workspace (or of one project).

    --json prints a list of queues as the API gives them.
    """
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.list(project_id(client, project) if project else None)
    if as_json:
        print_json(dump(found))
        return
    if not found:
        console.print("No queues.")
        return
    table = Table("id", "name", "project", "status", "completed", "total")
    for queue in found:
        table.add_row(
            queue.id,
            escape(queue.name),
            queue.project_id,
            queue.status,
            str(queue.progress.completed),
            str(queue.progress.total),
        )
    console.print(table)


@app.command("show")
def show(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Show a queue: labels, annotators, progress, instructions."""
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.get(queue)
    if as_json:
        print_json(dump(found))
    else:
        _show_queue(found)


@app.command("create")
def create(
    project: Annotated[str, typer.Option("--project", help="Project name or id (prj_…).")],
    name: Annotated[str, typer.Option("--name", help="Queue name, unique in the project.")],
    labels: Annotated[
        list[str],
        typer.Option(
            "--label",
            metavar="NAME[:optional]",
            help="A label of the project to fill; repeat for each, in order. "
            "NAME:optional makes it optional.",
        ),
    ],
    annotators: Annotated[
        list[str] | None,
        typer.Option(
            "--annotator",
            metavar="ID",
            help="Who works the queue; repeat for each (default: everyone who may annotate).",
        ),
    ] = None,
    per_item: Annotated[
        int, typer.Option("--per-item", min=1, help="Annotators each item needs.")
    ] = 1,
    reservation_seconds: Annotated[
        int,
        typer.Option(
            "--reservation-seconds", min=1, help="How long an item handed out stays reserved."
        ),
    ] = 600,
    instructions_file: Annotated[
        Path | None,
        typer.Option(
            "--instructions-file",
            dir_okay=False,
            help="Markdown file of instructions for annotators.",
            show_default=False,
        ),
    ] = None,
    span_ids: SpanIdsOption = None,
    filter_file: FilterOption = None,
    sample: SampleOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Create a queue in a project and print it.

    Items to start with: --span-id (repeat), or --filter F.json (with --sample N).
    """
    choices: list[dict[str, Any]] = []
    for given in labels:
        label, _, flag = given.rpartition(":") if given.endswith(":optional") else (given, "", "")
        if not label.strip():
            fail(f"--label: {given!r} names no label")
        choices.append({"name": label, "required": flag != "optional"})
    instructions = ""
    if instructions_file is not None:
        try:
            instructions = instructions_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"--instructions-file: cannot read {instructions_file}: {error}")
    items = _items(span_ids, filter_file, sample)
    with connect(base_url, api_key, secret_key) as client:
        created = client.queues.create(
            project_id(client, project),
            name,
            choices,
            instructions=instructions,
            annotators=annotators or None,
            annotators_per_item=per_item,
            reservation_seconds=reservation_seconds,
            items=items,
        )
    if as_json:
        print_json(dump(created))
    else:
        console.print(f"Created queue {created.id}.")
        _show_queue(created)


@app.command("add")
def add(
    queue: QueueArgument,
    span_ids: SpanIdsOption = None,
    filter_file: FilterOption = None,
    sample: SampleOption = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Add spans to a queue: --span-id (repeat), or --filter F.json (--sample N).

    Spans already in the queue are left as they are. --json prints {added,
    already_in_queue, total}.
    """
    items = _items(span_ids, filter_file, sample)
    if items is None:
        fail("give --span-id or --filter")
    with connect(base_url, api_key, secret_key) as client:
        added = client.queues.add_items(queue, **items)
    if as_json:
        print_json(dump(added))
    else:
        console.print(
            f"Added {added.added} items ({added.already_in_queue} were in the queue already); "
            f"{added.total} in the queue."
        )


@app.command("progress")
def progress(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Items of a queue by state, and per annotator."""
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.progress(queue)
    if as_json:
        print_json(dump(found))
        return
    console.print(_progress_line(found) + (" (done)" if found.done else ""))
    if found.annotators:
        table = Table(*(["annotator", *list(dump(found.annotators[0]))[1:]]))
        for annotator in found.annotators:
            table.add_row(*(escape(str(value)) for value in dump(annotator).values()))
        console.print(table)


@app.command("agreement")
def agreement(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Inter-annotator agreement of each label of a queue."""
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.agreement(queue)
    if as_json:
        print_json(dump(found))
        return
    if not found.labels:
        console.print("No labels.")
        return
    rows = [dump(label) for label in found.labels]
    columns = [key for key in rows[0] if key != "label_id"]
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row[key] is None else escape(str(row[key])) for key in columns))
    console.print(table)


@app.command("next")
def next_(
    queue: QueueArgument,
    annotator: AnnotatorOption,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Reserve the next item of a queue for an annotator and show it.

    When nothing is left, says so (--json prints null); the exit code is 0 either way.
    """
    with connect(base_url, api_key, secret_key) as client:
        work = client.queues.next(queue, annotator)
    if as_json:
        print_json(dump(work) if work is not None else None)
    elif work is None:
        console.print("Nothing left for this annotator.")
    else:
        _show_work(work)


@app.command("submit")
def submit(
    queue: QueueArgument,
    item: ItemArgument,
    annotator: AnnotatorOption,
    values: Annotated[
        list[str],
        typer.Option(
            "--value",
            metavar="NAME=VALUE",
            help="A label's value; repeat for each. VALUE is read as JSON when it parses "
            '(4, true, ["a","b"]), else as a string.',
        ),
    ],
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Submit an annotator's values of a queue item."""
    given = _values(values)
    with connect(base_url, api_key, secret_key) as client:
        work = client.queues.submit(queue, item, annotator, given)
    if as_json:
        print_json(dump(work))
    else:
        console.print(f"Submitted item {work.item.id} ({work.item.status}).")


def _values(values: list[str]) -> dict[str, Any]:
    """--value NAME=VALUE options, by label name."""
    given: dict[str, Any] = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name.strip():
            fail(f"--value: {value!r} is not NAME=VALUE")
        given[name.strip()] = parse_value(text)
    return given


ValuesOption = Annotated[
    list[str],
    typer.Option(
        "--value",
        metavar="NAME=VALUE",
        help="A label's value; repeat for each. VALUE is read as JSON when it parses "
        '(4, true, ["a","b"]), else as a string.',
    ),
]


@app.command("update")
def update(
    queue: QueueArgument,
    name: Annotated[
        str | None, typer.Option("--name", help="New name.", show_default=False)
    ] = None,
    per_item: Annotated[
        int | None,
        typer.Option("--per-item", help="Annotators each item needs.", show_default=False),
    ] = None,
    reservation_seconds: Annotated[
        int | None,
        typer.Option(
            "--reservation-seconds",
            help="How long a handed-out item stays reserved.",
            show_default=False,
        ),
    ] = None,
    instructions_file: Annotated[
        Path | None,
        typer.Option(
            "--instructions-file",
            help="New instructions (Markdown).",
            show_default=False,
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    annotators: Annotated[
        list[str] | None,
        typer.Option(
            "--annotator",
            metavar="ID",
            help="Only these annotators work it; repeat for each.",
            show_default=False,
        ),
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--everyone", help="Everyone who may annotate works it.")
    ] = False,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Change a queue's settings; what is not given stays."""
    if annotators and everyone:
        fail("give --annotator or --everyone, not both")
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("annotators_per_item", per_item),
            ("reservation_seconds", reservation_seconds),
            ("instructions", instructions_file.read_text() if instructions_file else None),
        )
        if value is not None
    }
    if annotators:
        changes["annotators"] = annotators
    if everyone:
        changes["annotators"] = None
    if not changes:
        fail(
            "nothing to change: give --name, --per-item, --reservation-seconds, "
            "--instructions-file, --annotator or --everyone"
        )
    with connect(base_url, api_key, secret_key) as client:
        changed = client.queues.update(queue, **changes)
    if as_json:
        print_json(dump(changed))
    else:
        _show_queue(changed)


@app.command("items")
def items(
    queue: QueueArgument,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only items in this state: pending, in_progress, completed, skipped.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """A queue's items in the order they are handed out (every page)."""
    with connect(base_url, api_key, secret_key) as client:
        found = list(client.queues.items(queue, status=status))  # type: ignore[arg-type]
    if as_json:
        print_json([dump(item) for item in found])
        return
    table = Table("item", "span", "status", "completions", "gold")
    for item in found:
        table.add_row(item.id, item.span_id, item.status, str(item.completions), str(item.gold))
    console.print(table)


@app.command("remove")
def remove(
    queue: QueueArgument,
    item: ItemArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Take an item out of a queue (its annotations stay)."""
    with connect(base_url, api_key, secret_key) as client:
        client.queues.remove_item(queue, item)
    if as_json:
        print_json({"removed": item})
    else:
        console.print(f"Removed item {item}.")


@app.command("disagreements")
def disagreements(
    queue: QueueArgument,
    label_id: Annotated[
        str | None, typer.Option("--label-id", help="Only this label's.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Items where annotators gave a label different values, side by side."""
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.disagreements(queue, label_id=label_id)
    if as_json:
        print_json([dump(one) for one in found])
        return
    table = Table("item", "span", "label", "values", "gold")
    for one in found:
        shown = "; ".join(
            f"{v.annotator_id}: {v.label if v.label is not None else v.score}" for v in one.values
        )
        gold = "" if one.gold is None else str(one.gold.label or one.gold.score)
        table.add_row(one.item_id, one.span_id, escape(one.name), escape(shown), escape(gold))
    console.print(table)


@app.command("gold")
def gold(
    queue: QueueArgument,
    item: ItemArgument,
    values: ValuesOption,
    annotator: Annotated[str, typer.Option("--annotator", help="Who decides.", show_default=False)],
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Record an item's gold values (kept apart from its annotations); a value of null
    removes one."""
    given = _values(values)
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.set_gold(queue, item, given, annotator_id=annotator)
    if as_json:
        print_json([dump(one) for one in found])
    else:
        for one in found:
            console.print(f"{escape(one.name)}: {escape(str(one.label or one.score))}")


@app.command("accuracy")
def accuracy(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Each annotator's accuracy on the queue's gold items."""
    with connect(base_url, api_key, secret_key) as client:
        found = client.queues.accuracy(queue)
    if as_json:
        print_json([dump(one) for one in found])
        return
    table = Table("annotator", "gold items", "values", "correct", "accuracy")
    for one in found:
        share = "n/a" if one.accuracy is None else f"{one.accuracy:.0%}"
        table.add_row(
            escape(one.annotator_id), str(one.gold_items), str(one.values), str(one.correct), share
        )
    console.print(table)


@app.command("skip")
def skip(
    queue: QueueArgument,
    item: ItemArgument,
    annotator: AnnotatorOption,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Skip a queue item for an annotator."""
    with connect(base_url, api_key, secret_key) as client:
        work = client.queues.skip(queue, item, annotator)
    if as_json:
        print_json(dump(work))
    else:
        console.print(f"Skipped item {work.item.id}.")


def _set_status(
    action: str, queue: str, as_json: bool, remote: tuple[str | None, str | None, str | None]
) -> None:
    with connect(*remote) as client:
        changed = getattr(client.queues, action)(queue)
    if as_json:
        print_json(dump(changed))
    else:
        console.print(f"Queue {changed.id} is {changed.status}.")


@app.command("pause")
def pause(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Pause a queue: nothing is handed out until it is resumed."""
    _set_status("pause", queue, as_json, (base_url, api_key, secret_key))


@app.command("resume")
def resume(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Resume a paused (or archived) queue."""
    _set_status("resume", queue, as_json, (base_url, api_key, secret_key))


@app.command("archive")
def archive(
    queue: QueueArgument,
    as_json: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Archive a queue."""
    _set_status("archive", queue, as_json, (base_url, api_key, secret_key))
