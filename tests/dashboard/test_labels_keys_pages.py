"""The Labels and Keys pages of the dashboard, in-process, on both databases: what each
role may do, the label form for all five types with the API's validation, and key pairs
whose secret is shown once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.services import users
from annotrace.storage.engine import Database
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_trace

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"
XSS = "<img src=x onerror=alert(1)>"


# --- reading pages as a screen reader would: fields by their labels -------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    control: Element | None = None  # the input a <label> wraps
    options: list[Element] = field(default_factory=list)  # a <select>'s options


class Page(HTMLParser):
    VOID = frozenset({"input", "meta", "link", "br", "img", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {key: value or "" for key, value in attrs})
        self.elements.append(element)
        for parent in self._open:
            if parent.tag == "label" and tag in ("input", "select", "textarea"):
                parent.control = parent.control or element
            if parent.tag == "select" and tag == "option":
                parent.options.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def by_id(self, element_id: str) -> Element:
        return next(e for e in self.elements if e.attrs.get("id") == element_id)

    def field(self, label: str) -> Element:
        """The form control whose label reads `label` (for= or wrapped)."""
        found = [e for e in self.elements if e.tag == "label" and " ".join(e.text.split()) == label]
        assert len(found) == 1, f"{len(found)} labels read {label!r}"
        tag = found[0]
        if "for" in tag.attrs:
            return self.by_id(tag.attrs["for"])
        assert tag.control is not None, f"label {label!r} is tied to no control"
        return tag.control

    def value(self, label: str) -> str:
        control = self.field(label)
        if control.tag == "textarea":
            return control.text.removeprefix("\n")
        if control.tag == "select":
            chosen = [o for o in control.options if "selected" in o.attrs]
            return chosen[0].attrs["value"] if chosen else control.options[0].attrs["value"]
        return control.attrs.get("value", "")

    def error_of(self, label: str) -> str:
        """The error message tied to a field (aria-describedby), or ''."""
        control = self.field(label)
        if control.attrs.get("aria-invalid") != "true":
            return ""
        return " ".join(self.by_id(control.attrs["aria-describedby"]).text.split())

    def role(self, role: str) -> str:
        return " ".join(
            " ".join(e.text.split()) for e in self.elements if e.attrs.get("role") == role
        )

    def hidden(self, name: str) -> str:
        return next(e.attrs["value"] for e in self.elements if e.attrs.get("name") == name)

    def forms(self, method: str) -> list[str]:
        return [
            e.attrs.get("action", "")
            for e in self.elements
            if e.tag == "form" and e.attrs.get("method", "get") == method
        ]

    def buttons(self) -> list[str]:
        return [" ".join(e.text.split()) for e in self.elements if e.tag == "button"]

    def form_with(self, words: str) -> Element:
        """The form that asks a question (data-confirm) containing `words`."""
        return next(
            e for e in self.elements if e.tag == "form" and words in e.attrs.get("data-confirm", "")
        )


# --- set-up ---------------------------------------------------------------------------------


@dataclass
class Acme:
    project: str
    span_id: str
    auth: dict[str, str]


@pytest.fixture
async def acme(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Acme:
    """Workspace acme with project `bot` (made by ingesting a trace) and an API key pair."""
    trace = make_trace(project="bot")
    store(database, principal_of(database), trace)
    projects = (await client.get("/api/v1/projects", headers=auth)).json()
    return Acme(projects[0]["id"], trace[1].span.span_id, auth)


class Browser:
    """A signed-in dashboard user: the client keeps the session cookie."""

    def __init__(self, client: httpx.AsyncClient, database: Database) -> None:
        self.client = client
        self.database = database
        self.csrf = ""

    async def sign_in(self, role: Role) -> None:
        email = f"{role.value}@acme.test"
        with self.database.write() as session:
            users.create_user(
                session=session, workspace="acme", email=email, password=PASSWORD, role=role
            )
        form = Page((await self.client.get("/login")).text)
        response = await self.client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": form.hidden("csrf_token")},
        )
        assert response.status_code == 303, response.text
        page = await self.client.get("/labels")
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert meta is not None
        self.csrf = meta.group(1)

    async def get(self, url: str) -> httpx.Response:
        return await self.client.get(url)

    async def post(self, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(url, data={"csrf_token": self.csrf, **(data or {})})


@pytest.fixture
async def admin(client: httpx.AsyncClient, database: Database) -> Browser:
    browser = Browser(client, database)
    await browser.sign_in(Role.ADMIN)
    return browser


# Every settings field as a browser without the script sends it (all fieldsets shown),
# holding nonsense: the server must read only the chosen type's fieldset.
NOISE = {
    "placeholder": "not mine",
    "min_length": "x",
    "max_length": "x",
    "min": "x",
    "max": "x",
    "step_size": "x",
    "display_type": "slider",
    "options": "",
    "no_of_stars": "x",
}


def label_form(project: str, name: str, kind: str, **settings: str) -> dict[str, str]:
    return {"project": project, "name": name, "type": kind, "description": ""} | NOISE | settings


async def api_labels(client: httpx.AsyncClient, acme: Acme) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/projects/{acme.project}/labels?include_archived=true", headers=acme.auth
    )
    return response.json()


async def api_label(
    client: httpx.AsyncClient, acme: Acme, name: str, kind: str, settings: dict[str, Any]
) -> str:
    response = await client.post(
        f"/api/v1/projects/{acme.project}/labels",
        headers=acme.auth,
        json={"name": name, "type": kind, "settings": settings},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# --- creating labels --------------------------------------------------------------------------


FIVE_TYPES = [
    (
        "text",
        {"placeholder": "Why?", "min_length": "2", "max_length": "500"},
        {"placeholder": "Why?", "min_length": 2, "max_length": 500},
        "Text of 2 to 500 characters; placeholder “Why?”",
    ),
    (
        "numeric",
        {"min": "0", "max": "10", "step_size": "0.5", "display_type": "button"},
        {"min": 0, "max": 10, "step_size": 0.5, "display_type": "button"},
        "A number from 0 to 10 in steps of 0.5, shown as buttons",
    ),
    (
        "categorical",
        {"options": "good\r\n bad \r\n\r\nugly\r\n", "multi_choice": "1"},
        {"options": ["good", "bad", "ugly"], "multi_choice": True},
        "Any of: good, bad, ugly",
    ),
    ("star", {"no_of_stars": ""}, {"no_of_stars": 5}, "1 to 5 stars"),
    ("thumbs_up_down", {}, {}, "Thumbs up or thumbs down"),
]


@pytest.mark.parametrize(("kind", "fields", "stored", "summary"), FIVE_TYPES)
async def test_an_admin_creates_each_type_through_the_form(
    client: httpx.AsyncClient,
    admin: Browser,
    acme: Acme,
    kind: str,
    fields: dict[str, str],
    stored: dict[str, Any],
    summary: str,
) -> None:
    page = Page((await admin.get(f"/labels?project={acme.project}")).text)
    for label in ("Name", "Type", "Description"):
        page.field(label)
    assert "Create label" in page.buttons()

    response = await admin.post("/labels", label_form(acme.project, "Quality", kind, **fields))

    assert response.status_code == 303, response.text
    [label] = await api_labels(client, acme)
    assert (label["name"], label["type"], label["version"]) == ("Quality", kind, 1)
    assert label["settings"] == stored
    assert response.headers["location"] == f"/labels?project={acme.project}&created={label['id']}"
    listed = Page((await admin.get(response.headers["location"])).text)
    assert listed.role("status") == "Label 'Quality' created."
    row = next(e for e in listed.elements if e.tag == "tr" and "Quality" in e.text)
    assert summary in " ".join(row.text.split())


async def test_every_field_has_a_label_and_each_type_a_fieldset(admin: Browser, acme: Acme) -> None:
    page = Page((await admin.get(f"/labels?project={acme.project}")).text)
    labels = [
        "Name",
        "Type",
        "Description",
        "Placeholder",
        "Minimum length",
        "Maximum length",
        "Minimum",
        "Maximum",
        "Step size",
        "Options (one per line)",
        "Several options may be chosen",
        "Number of stars",
    ]
    for label in labels:
        assert page.field(label).attrs.get("name")
    assert page.field("Options (one per line)").tag == "textarea"
    assert page.field("Several options may be chosen").attrs["type"] == "checkbox"
    assert [o.attrs["value"] for o in page.field("Type").options] == [
        "text",
        "numeric",
        "categorical",
        "star",
        "thumbs_up_down",
    ]
    fieldsets = [e.attrs["data-for-type"] for e in page.elements if e.tag == "fieldset"]
    assert fieldsets == ["text", "numeric", "categorical", "star", "thumbs_up_down"]
    thumbs = next(e for e in page.elements if e.attrs.get("data-for-type") == "thumbs_up_down")
    assert "no settings" in thumbs.text


FIELD_NAMES = {
    "Name": "name",
    "Minimum": "min",
    "Maximum": "max",
    "Step size": "step_size",
    "Options (one per line)": "options",
    "Minimum length": "min_length",
    "Maximum length": "max_length",
    "Number of stars": "no_of_stars",
}
INVALID = [
    ("name is empty", {"name": " ", "type": "star"}, "Name", "must not be empty"),
    ("min is missing", {"type": "numeric", "min": "", "max": "10"}, "Minimum", "required"),
    ("min is no number", {"type": "numeric", "min": "ten", "max": "10"}, "Minimum", "number"),
    (
        "min above max",
        {"type": "numeric", "min": "5", "max": "1"},
        "Maximum",
        "Minimum (5) must be less than Maximum (1)",
    ),
    (
        "step is 0",
        {"type": "numeric", "min": "0", "max": "1", "step_size": "0"},
        "Step size",
        "greater than 0",
    ),
    ("one option", {"type": "categorical", "options": "only"}, "Options (one per line)", "2 to"),
    (
        "repeated option",
        {"type": "categorical", "options": "good\nbad\nGOOD"},
        "Options (one per line)",
        "repeats",
    ),
    ("decimal length", {"type": "text", "min_length": "1.5"}, "Minimum length", "whole"),
    (
        "min over max length",
        {"type": "text", "min_length": "9", "max_length": "3"},
        "Maximum length",
        "at least",
    ),
    ("eleven stars", {"type": "star", "no_of_stars": "11"}, "Number of stars", "1 to 10"),
]


@pytest.mark.parametrize(
    ("fields", "label", "message"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
async def test_invalid_labels_are_422_with_the_error_next_to_the_field(
    client: httpx.AsyncClient,
    admin: Browser,
    acme: Acme,
    fields: dict[str, str],
    label: str,
    message: str,
) -> None:
    data = {"project": acme.project, "name": "Quality", "description": "kept"} | fields
    response = await admin.post("/labels", data)

    assert response.status_code == 422
    page = Page(response.text)
    assert message in page.error_of(label)
    assert message in page.role("alert")
    # What was typed comes back.
    assert page.value("Description") == "kept"
    assert page.value("Type") == data["type"]
    assert page.value(label) == data[FIELD_NAMES[label]]
    assert await api_labels(client, acme) == []


async def test_typed_values_come_back_as_typed(admin: Browser, acme: Acme) -> None:
    data = label_form(acme.project, "Tone", "categorical", options="calm\nangry\ncalm")
    page = Page((await admin.post("/labels", data)).text)
    assert page.value("Name") == "Tone"
    assert page.value("Options (one per line)") == "calm\nangry\ncalm"
    assert page.field("Options (one per line)").attrs["aria-invalid"] == "true"
    assert page.field("Name").attrs.get("aria-invalid") is None


async def test_a_duplicate_name_is_409_next_to_the_name(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    await api_label(client, acme, "Quality", "star", {})
    response = await admin.post("/labels", label_form(acme.project, "quality", "thumbs_up_down"))

    assert response.status_code == 409
    page = Page(response.text)
    assert "already has a label named 'quality'" in page.error_of("Name")
    assert page.value("Name") == "quality"
    assert [label["type"] for label in await api_labels(client, acme)] == ["star"]


# --- editing and archiving ----------------------------------------------------------------------


async def test_the_edit_page_is_prefilled_and_new_settings_make_version_2(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    label_id = await api_label(
        client, acme, "Score", "numeric", {"min": 0, "max": 1, "step_size": 0.1}
    )
    page = Page((await admin.get(f"/labels/{label_id}")).text)
    assert (page.value("Name"), page.value("Type")) == ("Score", "numeric")
    assert (page.value("Minimum"), page.value("Maximum"), page.value("Step size")) == (
        "0",
        "1",
        "0.1",
    )
    assert {"Save changes", "Archive label"} <= set(page.buttons())

    # Saving the form unchanged changes nothing.
    form = label_form(acme.project, "Score", "numeric", min="0", max="1", step_size="0.1")
    unchanged = await admin.post(f"/labels/{label_id}", form)
    assert unchanged.status_code == 303
    assert (await api_labels(client, acme))[0]["version"] == 1

    response = await admin.post(f"/labels/{label_id}", form | {"max": "5", "description": "new"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/labels?project={acme.project}&saved={label_id}"
    [label] = await api_labels(client, acme)
    assert (label["version"], label["settings"]["max"], label["description"]) == (2, 5, "new")
    listed = Page((await admin.get(response.headers["location"])).text)
    assert listed.role("status") == "Label 'Score' saved (version 2)."
    assert (
        "A number from 0 to 5 in steps of 0.1"
        in (await admin.get(f"/labels?project={acme.project}")).text
    )


async def test_an_invalid_edit_is_422_and_changes_nothing(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    label_id = await api_label(client, acme, "Stars", "star", {})
    response = await admin.post(
        f"/labels/{label_id}", label_form(acme.project, "Stars", "star", no_of_stars="0")
    )
    assert response.status_code == 422
    page = Page(response.text)
    assert "1 to 10" in page.error_of("Number of stars")
    assert page.value("Number of stars") == "0"
    assert (await api_labels(client, acme))[0]["settings"] == {"no_of_stars": 5}


async def test_the_type_of_a_label_with_values_cannot_change(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    label_id = await api_label(client, acme, "Verdict", "thumbs_up_down", {})
    annotated = await client.post(
        f"/api/v1/spans/{acme.span_id}/annotations",
        headers=acme.auth,
        json={"annotator_id": "x", "name": "Verdict", "label": "thumbs_up"},
    )
    assert annotated.status_code == 201, annotated.text

    response = await admin.post(
        f"/labels/{label_id}", label_form(acme.project, "Verdict", "star", no_of_stars="")
    )

    assert response.status_code == 409
    page = Page(response.text)
    assert "type cannot change" in page.error_of("Type")
    assert "type cannot change" in page.role("alert")
    assert page.error_of("Name") == ""
    assert (await api_labels(client, acme))[0]["type"] == "thumbs_up_down"


async def test_archiving_lists_the_label_apart_and_keeps_its_page_read_only(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    label_id = await api_label(client, acme, "Old", "star", {})
    page = Page((await admin.get(f"/labels/{label_id}")).text)
    archive = next(
        e for e in page.elements if e.tag == "form" and e.attrs["action"].endswith("/archive")
    )
    assert "take no new values" in archive.attrs["data-confirm"]
    assert "Archive label" in archive.text

    response = await admin.post(f"/labels/{label_id}/archive")

    assert response.status_code == 303
    assert response.headers["location"] == f"/labels?project={acme.project}&archived={label_id}"
    [label] = await api_labels(client, acme)
    assert label["archived_at"] is not None
    listed = await admin.get(response.headers["location"])
    assert "Label 'Old' archived" in Page(listed.text).role("status")
    assert listed.text.index("Archived labels") < listed.text.index(">Old<")
    edit = await admin.get(f"/labels/{label_id}")
    assert edit.status_code == 200
    assert "was archived" in edit.text
    assert f'action="/labels/{label_id}"' not in edit.text


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR])
async def test_viewers_and_annotators_read_labels_but_manage_nothing(
    client: httpx.AsyncClient, database: Database, acme: Acme, role: Role
) -> None:
    label_id = await api_label(client, acme, "Quality", "star", {})
    user = Browser(client, database)
    await user.sign_in(role)

    page = await user.get(f"/labels?project={acme.project}")
    assert page.status_code == 200
    assert "1 to 5 stars" in page.text
    assert Page(page.text).forms(method="post") == ["/logout"]
    assert "Create label" not in page.text
    assert f'href="/labels/{label_id}"' not in page.text
    assert 'href="/keys"' not in page.text

    refused = [
        await user.post("/labels", label_form(acme.project, "Mine", "star")),
        await user.get(f"/labels/{label_id}"),
        await user.post(f"/labels/{label_id}", label_form(acme.project, "Mine", "star")),
        await user.post(f"/labels/{label_id}/archive"),
        await user.get("/keys"),
        await user.post("/keys", {"name": "mine"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.request.url
        assert "may not" in Page(response.text).role("alert")
    [label] = await api_labels(client, acme)
    assert (label["name"], label["archived_at"]) == ("Quality", None)


async def test_posts_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    label_id = await api_label(client, acme, "Quality", "star", {})
    form = label_form(acme.project, "Other", "star")
    for url, data in [
        ("/labels", form),
        (f"/labels/{label_id}", form),
        (f"/labels/{label_id}/archive", {}),
        ("/keys", {"name": "sneaky"}),
    ]:
        missing = await client.post(url, data=data)
        wrong = await client.post(url, data={**data, "csrf_token": "forged"})
        assert (missing.status_code, wrong.status_code) == (403, 403), url
    [label] = await api_labels(client, acme)
    assert (label["name"], label["archived_at"]) == ("Quality", None)
    keys_page = await admin.get("/keys")
    assert "sneaky" not in keys_page.text


# --- escaping and the page policy ---------------------------------------------------------------


async def test_label_names_and_descriptions_are_escaped(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    data = label_form(acme.project, XSS, "categorical", options=f"{XSS}\n<b>bold</b>")
    data["description"] = "<script>alert(2)</script>"
    created = await admin.post("/labels", data)
    assert created.status_code == 303, created.text
    [label] = await api_labels(client, acme)

    pages = [
        await admin.get(created.headers["location"]),
        await admin.get(f"/labels/{label['id']}"),
        await admin.post("/labels", data),  # refused as a duplicate, shown with its values
    ]
    for page in pages:
        assert XSS not in page.text
        assert "<script>alert(2)" not in page.text
        assert "<b>bold" not in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


async def test_pages_need_no_inline_script_or_style(admin: Browser, acme: Acme) -> None:
    responses = [
        await admin.get(f"/labels?project={acme.project}"),
        await admin.post("/labels", label_form(acme.project, "", "star")),
        await admin.get("/keys"),
        await admin.post("/keys", {"name": "ci"}),
    ]
    for response in responses:
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)", response.text)


# --- keys -------------------------------------------------------------------------------------


async def test_a_new_key_pair_shows_its_secret_once_and_works_until_revoked(
    client: httpx.AsyncClient, admin: Browser, acme: Acme
) -> None:
    page = Page((await admin.get("/keys")).text)
    assert page.field("Name").attrs["name"] == "name"

    created = await admin.post("/keys", {"name": "ci-pipeline"})

    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    shown = Page(created.text)
    api_key, secret_key = shown.value("API key"), shown.value("Secret key")
    assert "readonly" in shown.field("API key").attrs
    assert "readonly" in shown.field("Secret key").attrs
    assert "only this once" in created.text
    assert f"curl -H 'X-Api-Key: {api_key}' -H 'X-Secret-Key: {secret_key}'" in created.text
    headers = {"X-Api-Key": api_key, "X-Secret-Key": secret_key}
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 200

    listed = await admin.get("/keys")
    assert api_key in listed.text
    assert "ci-pipeline" in listed.text
    assert secret_key not in listed.text
    revoke = Page(listed.text).form_with("'ci-pipeline'")
    assert "Revoke" in revoke.text

    revoked = await admin.post(revoke.attrs["action"])

    assert revoked.status_code == 303
    assert (await client.get("/api/v1/projects", headers=headers)).status_code == 401
    after = await admin.get(revoked.headers["location"])
    assert "Key pair 'ci-pipeline' revoked" in Page(after.text).role("status")
    assert revoke.attrs["action"] not in after.text  # a revoked pair has no Revoke button
    assert (await client.get("/api/v1/projects", headers=acme.auth)).status_code == 200
