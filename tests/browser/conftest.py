"""Headless Chromium (Debian's, driven by Playwright) against a live server.

Without Chromium the browser tests are skipped, loudly; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from annotrace.domain.access import Role
from annotrace.domain.spans import IncomingSpan, SpanKind
from annotrace.services.users import create_user
from annotrace.storage.engine import Database
from tests.conftest import IN_CI, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import BASE_TIME, make_span, make_trace, trace_id

CHROMIUM = os.environ.get("ANNOTRACE_CHROMIUM") or shutil.which("chromium") or ""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
HOSTILE = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'


# Per module: Playwright's sync API keeps an event loop running while it is open, which
# would break the async (anyio) tests of other modules.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        message = "Chromium not found (apt-get install chromium, or set ANNOTRACE_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"{message} -- CI=true requires it", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def open_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in a browser context of its own (its own cookies: another user can sign in
    beside it), failing the test on any script error or unexpected dialog."""
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.errors = errors  # type: ignore[attr-defined]
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()
    assert errors == [], f"script errors in the page: {errors}"


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    with open_page(browser, live_server) as opened:
        yield opened


@dataclass
class Workspace:
    name: str
    admin: str
    annotator: str
    viewer: str
    headers: dict[str, str]
    llm_span_id: str
    hostile_span_id: str


def _llm_span(trace: str, parent: str) -> IncomingSpan:
    question = "Where is my order #1234?"
    answer = "It ships tomorrow."
    return make_span(
        trace=trace,
        parent=parent,
        name="ChatCompletion",
        kind=SpanKind.LLM,
        project="support",
        model_name="gpt-4o-mini",
        input_value=question,
        output_value=answer,
        attributes={
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": question,
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": answer,
        },
    )


@pytest.fixture
def workspace(live_server: LiveServer) -> Workspace:
    """A fresh workspace on the live server: three users, two traces, one hostile span."""
    name = f"ws-{uuid.uuid4().hex[:8]}"
    database = Database(live_server.database_url)
    emails = {
        role: f"{role.value}-{name}@example.com"
        for role in (Role.ADMIN, Role.ANNOTATOR, Role.VIEWER)
    }
    with database.write() as session:
        for role, email in emails.items():
            create_user(session=session, workspace=name, email=email, password=PASSWORD, role=role)
    principal = principal_of(database, name)
    spans = make_trace(project="support", size=3)
    root = spans[0].span
    llm = _llm_span(root.trace_id, root.span_id)
    hostile_trace = trace_id()
    hostile = make_span(
        trace=hostile_trace,
        name=f"tool {HOSTILE}",
        start=BASE_TIME - timedelta(hours=1),  # listed after the agent's trace
        kind=SpanKind.TOOL,
        project="support",
        input_value=HOSTILE,
        attributes={HOSTILE: HOSTILE},
    )
    store(database, principal, [*spans, llm])
    store(database, principal, [hostile])
    pair = make_key_pair(database, name)
    headers = {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}
    database.dispose()
    return Workspace(
        name=name,
        admin=emails[Role.ADMIN],
        annotator=emails[Role.ANNOTATOR],
        viewer=emails[Role.VIEWER],
        headers=headers,
        llm_span_id=llm.span.span_id,
        hostile_span_id=hostile.span.span_id,
    )


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/traces*")
