"""The Users page of the dashboard, in-process, on both databases: adding, re-rolling and
removing members through the forms, and every refusal coming back next to its field or row."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from annotrace.domain.access import Role
from annotrace.services import users
from annotrace.storage.engine import Database
from tests.dashboard.test_labels_keys_pages import PASSWORD, XSS, Browser
from tests.dashboard.test_labels_keys_pages import Page as LabelsPage

pytestmark = pytest.mark.anyio

OTHER_PASSWORD = "a different passphrase"


class Page(LabelsPage):
    def error_of(self, label: str) -> str:
        """The error tied to a field whose aria-describedby may also name its help."""
        control = self.field(label)
        if control.attrs.get("aria-invalid") != "true":
            return ""
        error_id = control.attrs["aria-describedby"].split()[0]
        return " ".join(self.by_id(error_id).text.split())


class Member(Browser):
    """A browser of its own (its own cookies) that signs in with an existing account."""

    async def log_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        form = Page((await self.client.get("/login")).text)
        response = await self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": form.hidden("csrf_token")},
        )
        if response.status_code == 303:
            page = await self.client.get("/labels")
            meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
            assert meta is not None
            self.csrf = meta.group(1)
        return response


NewBrowser = Callable[[], Awaitable[Member]]


@pytest.fixture
async def new_browser(app: FastAPI, database: Database) -> AsyncIterator[NewBrowser]:
    clients: list[httpx.AsyncClient] = []

    async def make() -> Member:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://annotrace.test"
        )
        clients.append(client)
        return Member(client, database)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def admin(client: httpx.AsyncClient, database: Database) -> Browser:
    browser = Browser(client, database)
    await browser.sign_in(Role.ADMIN)
    return browser


def create(database: Database, email: str, role: Role, workspace: str = "acme") -> str:
    with database.write() as session:
        return users.create_user(
            session=session, workspace=workspace, email=email, password=PASSWORD, role=role
        ).id


def roles(database: Database, workspace: str = "acme") -> dict[str, Role]:
    with database.read() as session:
        return {u.email: u.role for u in users.list_users(session=session, workspace=workspace)}


def option_values(page: Page, label: str) -> list[str]:
    return [option.attrs["value"] for option in page.field(label).options]


# --- the page -------------------------------------------------------------------------------


async def test_the_page_lists_members_with_labelled_controls(
    admin: Browser, database: Database
) -> None:
    viewer = create(database, "viewer@acme.test", Role.VIEWER)
    create(database, "owner@acme.test", Role.OWNER)

    response = await admin.get("/users")

    assert response.status_code == 200
    page = Page(response.text)
    nav = next(e for e in page.elements if e.tag == "a" and e.attrs.get("href") == "/users")
    assert nav.attrs.get("aria-current") == "page"
    assert page.field("Email").attrs["name"] == "email"
    assert page.field("Password").attrs["type"] == "password"
    assert page.value("Password") == ""
    assert page.value("Role") == "annotator"
    # An admin cannot give the owner role, so it is not offered.
    assert option_values(page, "Role") == ["viewer", "annotator", "admin"]
    assert page.value("Role for viewer@acme.test") == "viewer"
    assert option_values(page, "Role for viewer@acme.test") == ["viewer", "annotator", "admin"]
    buttons = page.buttons()
    assert {"Add user", "Change role of viewer@acme.test", "Remove viewer@acme.test"} <= set(
        buttons
    )
    remove = page.form_with("Remove viewer@acme.test from acme?")
    assert remove.attrs["action"] == f"/users/{viewer}/remove"
    # No controls for oneself, nor (for an admin) for an owner.
    assert "Change role of admin@acme.test" not in buttons
    assert "Remove owner@acme.test" not in buttons
    assert "(you)" in response.text
    assert "Only an owner can change it." in response.text


async def test_pages_need_no_inline_script_or_style(admin: Browser) -> None:
    for response in [
        await admin.get("/users"),
        await admin.post("/users", {"email": "nope", "password": "", "role": "viewer"}),
    ]:
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)", response.text)


# --- adding ---------------------------------------------------------------------------------


async def test_an_admin_adds_a_user_who_can_then_sign_in(
    admin: Browser, database: Database, new_browser: NewBrowser
) -> None:
    response = await admin.post(
        "/users", {"email": " Ana@Example.com", "password": PASSWORD, "role": "annotator"}
    )

    assert response.status_code == 303, response.text
    assert roles(database)["ana@example.com"] is Role.ANNOTATOR
    assert response.headers["location"] == f"/users?added={users_id(database, 'ana@example.com')}"
    listed = Page((await admin.get(response.headers["location"])).text)
    assert listed.role("status") == "ana@example.com added as Annotator."

    ana = await new_browser()
    assert (await ana.log_in("ana@example.com")).status_code == 303
    traces = await ana.get("/traces")
    assert traces.status_code == 200
    assert "ana@example.com · annotator" in traces.text


async def test_an_account_of_another_workspace_joins_and_keeps_its_password(
    admin: Browser, database: Database, new_browser: NewBrowser
) -> None:
    create(database, "bo@globex.test", Role.OWNER, workspace="globex")

    response = await admin.post(
        "/users", {"email": "bo@globex.test", "password": OTHER_PASSWORD, "role": "viewer"}
    )

    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("&existing=1")
    listed = Page((await admin.get(response.headers["location"])).text)
    assert "bo@globex.test added as Viewer. They already had an account" in listed.role("status")
    assert roles(database)["bo@globex.test"] is Role.VIEWER
    assert roles(database, "globex") == {"bo@globex.test": Role.OWNER}
    bo = await new_browser()
    assert (await bo.log_in("bo@globex.test", OTHER_PASSWORD)).status_code != 303
    assert (await bo.log_in("bo@globex.test")).status_code == 303


@pytest.mark.parametrize(
    ("email", "password", "label", "message"),
    [
        ("ana at example", PASSWORD, "Email", "email 'ana at example' is not an email address"),
        ("ana@example.com", "short", "Password", "password must be 8 to 1024 characters long"),
    ],
)
async def test_invalid_input_is_422_next_to_its_field_and_keeps_the_email(
    admin: Browser, database: Database, email: str, password: str, label: str, message: str
) -> None:
    response = await admin.post("/users", {"email": email, "password": password, "role": "admin"})

    assert response.status_code == 422
    page = Page(response.text)
    assert page.error_of(label) == message
    assert page.role("alert") == f"The user was not added. {message}"
    assert page.value("Email") == email
    assert page.value("Role") == "admin"
    assert page.value("Password") == ""
    assert PASSWORD not in response.text
    assert list(roles(database)) == ["admin@acme.test"]


async def test_a_member_added_again_is_409_next_to_the_email(
    admin: Browser, database: Database
) -> None:
    create(database, "viewer@acme.test", Role.VIEWER)

    response = await admin.post(
        "/users", {"email": "VIEWER@acme.test", "password": PASSWORD, "role": "admin"}
    )

    assert response.status_code == 409
    page = Page(response.text)
    assert page.error_of("Email") == "viewer@acme.test is already a member of this workspace"
    assert page.value("Email") == "VIEWER@acme.test"
    assert roles(database)["viewer@acme.test"] is Role.VIEWER


# --- changing roles and removing ------------------------------------------------------------


async def test_a_role_change_applies_to_the_members_next_request(
    admin: Browser, database: Database, new_browser: NewBrowser
) -> None:
    viewer_id = create(database, "viewer@acme.test", Role.VIEWER)
    viewer = await new_browser()
    await viewer.log_in("viewer@acme.test")
    assert "viewer@acme.test · viewer" in (await viewer.get("/traces")).text

    response = await admin.post(f"/users/{viewer_id}/role", {"role": "annotator"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/users?changed={viewer_id}"
    page = Page((await admin.get(response.headers["location"])).text)
    assert page.role("status") == "The role of viewer@acme.test is now Annotator."
    assert page.value("Role for viewer@acme.test") == "annotator"
    assert "viewer@acme.test · annotator" in (await viewer.get("/traces")).text


async def test_a_removed_member_is_signed_out(
    admin: Browser, database: Database, new_browser: NewBrowser
) -> None:
    gone_id = create(database, "gone@acme.test", Role.ANNOTATOR)
    gone = await new_browser()
    await gone.log_in("gone@acme.test")
    assert (await gone.get("/traces")).status_code == 200
    remove = Page((await admin.get("/users")).text).form_with("Remove gone@acme.test")

    response = await admin.post(remove.attrs["action"])

    assert response.status_code == 303
    assert response.headers["location"] == f"/users?removed={gone_id}"
    after = await admin.get(response.headers["location"])
    assert "User removed" in Page(after.text).role("status")
    assert "gone@acme.test" not in after.text
    assert "gone@acme.test" not in roles(database)
    signed_out = await gone.get("/traces")
    assert (signed_out.status_code, signed_out.headers["location"]) == (
        303,
        "/login?next=/traces",
    )
    assert (await gone.log_in("gone@acme.test")).status_code != 303


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR])
async def test_viewers_and_annotators_may_not_manage_users(
    client: httpx.AsyncClient, database: Database, role: Role
) -> None:
    target = create(database, "target@acme.test", Role.VIEWER)
    user = Browser(client, database)
    await user.sign_in(role)

    assert 'href="/users"' not in (await user.get("/labels")).text
    refused = [
        await user.get("/users"),
        await user.post("/users", {"email": "new@acme.test", "password": PASSWORD}),
        await user.post(f"/users/{target}/role", {"role": "admin"}),
        await user.post(f"/users/{target}/remove"),
    ]
    for response in refused:
        assert response.status_code == 403, response.request.url
        assert "may not manage users" in Page(response.text).role("alert")
    assert roles(database) == {f"{role.value}@acme.test": role, "target@acme.test": Role.VIEWER}


async def test_an_admin_cannot_make_or_touch_an_owner(admin: Browser, database: Database) -> None:
    viewer = create(database, "viewer@acme.test", Role.VIEWER)
    owner = create(database, "owner@acme.test", Role.OWNER)

    added = await admin.post(
        "/users", {"email": "new@acme.test", "password": PASSWORD, "role": "owner"}
    )
    assert added.status_code == 403
    page = Page(added.text)
    assert page.error_of("Role") == "only an owner may make someone an owner"
    assert "The user was not added." in page.role("alert")
    assert page.value("Email") == "new@acme.test"

    promoted = await admin.post(f"/users/{viewer}/role", {"role": "owner"})
    assert promoted.status_code == 403
    page = Page(promoted.text)
    assert page.error_of("Role for viewer@acme.test") == "only an owner may make someone an owner"
    assert page.role("alert") == "The role was not changed. only an owner may make someone an owner"

    demoted = await admin.post(f"/users/{owner}/role", {"role": "viewer"})
    removed = await admin.post(f"/users/{owner}/remove")
    assert (demoted.status_code, removed.status_code) == (403, 403)
    assert "only an owner may remove an owner" in Page(removed.text).role("alert")
    assert roles(database) == {
        "admin@acme.test": Role.ADMIN,
        "owner@acme.test": Role.OWNER,
        "viewer@acme.test": Role.VIEWER,
    }


async def test_an_owner_can_make_owners(client: httpx.AsyncClient, database: Database) -> None:
    viewer = create(database, "viewer@acme.test", Role.VIEWER)
    owner = Browser(client, database)
    await owner.sign_in(Role.OWNER)
    page = Page((await owner.get("/users")).text)
    assert option_values(page, "Role") == ["viewer", "annotator", "admin", "owner"]

    assert (await owner.post(f"/users/{viewer}/role", {"role": "owner"})).status_code == 303
    added = await owner.post(
        "/users", {"email": "new@acme.test", "password": PASSWORD, "role": "owner"}
    )
    assert added.status_code == 303
    assert roles(database) == {
        "new@acme.test": Role.OWNER,
        "owner@acme.test": Role.OWNER,
        "viewer@acme.test": Role.OWNER,
    }


async def test_nobody_downgrades_or_removes_themselves(admin: Browser, database: Database) -> None:
    me = users_id(database, "admin@acme.test")

    downgraded = await admin.post(f"/users/{me}/role", {"role": "viewer"})
    removed = await admin.post(f"/users/{me}/remove")

    assert (downgraded.status_code, removed.status_code) == (409, 409)
    assert "you cannot change your own role" in Page(downgraded.text).role("alert")
    assert "you cannot remove yourself" in Page(removed.text).role("alert")
    # The message is shown in one's own row too.
    assert "you cannot remove yourself" in Page(removed.text).by_id(f"err-row-{me}").text
    assert roles(database) == {"admin@acme.test": Role.ADMIN}


def users_id(database: Database, email: str) -> str:
    with database.read() as session:
        found = users.list_users(session=session, workspace="acme")
    return next(user.id for user in found if user.email == email)


async def test_two_admins_cannot_demote_each_other_to_leave_none(
    admin: Browser, database: Database, new_browser: NewBrowser
) -> None:
    other = create(database, "other@acme.test", Role.ADMIN)
    other_browser = await new_browser()
    await other_browser.log_in("other@acme.test")
    me = users_id(database, "admin@acme.test")

    assert (await admin.post(f"/users/{other}/role", {"role": "viewer"})).status_code == 303
    refused = await other_browser.post(f"/users/{me}/role", {"role": "viewer"})

    assert refused.status_code == 403
    assert roles(database) == {"admin@acme.test": Role.ADMIN, "other@acme.test": Role.VIEWER}


async def test_unknown_ids_and_other_workspaces_users_are_404(
    admin: Browser, database: Database
) -> None:
    stranger = create(database, "stranger@globex.test", Role.VIEWER, workspace="globex")
    for user_id in ("usr_nope", stranger):
        changed = await admin.post(f"/users/{user_id}/role", {"role": "admin"})
        removed = await admin.post(f"/users/{user_id}/remove")
        assert (changed.status_code, removed.status_code) == (404, 404)
        assert "in this workspace" in Page(removed.text).role("alert")
    assert roles(database, "globex") == {"stranger@globex.test": Role.VIEWER}


async def test_an_unknown_role_is_422_in_its_row(admin: Browser, database: Database) -> None:
    viewer = create(database, "viewer@acme.test", Role.VIEWER)
    response = await admin.post(f"/users/{viewer}/role", {"role": "superuser"})
    assert response.status_code == 422
    assert "is not a role" in Page(response.text).error_of("Role for viewer@acme.test")


async def test_posts_without_the_csrf_token_change_nothing(
    client: httpx.AsyncClient, admin: Browser, database: Database
) -> None:
    viewer = create(database, "viewer@acme.test", Role.VIEWER)
    for url, data in [
        ("/users", {"email": "sneaky@acme.test", "password": PASSWORD, "role": "admin"}),
        (f"/users/{viewer}/role", {"role": "admin"}),
        (f"/users/{viewer}/remove", {}),
    ]:
        missing = await client.post(url, data=data)
        wrong = await client.post(url, data={**data, "csrf_token": "forged"})
        assert (missing.status_code, wrong.status_code) == (403, 403), url
        assert "out of date" in Page(missing.text).role("alert")
    assert roles(database) == {"admin@acme.test": Role.ADMIN, "viewer@acme.test": Role.VIEWER}


async def test_html_in_emails_is_escaped(admin: Browser, database: Database) -> None:
    # Refused (it has spaces), so it comes back in the Email field.
    refused = await admin.post("/users", {"email": XSS, "password": PASSWORD, "role": "viewer"})
    # Accepted: an address may hold these characters, and the table shows it.
    added = await admin.post(
        "/users", {"email": "<b>bold</b>@x.test", "password": PASSWORD, "role": "viewer"}
    )
    assert (refused.status_code, added.status_code) == (422, 303)
    assert Page(refused.text).value("Email") == XSS
    listed = await admin.get(added.headers["location"])
    for page in (refused, listed):
        assert XSS not in page.text
        assert "<b>bold" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in refused.text
    assert "&lt;b&gt;bold&lt;/b&gt;@x.test added as Viewer." in listed.text
    assert Page(listed.text).value("Role for <b>bold</b>@x.test") == "viewer"
