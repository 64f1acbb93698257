"""A reviewer annotates a span by the reference's seven steps, in headless Chromium."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import HOSTILE, Workspace, sign_in
from tests.support.servers import LiveServer


def open_span(page: Page, span_name: str) -> None:
    """Steps 1 to 3: the Traces page, a trace, a span of its tree."""
    page.goto("/traces")
    row = page.locator(".trace-row", has_text="agent").first
    row.locator(".open-trace").click()
    drawer = page.get_by_role("dialog")
    expect(drawer).to_be_visible()
    drawer.locator(".span-link", has_text=span_name).first.click()
    expect(page.locator(".span-head h3")).to_contain_text(span_name)


def test_the_seven_steps_of_adding_an_annotation(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.annotator)
    open_span(page, "ChatCompletion")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("tab", name="Evaluation").click()  # step 4
    page.get_by_role("link", name="Add annotation").click()  # step 5
    page.get_by_label("Name").fill("Response Quality")  # step 6: a new, free-form name
    page.get_by_label("Label").fill("good")
    page.get_by_label("Score").fill("0.85")
    page.get_by_label("Reason").fill("The response was accurate and well-formatted.")
    page.get_by_role("button", name="Save").click()  # step 7
    card = page.locator(".annotation", has_text="well-formatted")
    expect(card).to_be_visible()
    expect(card.locator(".badge")).to_have_text("annotation")
    expect(card).to_contain_text("good")
    expect(card).to_contain_text("0.85")
    expect(card).to_contain_text(workspace.annotator)
    # Shown at once, without reloading the page.
    assert page.evaluate("window.__sameDocument") is True
    # The span's node in the tree shows it too.
    expect(page.locator(".node", has_text="ChatCompletion")).to_contain_text(
        "Response Quality: good"
    )
    page.reload()
    expect(page.locator(".annotation", has_text="well-formatted")).to_be_visible()


def test_a_typed_label_fits_the_inputs_and_the_server_checks(
    page: Page, workspace: Workspace, live_server: LiveServer
) -> None:
    headers = workspace.headers
    project = httpx.get(f"{live_server.base_url}/api/v1/projects", headers=headers).json()[0]["id"]
    for body in (
        {"name": "Verdict", "type": "categorical", "settings": {"options": ["good", "bad"]}},
        {"name": "Stars", "type": "star", "settings": {"no_of_stars": 5}},
        {"name": "Thumb", "type": "thumbs_up_down"},
        {
            "name": "Helpfulness",
            "type": "numeric",
            "settings": {"min": 0, "max": 5, "step_size": 0.5},
        },
    ):
        response = httpx.post(
            f"{live_server.base_url}/api/v1/projects/{project}/labels", headers=headers, json=body
        )
        assert response.status_code == 201
    sign_in(page, workspace.annotator)
    open_span(page, "ChatCompletion")
    page.get_by_role("tab", name="Evaluation").click()
    page.get_by_role("link", name="Add annotation").click()

    page.get_by_label("Name").fill("Verdict")
    expect(page.get_by_label("Label")).to_have_js_property("tagName", "SELECT")
    page.get_by_label("Name").fill("Stars")
    expect(page.get_by_role("radio", name="4 stars")).to_be_visible()
    page.get_by_label("Name").fill("Thumb")
    expect(page.get_by_role("radio", name="Thumbs down")).to_be_visible()
    page.get_by_label("Name").fill("Helpfulness")
    score = page.get_by_label("Score")
    expect(score).to_have_attribute("min", "0")
    expect(score).to_have_attribute("max", "5")
    expect(score).to_have_attribute("step", "0.5")

    # The browser would stop an off-step number; the server must refuse it as well.
    score.fill("4.2")
    page.evaluate("document.querySelector('.annotation-form').noValidate = true")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#err-score")
    expect(error).to_contain_text("not on a step")
    expect(page.get_by_label("Score")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Score").fill("4.5")
    page.get_by_role("button", name="Save").click()
    card = page.locator(".annotation", has_text="Helpfulness")
    expect(card).to_contain_text("4.5")

    # Stars: the radio buttons.
    page.get_by_role("link", name="Add annotation").click()
    page.get_by_label("Name").fill("stars")
    page.get_by_role("radio", name="4 stars").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".annotation", has_text="Stars")).to_contain_text("4")


def test_an_annotator_edits_and_deletes_their_own(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.annotator)
    open_span(page, "ChatCompletion")
    page.get_by_role("tab", name="Evaluation").click()
    page.get_by_role("link", name="Add annotation").click()
    page.get_by_label("Name").fill("Tone")
    page.get_by_label("Label").fill("curt")
    page.get_by_role("button", name="Save").click()
    card = page.locator(".annotation", has_text="Tone")
    card.get_by_role("link", name="Edit").click()
    page.get_by_label("Label").fill("friendly")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".annotation", has_text="Tone")).to_contain_text("friendly")
    page.locator(".annotation", has_text="Tone").get_by_role("button", name="Delete").click()
    expect(page.locator(".annotation", has_text="Tone")).to_have_count(0)


def test_eval_scores_show_with_the_eval_badge(
    page: Page, workspace: Workspace, live_server: LiveServer
) -> None:
    response = httpx.post(
        f"{live_server.base_url}/api/v1/scores",
        headers=workspace.headers,
        json={
            "scores": [
                {
                    "span_id": workspace.llm_span_id,
                    "name": "faithfulness",
                    "score": 0.42,
                    "evaluator": "judge",
                    "reason": "half supported",
                }
            ]
        },
    )
    assert response.json()["created"] == 1
    sign_in(page, workspace.viewer)
    open_span(page, "ChatCompletion")
    page.get_by_role("tab", name="Evaluation").click()
    card = page.locator(".annotation", has_text="faithfulness")
    expect(card.locator(".badge")).to_have_text("eval")
    expect(card).to_contain_text("0.42")


def test_a_viewer_reads_but_cannot_annotate(
    page: Page, workspace: Workspace, live_server: LiveServer
) -> None:
    sign_in(page, workspace.viewer)
    open_span(page, "ChatCompletion")
    page.get_by_role("tab", name="Evaluation").click()
    expect(page.get_by_role("link", name="Add annotation")).to_have_count(0)
    expect(page.get_by_text("can read annotations but not add them")).to_be_visible()
    # Around the page: the server refuses it too.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"/spans/{workspace.llm_span_id}/annotations?trace_id=x",
        form={"name": "x", "label": "y", "csrf_token": token or ""},
    )
    assert response.status == 403


def test_span_content_is_shown_never_run(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.admin)
    page.goto("/traces?q=onerror")
    expect(page.locator(".trace-row")).to_have_count(1)
    page.locator(".trace-row .open-trace").click()
    detail = page.locator("#span-detail")
    expect(detail).to_contain_text(HOSTILE)
    page.get_by_role("tab", name="Attributes").click()
    expect(page.locator("table.attributes")).to_contain_text(HOSTILE)
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.locator("#span-detail img").count() == 0


def test_the_keyboard_alone_suffices(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.annotator)
    page.goto("/traces")
    page.keyboard.press("j")
    expect(page.locator(".trace-row").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**span=**")
    expect(page.locator(".span-head h3")).to_contain_text("ChatCompletion")
    page.keyboard.press("a")
    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.press("Escape")  # closes the form
    expect(page.get_by_label("Name")).to_have_count(0)
    page.locator("[role=treeitem][aria-selected=true]").focus()
    page.keyboard.press("Escape")  # closes the drawer
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_sign_in_errors_and_sign_out(page: Page, workspace: Workspace) -> None:
    page.goto("/traces")
    expect(page).to_have_url(re.compile(r"/login\?next=/traces$"))
    page.get_by_label("Email").fill(workspace.admin)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    sign_in(page, workspace.admin)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/traces")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
