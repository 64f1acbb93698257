"""`annotrace labels`: annotation labels of a workspace's projects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from annotrace.cli.common import (
    DatabaseUrlOption,
    JsonOption,
    admin_principal,
    console,
    database_from,
    print_json,
    project_id_of,
)
from annotrace.cli.remote import ApiKeyOption, BaseUrlOption, SecretKeyOption, connect
from annotrace.cli.remote import project_id as remote_project_id
from annotrace.domain.labels import LabelType
from annotrace.errors import InvalidInput
from annotrace.schemas.labels import LabelCreate, LabelRead, LabelUpdate
from annotrace.services import labels

app = typer.Typer(
    help="Create, list, show, change and archive annotation labels.", no_args_is_help=True
)

WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        help="Work on the database directly, in this workspace. Without it the command talks "
        "to the server, in the keys' workspace (--base-url, --api-key, --secret-key).",
        show_default=False,
    ),
]

# Each settings flag: the setting it sets and the one label type that takes it.
SETTING_FLAGS: dict[str, tuple[str, LabelType]] = {
    "--placeholder": ("placeholder", LabelType.TEXT),
    "--min-length": ("min_length", LabelType.TEXT),
    "--max-length": ("max_length", LabelType.TEXT),
    "--min": ("min", LabelType.NUMERIC),
    "--max": ("max", LabelType.NUMERIC),
    "--step-size": ("step_size", LabelType.NUMERIC),
    "--option": ("options", LabelType.CATEGORICAL),
    "--multi-choice/--single-choice": ("multi_choice", LabelType.CATEGORICAL),
    "--stars": ("no_of_stars", LabelType.STAR),
}
# Categorical options shown in a table cell; the rest are counted.
_SHOWN_OPTIONS = 5


@app.command("create")
def create(
    project: Annotated[
        str,
        typer.Option(
            "--project", help="Project name or id (prj_…); a project name not yet used is created."
        ),
    ],
    name: Annotated[
        str, typer.Option("--name", help="Label name, unique in the project ignoring case.")
    ],
    kind: Annotated[LabelType, typer.Option("--type", help="Label type.", case_sensitive=False)],
    description: Annotated[
        str, typer.Option("--description", help="What annotators should judge.")
    ] = "",
    placeholder: Annotated[
        str | None, typer.Option("--placeholder", help="text: hint shown in the empty field.")
    ] = None,
    min_length: Annotated[
        int | None, typer.Option("--min-length", help="text: fewest characters.")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="text: most characters.")
    ] = None,
    minimum: Annotated[
        float | None, typer.Option("--min", help="numeric: lowest value (required).")
    ] = None,
    maximum: Annotated[
        float | None, typer.Option("--max", help="numeric: highest value (required).")
    ] = None,
    step_size: Annotated[
        float | None,
        typer.Option("--step-size", help="numeric: values lie on steps of this size from --min."),
    ] = None,
    options: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="OPTION",
            help="categorical: one option; repeat for each (2 to 100).",
        ),
    ] = None,
    multi_choice: Annotated[
        bool | None,
        typer.Option(
            "--multi-choice/--single-choice",
            help="categorical: whether a value may pick several options (default: single).",
            show_default=False,
        ),
    ] = None,
    stars: Annotated[
        int | None, typer.Option("--stars", help="star: number of stars, 1 to 10 (default 5).")
    ] = None,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings-file",
            help="JSON object of settings, as the API takes them; settings flags override "
            "its keys.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Create an annotation label in a project of WORKSPACE and print it.

    The workspace must exist (`annotrace keys create` makes one). --project is a
    project's name or id; a name no project has yet makes a new project.

    Settings come from the flags of the label's type, or from --settings-file
    (a JSON object as the API takes it; flags win over its keys):

      text            --placeholder, --min-length, --max-length
      numeric         --min and --max (both required), --step-size
      categorical     --option (once per option, 2 to 100),
                      --multi-choice or --single-choice (the default)
      star            --stars (1 to 10, default 5)
      thumbs_up_down  none

    A settings flag of another type is an error. Example:

      annotrace labels create --workspace acme --project bot \\
          --name tone --type categorical --option friendly --option curt
    """
    flags = {
        "--placeholder": placeholder,
        "--min-length": min_length,
        "--max-length": max_length,
        "--min": _number(minimum),
        "--max": _number(maximum),
        "--step-size": _number(step_size),
        "--option": options or None,
        "--multi-choice/--single-choice": multi_choice,
        "--stars": stars,
    }
    settings = _settings(kind, flags, settings_file)
    data = LabelCreate(name=name, type=kind, description=description, settings=settings)
    if workspace is None:
        _no_database_url(database_url)
        with connect(base_url, api_key, secret_key) as client:
            label = client.labels.create(
                remote_project_id(client, project),
                name,
                kind.value,
                description=description,
                settings=settings,
            )
    else:
        with database_from(database_url) as database, database.write() as session:
            principal = admin_principal(session, workspace)
            project_id = project_id_of(session, principal, project, create=True)
            label = labels.create_label(
                session=session, principal=principal, project_id=project_id, data=data
            )
    _show(label, as_json)


@app.command("list")
def list_labels(
    project: Annotated[
        str | None,
        typer.Option(
            "--project", help="Only this project's labels (name or id).", show_default=False
        ),
    ] = None,
    include_archived: Annotated[
        bool, typer.Option("--include-archived", help="Also list archived labels.")
    ] = False,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """List the annotation labels of WORKSPACE, by project and name.

    Each label shows its id (the bulk API's annotation_label_id), project,
    name, type, current version, how many annotations use it, and its
    settings. Archived labels are left out unless --include-archived is
    given. --json prints the labels as the API returns them.
    """
    if workspace is None:
        _no_database_url(database_url)
        with connect(base_url, api_key, secret_key) as client:
            project_ids = (
                [remote_project_id(client, project)]
                if project
                else [p.id for p in client.projects.list()]
            )
            found = [
                label
                for one in project_ids
                for label in client.labels.list(one, include_archived=include_archived)
            ]
    else:
        with database_from(database_url) as database, database.read() as session:
            principal = admin_principal(session, workspace)
            project_id = (
                project_id_of(session, principal, project, create=False) if project else None
            )
            found = labels.list_labels(
                session=session,
                principal=principal,
                project_id=project_id,
                include_archived=include_archived,
            )
    if as_json:
        print_json([label.model_dump(mode="json") for label in found])
        return
    console.print(_table(found))


@app.command("show")
def show(
    label_id: Annotated[str, typer.Argument(help="The label's id (lbl_…).")],
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Print one label: its type, settings, version and how many annotations use it."""
    if workspace is None:
        _no_database_url(database_url)
        with connect(base_url, api_key, secret_key) as client:
            label = client.labels.get(label_id)
    else:
        with database_from(database_url) as database, database.read() as session:
            principal = admin_principal(session, workspace)
            label = labels.get_label(session=session, principal=principal, label_id=label_id)
    _show(label, as_json)


@app.command("update")
def update(
    label_id: Annotated[str, typer.Argument(help="The label's id (lbl_…).")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="New description.")
    ] = None,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings-file",
            help="JSON object of the new settings, complete (not merged), as the API takes them.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Change a label's name, description or settings and print it.

    A change of settings makes a new version of the label: annotations keep the
    version they were made under.
    """
    if name is None and description is None and settings_file is None:
        raise InvalidInput(
            "give --name, --description or --settings-file", field="--name", expected="a change"
        )
    data = LabelUpdate(
        name=name,
        description=description,
        settings=_read_settings_file(settings_file) if settings_file is not None else None,
    )
    if workspace is None:
        _no_database_url(database_url)
        with connect(base_url, api_key, secret_key) as client:
            label = client.labels.update(
                label_id, **data.model_dump(exclude_unset=True, exclude_none=True)
            )
    else:
        with database_from(database_url) as database, database.write() as session:
            principal = admin_principal(session, workspace)
            label = labels.update_label(
                session=session, principal=principal, label_id=label_id, data=data
            )
    _show(label, as_json)


@app.command("archive")
def archive(
    label_id: Annotated[str, typer.Argument(help="The label's id (lbl_…).")],
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseUrlOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    secret_key: SecretKeyOption = None,
) -> None:
    """Archive a label: it is no longer offered, its annotations stay, and its name can
    be taken again."""
    if workspace is None:
        _no_database_url(database_url)
        with connect(base_url, api_key, secret_key) as client:
            label = client.labels.archive(label_id)
    else:
        with database_from(database_url) as database, database.write() as session:
            principal = admin_principal(session, workspace)
            label = labels.archive_label(session=session, principal=principal, label_id=label_id)
    _show(label, as_json)


def _show(label: LabelRead, as_json: bool) -> None:
    if as_json:
        print_json(label.model_dump(mode="json"))
    else:
        _print_label(label)


def _no_database_url(database_url: str | None) -> None:
    if database_url is not None:
        raise InvalidInput(
            "--database-url works on the database: give --workspace too, or leave both out "
            "to talk to the server",
            field="--workspace",
            expected="a workspace name",
        )


def _number(value: float | None) -> float | int | None:
    # `--min 0` should be stored as 0, as the API would store it, not as 0.0.
    if value is not None and value.is_integer():
        return int(value)
    return value


def _settings(kind: LabelType, flags: dict[str, Any], settings_file: Path | None) -> dict[str, Any]:
    """The settings file's object, with the flags that were given laid over it."""
    settings = _read_settings_file(settings_file) if settings_file is not None else {}
    for flag, value in flags.items():
        if value is None:
            continue
        key, owner = SETTING_FLAGS[flag]
        if owner is not kind:
            raise InvalidInput(
                f"{flag} is a setting of {owner.value} labels, not of {kind.value} labels "
                f"({_flags_of(kind)})",
                field=flag,
                expected=_flags_of(kind),
            )
        settings[key] = value
    return settings


def _flags_of(kind: LabelType) -> str:
    flags = [flag for flag, (_, owner) in SETTING_FLAGS.items() if owner is kind]
    if not flags:
        return f"{kind.value} labels take no settings"
    return f"{kind.value} labels take " + ", ".join(flags)


def _read_settings_file(path: Path) -> dict[str, Any]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(
            f"--settings-file {str(path)!r} cannot be read: {error.strerror}",
            field="--settings-file",
            expected="a readable JSON file",
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"--settings-file {str(path)!r} is not JSON: {error}",
            field="--settings-file",
            expected="a readable JSON file",
        ) from None
    if not isinstance(settings, dict):
        raise InvalidInput(
            f"--settings-file {str(path)!r} must hold a JSON object of settings, "
            f"not a {type(settings).__name__}",
            field="--settings-file",
            expected='a JSON object such as {"min": 0, "max": 10}',
        )
    return settings


def _print_label(label: LabelRead) -> None:
    lines = [
        f"Label created in project {label.project_name} ({label.project_id}):",
        f"  id:       {label.id}",
        f"  name:     {label.name}",
        f"  type:     {label.type.value}",
        f"  settings: {json.dumps(label.settings)}",
    ]
    # Plain text: names may hold [brackets], which rich would read as markup.
    for line in lines:
        console.print(line, markup=False, highlight=False)


def _table(found: list[LabelRead]) -> Table:
    table = Table()
    # The id is what scripts and the bulk API need: never shortened, even on narrow screens.
    table.add_column(
        "id", no_wrap=True, min_width=max((len(label.id) for label in found), default=2)
    )
    # The other columns fold rather than cut: a shortened name or setting would mislead.
    for header in ("project", "name"):
        table.add_column(header, overflow="fold")
    table.add_column("type", no_wrap=True)
    for header in ("version", "annotations"):
        table.add_column(header, overflow="fold", justify="right")
    table.add_column("settings", overflow="fold")
    for label in found:
        archived = " (archived)" if label.archived_at else ""
        table.add_row(
            label.id,
            escape(label.project_name),
            escape(label.name) + archived,
            label.type.value,
            str(label.version),
            str(label.annotation_count),
            escape(settings_summary(label)),
        )
    return table


def settings_summary(label: LabelRead) -> str:
    """A label's settings in a few words, e.g. `0 to 10, steps of 0.5`."""
    settings = label.settings
    if label.type is LabelType.NUMERIC:
        step = settings.get("step_size")
        steps = f", steps of {step}" if step else ""
        return f"{settings['min']} to {settings['max']}{steps}"
    if label.type is LabelType.CATEGORICAL:
        options: list[str] = settings["options"]
        shown = ", ".join(options[:_SHOWN_OPTIONS])
        more = f" (+{len(options) - _SHOWN_OPTIONS} more)" if len(options) > _SHOWN_OPTIONS else ""
        choice = "several of" if settings["multi_choice"] else "one of"
        return f"{choice}: {shown}{more}"
    if label.type is LabelType.STAR:
        return f"{settings['no_of_stars']} stars"
    if label.type is LabelType.TEXT:
        return f"{settings['min_length']} to {settings['max_length']:,} characters"
    return "thumbs up or down"
