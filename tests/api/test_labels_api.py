"""The labels API: native (`/api/v1/.../labels`) and compatible
(`/tracer/get-annotation-labels/`), on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_trace

pytestmark = pytest.mark.anyio

Json = dict[str, Any]

FIVE_TYPES = [
    (
        "text",
        {"placeholder": "Why?"},
        {"placeholder": "Why?", "min_length": 0, "max_length": 100_000},
    ),
    (
        "numeric",
        {"min": 0, "max": 10, "step_size": 0.5},
        {"min": 0, "max": 10, "step_size": 0.5, "display_type": "slider"},
    ),
    (
        "categorical",
        {"options": [{"label": " good "}, "bad"]},
        {"options": ["good", "bad"], "multi_choice": False},
    ),
    ("star", {}, {"no_of_stars": 5}),
    ("thumbs_up_down", {}, {}),
]


@pytest.fixture
def spans(database: Database) -> list[Any]:
    """A trace stored in project `bot` of workspace acme (ingest creates the project)."""
    trace = make_trace(project="bot")
    store(database, principal_of(database), trace)
    return trace


@pytest.fixture
async def bot(client: httpx.AsyncClient, auth: dict[str, str], spans: list[Any]) -> str:
    """The id of project `bot`."""
    projects = (await client.get("/api/v1/projects", headers=auth)).json()
    return next(project["id"] for project in projects if project["name"] == "bot")


async def create(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project: str,
    name: str,
    kind: str = "star",
    settings: Json | None = None,
    **fields: Any,
) -> httpx.Response:
    body = {"name": name, "type": kind, "settings": settings or {}} | fields
    return await client.post(f"/api/v1/projects/{project}/labels", headers=auth, json=body)


async def created(
    client: httpx.AsyncClient, auth: dict[str, str], project: str, name: str, **kwargs: Any
) -> Json:
    response = await create(client, auth, project, name, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


async def annotate(
    client: httpx.AsyncClient, auth: dict[str, str], span_id: str, **fields: Any
) -> httpx.Response:
    body = {"annotator_id": "x"} | fields
    return await client.post(f"/api/v1/spans/{span_id}/annotations", headers=auth, json=body)


async def bulk(
    client: httpx.AsyncClient, auth: dict[str, str], span_id: str, annotation: Json
) -> Json:
    body = {
        "records": [
            {
                "observation_span_id": span_id,
                "annotations": [{"annotator_id": "x"} | annotation],
            }
        ]
    }
    response = await client.post("/tracer/bulk-annotation/", headers=auth, json=body)
    assert response.status_code == 200, response.text
    return response.json()["result"]


# --- create, read, list -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "given", "normalised"), FIVE_TYPES)
async def test_create_each_type_with_normalised_settings(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    bot: str,
    kind: str,
    given: Json,
    normalised: Json,
) -> None:
    response = await create(
        client, auth, bot, f" my {kind} ", kind, given, description=" judge it "
    )
    assert response.status_code == 201
    label = response.json()
    assert label["id"].startswith("lbl_")
    assert label | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "project_id": bot,
        "project_name": "bot",
        "name": f"my {kind}",
        "type": kind,
        "description": "judge it",
        "settings": normalised,
        "version": 1,
        "annotation_count": 0,
        "created_at": None,
        "updated_at": None,
        "archived_at": None,
    }
    fetched = await client.get(f"/api/v1/labels/{label['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == label


async def test_list_is_sorted_by_name_and_hides_archived_labels(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    for name in ("gamma", "beta", "Alpha", "delta"):
        await created(client, auth, bot, name)
    gamma = next(
        label
        for label in (await client.get(f"/api/v1/projects/{bot}/labels", headers=auth)).json()
        if label["name"] == "gamma"
    )
    assert (await client.delete(f"/api/v1/labels/{gamma['id']}", headers=auth)).status_code == 200

    listed = await client.get(f"/api/v1/projects/{bot}/labels", headers=auth)
    assert listed.status_code == 200
    assert [label["name"] for label in listed.json()] == ["Alpha", "beta", "delta"]
    everything = await client.get(
        f"/api/v1/projects/{bot}/labels", headers=auth, params={"include_archived": "true"}
    )
    assert [label["name"] for label in everything.json()] == ["Alpha", "beta", "delta", "gamma"]
    assert [label["archived_at"] is not None for label in everything.json()] == [
        False,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/labels/lbl_00000000000000000000"),
        ("GET", "/api/v1/labels/not-an-id"),
        ("PATCH", "/api/v1/labels/lbl_00000000000000000000"),
        ("DELETE", "/api/v1/labels/lbl_00000000000000000000"),
        ("GET", "/api/v1/projects/prj_00000000000000000000/labels"),
        ("POST", "/api/v1/projects/prj_00000000000000000000/labels"),
    ],
)
async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, auth: dict[str, str], method: str, path: str
) -> None:
    body = {"name": "x", "type": "star"} if method in ("POST", "PATCH") else None
    response = await client.request(method, path, headers=auth, json=body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_labels_of_another_workspace_are_404(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], bot: str
) -> None:
    label = await created(client, auth, bot, "tone")
    other = headers_for(make_key_pair(database, "globex"))
    for method, path in [
        ("GET", f"/api/v1/labels/{label['id']}"),
        ("PATCH", f"/api/v1/labels/{label['id']}"),
        ("DELETE", f"/api/v1/labels/{label['id']}"),
        ("GET", f"/api/v1/projects/{bot}/labels"),
        ("POST", f"/api/v1/projects/{bot}/labels"),
    ]:
        body = {"name": "mine", "type": "star"} if method in ("POST", "PATCH") else None
        response = await client.request(method, path, headers=other, json=body)
        assert response.status_code == 404, (method, path)
    compat = await client.get("/tracer/get-annotation-labels/", headers=other)
    assert compat.json() == {"status": True, "result": []}
    # Nothing was changed by the other workspace's attempts.
    unchanged = await client.get(f"/api/v1/labels/{label['id']}", headers=auth)
    assert unchanged.json() == label


# --- names ------------------------------------------------------------------------------


async def test_a_duplicate_name_ignoring_case_is_409(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    first = await created(client, auth, bot, "Tone")
    response = await create(client, auth, bot, " tONE ", "text")
    assert response.status_code == 409
    assert first["id"] in response.json()["error"]["message"]
    other = await created(client, auth, bot, "other")
    renamed = await client.patch(
        f"/api/v1/labels/{other['id']}", headers=auth, json={"name": "TONE"}
    )
    assert renamed.status_code == 409


async def test_an_archived_labels_name_can_be_reused(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    old = await created(client, auth, bot, "tone")
    await client.delete(f"/api/v1/labels/{old['id']}", headers=auth)
    new = await create(client, auth, bot, "Tone", "thumbs_up_down")
    assert new.status_code == 201
    assert new.json()["id"] != old["id"]
    assert new.json()["type"] == "thumbs_up_down"


# --- updates and versions ---------------------------------------------------------------


async def test_renaming_and_describing_keep_the_version(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    label = await created(client, auth, bot, "tone")
    response = await client.patch(
        f"/api/v1/labels/{label['id']}",
        headers=auth,
        json={"name": "Tone of voice", "description": "Is it polite?"},
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["name"], changed["description"]) == ("Tone of voice", "Is it polite?")
    assert changed["version"] == 1
    assert changed["settings"] == label["settings"]
    assert changed["updated_at"] >= label["updated_at"]
    # A label may change the case of its own name.
    recased = await client.patch(
        f"/api/v1/labels/{label['id']}", headers=auth, json={"name": "TONE OF VOICE"}
    )
    assert recased.status_code == 200
    assert (recased.json()["name"], recased.json()["version"]) == ("TONE OF VOICE", 1)


async def test_new_settings_make_a_new_version_once(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    label = await created(
        client, auth, bot, "quality", kind="numeric", settings={"min": 0, "max": 5}
    )
    path = f"/api/v1/labels/{label['id']}"
    new_settings = {"min": 0, "max": 10, "step_size": 1}
    first = await client.patch(path, headers=auth, json={"settings": new_settings})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    assert first.json()["settings"] == {
        "min": 0,
        "max": 10,
        "step_size": 1,
        "display_type": "slider",
    }
    again = await client.patch(path, headers=auth, json={"settings": new_settings})
    assert again.json()["version"] == 2
    # The normalised form of the same settings is the same settings too.
    spelled_out = await client.patch(
        path, headers=auth, json={"settings": first.json()["settings"]}
    )
    assert spelled_out.json()["version"] == 2
    assert (await client.get(path, headers=auth)).json()["version"] == 2


async def test_the_type_cannot_change_once_the_label_has_annotations(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str, spans: list[Any]
) -> None:
    label = await created(
        client, auth, bot, "quality", kind="numeric", settings={"min": 0, "max": 5}
    )
    annotation = await annotate(client, auth, spans[1].span.span_id, name="Quality", score=4)
    assert annotation.status_code == 201, annotation.text
    assert annotation.json()["label_id"] == label["id"]
    response = await client.patch(
        f"/api/v1/labels/{label['id']}", headers=auth, json={"type": "star"}
    )
    assert response.status_code == 409
    assert "1 annotation" in response.json()["error"]["message"]
    stored = (await client.get(f"/api/v1/labels/{label['id']}", headers=auth)).json()
    assert (stored["type"], stored["version"]) == ("numeric", 1)

    # Naming the same type with new settings is a new version, not a change of type; the
    # annotation keeps the version it was made under.
    same_type = await client.patch(
        f"/api/v1/labels/{label['id']}",
        headers=auth,
        json={"type": "numeric", "settings": {"min": 0, "max": 10}},
    )
    assert same_type.status_code == 200
    assert same_type.json()["version"] == 2
    listed = await client.get(f"/api/v1/spans/{spans[1].span.span_id}/annotations", headers=auth)
    assert [item["label_version"] for item in listed.json()] == [1]


async def test_the_type_can_change_while_the_label_has_no_annotations(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str
) -> None:
    label = await created(client, auth, bot, "quality", kind="text")
    response = await client.patch(
        f"/api/v1/labels/{label['id']}", headers=auth, json={"type": "star"}
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["type"], changed["settings"], changed["version"]) == (
        "star",
        {"no_of_stars": 5},
        2,
    )
    with_settings = await client.patch(
        f"/api/v1/labels/{label['id']}",
        headers=auth,
        json={"type": "categorical", "settings": {"options": ["a", "b"]}},
    )
    assert with_settings.json()["version"] == 3
    assert with_settings.json()["settings"] == {"options": ["a", "b"], "multi_choice": False}


# --- archiving --------------------------------------------------------------------------


async def test_delete_archives_and_the_label_takes_no_new_values(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str, spans: list[Any]
) -> None:
    label = await created(client, auth, bot, "stars")
    span_id = spans[0].span.span_id
    before = await bulk(
        client, auth, span_id, {"annotation_label_id": label["id"], "value_float": 4}
    )
    assert before["annotationsCreated"] == 1

    response = await client.delete(f"/api/v1/labels/{label['id']}", headers=auth)
    assert response.status_code == 200
    archived = response.json()
    assert archived["archived_at"] is not None
    assert archived["annotation_count"] == 1
    again = await client.delete(f"/api/v1/labels/{label['id']}", headers=auth)
    assert again.json()["archived_at"] == archived["archived_at"]

    after = await bulk(
        client, auth, span_id, {"annotation_label_id": label["id"], "value_float": 5}
    )
    assert after["annotationsCreated"] + after["annotationsUpdated"] == 0
    assert after["errorsCount"] == 1
    assert "archived" in after["errors"][0]["annotationError"]
    patched = await client.patch(
        f"/api/v1/labels/{label['id']}", headers=auth, json={"description": "x"}
    )
    assert patched.status_code == 409
    # Its values stay.
    kept = (await client.get(f"/api/v1/labels/{label['id']}", headers=auth)).json()
    assert kept["annotation_count"] == 1


# --- invalid input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"name": "c", "type": "categorical", "settings": {"options": ["a", ""]}},
            "settings.options[1]",
        ),
        ({"name": "c", "type": "categorical", "settings": {"options": ["a"]}}, "settings.options"),
        ({"name": "n", "type": "numeric", "settings": {"min": 1, "max": 1}}, "settings.max"),
        ({"name": "n", "type": "numeric", "settings": {}}, "settings.min"),
        ({"name": "s", "type": "star", "settings": {"no_of_stars": 11}}, "settings.no_of_stars"),
        ({"name": "t", "type": "thumbs_up_down", "settings": {"min": 0}}, "settings.min"),
        ({"name": "s", "type": "star", "colour": "red"}, "body.colour"),
        ({"name": "s", "type": "rating"}, "body.type"),
        ({"type": "star"}, "body.name"),
        ({"name": "  ", "type": "star"}, "name"),
    ],
)
async def test_invalid_labels_are_422_naming_the_field(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str, body: Json, field: str
) -> None:
    response = await client.post(f"/api/v1/projects/{bot}/labels", headers=auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert (await client.get(f"/api/v1/projects/{bot}/labels", headers=auth)).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"no_of_stars": 0}}, "settings.no_of_stars"),
        ({"settings": {"options": ["a", "b"]}}, "settings.options"),
        ({"type": "numeric"}, "settings.min"),
        ({"version": 7}, "body.version"),
    ],
)
async def test_invalid_updates_are_422_and_change_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str, body: Json, field: str
) -> None:
    label = await created(client, auth, bot, "stars")
    response = await client.patch(f"/api/v1/labels/{label['id']}", headers=auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert (await client.get(f"/api/v1/labels/{label['id']}", headers=auth)).json() == label


# --- annotation counts ------------------------------------------------------------------


async def test_annotation_count_counts_annotations(
    client: httpx.AsyncClient, auth: dict[str, str], bot: str, spans: list[Any]
) -> None:
    label = await created(client, auth, bot, "ok", kind="thumbs_up_down")
    other = await created(client, auth, bot, "unused")
    for span in spans:
        response = await annotate(client, auth, span.span.span_id, name="ok", label="thumbs_up")
        assert response.status_code == 201, response.text
    # A second annotator on the same span is one more annotation.
    await annotate(client, auth, spans[0].span.span_id, name="ok", score=0, annotator_id="y")
    # The same annotator again updates their annotation: no new one.
    await annotate(client, auth, spans[0].span.span_id, name="ok", label="down")

    fetched = (await client.get(f"/api/v1/labels/{label['id']}", headers=auth)).json()
    assert fetched["annotation_count"] == len(spans) + 1
    listed = (await client.get(f"/api/v1/projects/{bot}/labels", headers=auth)).json()
    assert {item["id"]: item["annotation_count"] for item in listed} == {
        label["id"]: len(spans) + 1,
        other["id"]: 0,
    }


# --- the compatible API -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/tracer/get-annotation-labels/", "/tracer/get-annotation-labels"]
)
@pytest.mark.parametrize("by_project", [False, True])
async def test_compatible_label_list(
    client: httpx.AsyncClient,
    database: Database,
    auth: dict[str, str],
    bot: str,
    path: str,
    by_project: bool,
) -> None:
    store(database, principal_of(database), make_trace(project="rag"))
    projects = (await client.get("/api/v1/projects", headers=auth)).json()
    rag = next(project["id"] for project in projects if project["name"] == "rag")
    choice = await created(
        client, auth, bot, "tone", kind="categorical", settings={"options": ["good", "bad"]}
    )
    stars = await created(client, auth, bot, "stars")
    elsewhere = await created(client, auth, rag, "faithful", kind="thumbs_up_down")
    archived = await created(client, auth, bot, "old")
    await client.delete(f"/api/v1/labels/{archived['id']}", headers=auth)

    params = {"project_id": bot} if by_project else {}
    response = await client.get(path, headers=auth, params=params)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] is True
    items = {item["id"]: item for item in body["result"]}
    expected = {choice["id"], stars["id"]} | (set() if by_project else {elsewhere["id"]})
    assert set(items) == expected
    assert items[choice["id"]]["settings"] == {
        "options": [{"label": "good"}, {"label": "bad"}],
        "multi_choice": False,
    }
    assert items[stars["id"]]["settings"] == {"no_of_stars": 5}
    assert all(item["project_id"] == bot for item in items.values() if item["name"] != "faithful")
    if not by_project:
        assert items[elsewhere["id"]]["project_id"] == rag


@pytest.mark.parametrize("project_id", ["prj_00000000000000000000", "nope"])
async def test_compatible_label_list_of_an_unknown_project_is_404(
    client: httpx.AsyncClient, auth: dict[str, str], project_id: str
) -> None:
    response = await client.get(
        "/tracer/get-annotation-labels/", headers=auth, params={"project_id": project_id}
    )
    assert response.status_code == 404
    body = response.json()
    assert body["status"] is False
    assert body["error"]["code"] == "not_found"
