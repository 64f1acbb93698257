"""A reviewer corrects an output and a data scientist saves and downloads the golden set,
in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Workspace, sign_in
from tests.browser.test_annotate import open_span
from tests.support.servers import LiveServer


def test_a_correction_shows_as_a_diff_and_reaches_the_chat_export(
    page: Page, workspace: Workspace, live_server: LiveServer
) -> None:
    sign_in(page, workspace.annotator)
    open_span(page, "ChatCompletion")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("tab", name="Evaluation").click()
    field = page.get_by_label("Corrected output")
    expect(field).to_have_value("It ships tomorrow.")  # starts from the original
    field.fill("It ships tomorrow, by noon.")
    page.get_by_role("button", name="Record correction").click()
    section = page.locator("#correction")
    expect(section).to_contain_text(f"Corrected by {workspace.annotator}")
    expect(section.locator("del")).to_have_text("tomorrow.")
    expect(section.locator("ins")).to_have_text("tomorrow, by noon.")
    assert page.evaluate("window.__sameDocument") is True
    page.reload()
    expect(page.locator("#correction ins")).to_have_text("tomorrow, by noon.")

    project = httpx.get(
        f"{live_server.base_url}/api/v1/projects", headers=workspace.headers
    ).json()[0]["id"]
    exported = httpx.post(
        f"{live_server.base_url}/api/v1/exports",
        headers=workspace.headers,
        json={
            "filter": {"project_id": project, "where": {"type": "correction"}},
            "format": "openai-chat",
        },
    )
    (line,) = exported.text.splitlines()
    assert json.loads(line)["messages"][-1] == {
        "role": "assistant",
        "content": "It ships tomorrow, by noon.",
    }


def test_save_a_dataset_and_download_it_again(
    page: Page, workspace: Workspace, live_server: LiveServer
) -> None:
    sign_in(page, workspace.admin)
    page.get_by_role("link", name="Datasets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datasets of support")
    page.get_by_label("Name").fill("all-support")
    page.locator("#ds-format").select_option("parquet")
    page.get_by_role("button", name="Save dataset").click()
    expect(page.get_by_role("status")).to_contain_text("Saved all-support version 1")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download all-support version 1").click()
    download = info.value
    assert download.suggested_filename == "all-support-v1.parquet"
    assert Path(download.path()).read_bytes()[:4] == b"PAR1"
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    assert info.value.suggested_filename == "support.jsonl"
    assert len(Path(info.value.path()).read_bytes().splitlines()) == 5
