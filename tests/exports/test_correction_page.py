"""The Correction section of the Evaluation tab, in-process, on both databases."""

from __future__ import annotations

import html

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.domain.text_diff import Piece, word_diff
from annotrace.storage.engine import Database
from tests.dashboard.test_labels_keys_pages import XSS
from tests.exports.conftest import Shop, signed_in

pytestmark = pytest.mark.anyio
FETCH = {"X-Requested-With": "fetch"}


def test_a_word_diff_keeps_both_texts() -> None:
    pieces = word_diff("It ships tomorrow.", "It ships today, by noon.")
    assert pieces == [
        Piece("same", "It ships "),
        Piece("removed", "tomorrow."),
        Piece("added", "today, by noon."),
    ]
    assert "".join(p.text for p in pieces if p.op != "added") == "It ships tomorrow."
    assert word_diff("same", "same") == [Piece("same", "same")]
    assert word_diff("", "new") == [Piece("added", "new")]


async def test_an_annotator_corrects_an_output_and_sees_the_diff(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], shop: Shop
) -> None:
    annotator = await signed_in(client, database, Role.ANNOTATOR)
    span, trace = shop.spans["rival"], shop.traces["rival"]
    tab = await annotator.get(f"/spans/{span}/evaluation?trace_id={trace}")
    assert "No corrected output yet" in tab.text
    assert ">I do not know.</textarea>" in tab.text  # the form starts from the original
    response = await client.post(
        f"/spans/{span}/correction?trace_id={trace}",
        data={"csrf_token": annotator.csrf, "output": f"It ships tomorrow. {XSS}"},
        headers=FETCH,
    )
    assert response.status_code == 200, response.text
    assert "Corrected by annotator@acme.test" in response.text
    assert "<del>I do not know.</del>" in response.text
    assert "<ins>It ships tomorrow. &lt;img src=x onerror=alert(1)&gt;</ins>" in response.text
    assert XSS not in response.text
    stored = (await client.get(f"/api/v1/spans/{span}/correction", headers=auth)).json()
    assert (stored["output"], stored["annotator_id"]) == (
        f"It ships tomorrow. {XSS}",
        "annotator@acme.test",
    )
    # Without the script: the form's answer is the page of the span's Evaluation tab.
    plain = await annotator.post(f"/spans/{span}/correction?trace_id={trace}", {"output": "Soon."})
    assert plain.status_code == 303
    assert "tab=evaluation" in plain.headers["location"]
    assert f"span={span}" in plain.headers["location"]
    removed = await client.post(
        f"/spans/{span}/correction/delete?trace_id={trace}",
        data={"csrf_token": annotator.csrf},
        headers=FETCH,
    )
    assert "No corrected output yet" in removed.text
    assert (await client.get(f"/api/v1/spans/{span}/correction", headers=auth)).status_code == 404


async def test_refusals_show_next_to_the_field_and_keep_the_text(
    client: httpx.AsyncClient, database: Database, shop: Shop
) -> None:
    annotator = await signed_in(client, database, Role.ANNOTATOR)
    span, trace = shop.spans["rival"], shop.traces["rival"]
    response = await client.post(
        f"/spans/{span}/correction?trace_id={trace}",
        data={"csrf_token": annotator.csrf, "output": "   "},
        headers=FETCH,
    )
    assert response.status_code == 422
    assert 'id="err-correction" class="field-error">output must not be empty' in response.text
    assert 'aria-invalid="true"' in response.text


async def test_only_its_author_or_an_admin_changes_a_correction(
    client: httpx.AsyncClient, database: Database, shop: Shop
) -> None:
    # The shop's "plain" span was corrected by "ana" through the API.
    span, trace = shop.spans["plain"], shop.traces["plain"]
    annotator = await signed_in(client, database, Role.ANNOTATOR)
    tab = await annotator.get(f"/spans/{span}/evaluation?trace_id={trace}")
    assert "Remove correction" not in tab.text
    refused = await annotator.post(f"/spans/{span}/correction?trace_id={trace}", {"output": "x"})
    assert refused.status_code == 403
    assert "only ana or an admin" in html.unescape(refused.text)
    viewer_client = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with viewer_client:
        viewer = await signed_in(viewer_client, database, Role.VIEWER)
        tab = await viewer.get(f"/spans/{span}/evaluation?trace_id={trace}")
        assert "Hello! How can I help?" in tab.text
        assert "Record correction" not in tab.text
        response = await viewer.post(f"/spans/{span}/correction?trace_id={trace}", {"output": "x"})
        assert response.status_code == 403
    admin_client = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with admin_client:
        admin = await signed_in(admin_client, database, Role.ADMIN)
        changed = await admin.post(f"/spans/{span}/correction?trace_id={trace}", {"output": "Hi."})
        assert changed.status_code == 303
