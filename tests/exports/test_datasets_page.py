"""The Datasets page and the dashboard's export download, in-process, on both databases."""

from __future__ import annotations

import csv
import hashlib
import html as html_lib
import io
import json
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.storage.engine import Database
from tests.dashboard.test_labels_keys_pages import XSS, Page
from tests.exports.conftest import Shop, signed_in

pytestmark = pytest.mark.anyio

GOOD = {"f0.type": "annotation", "f0.label": "verdict", "f0.match": "eq", "f0.option": "good"}


async def test_save_the_pages_filter_as_a_dataset_and_download_it(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], shop: Shop
) -> None:
    admin = await signed_in(client, database, Role.ADMIN)
    page = await admin.get(f"/datasets?{httpx.QueryParams({'project': shop.project_id, **GOOD})}")
    assert page.status_code == 200
    html = Page(page.text)
    assert '"label": "verdict"' in html_lib.unescape(page.text)  # the filter, before saving
    assert "/datasets" in html.forms("post")
    assert "Save dataset" in html.buttons()
    assert html.field("Name").attrs["name"] == "name"
    assert html.hidden("f0.option") == "good"

    response = await admin.post(
        "/datasets",
        {"project": shop.project_id, **GOOD, "name": f"Golden {XSS}", "format": "csv"},
    )
    assert response.status_code == 303, response.text
    query = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    assert query["project"] == shop.project_id
    assert query["saved"].startswith("dsv_")
    assert query["f0.option"] == "good"  # the page keeps the filter
    listed = await admin.get(response.headers["location"])
    notice = " ".join(Page(listed.text).role("status").split())
    assert notice.startswith("Saved Golden")
    assert "version 1: 1 records from 1 spans" in notice
    assert XSS not in listed.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in listed.text

    (dataset,) = (await client.get("/api/v1/datasets", headers=auth)).json()
    version = dataset["versions"][0]
    assert (version["created_by"], version["format"]) == ("admin@acme.test", "csv")
    download = await admin.get(f"/datasets/{dataset['id']}/versions/1/file")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == version["sha256"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [row["span_id"] for row in rows] == [shop.spans["chat"]]


async def test_export_downloads_what_the_filter_selects(
    client: httpx.AsyncClient, database: Database, shop: Shop
) -> None:
    viewer = await signed_in(client, database, Role.VIEWER)
    query = httpx.QueryParams({"project": shop.project_id, **GOOD, "format": "jsonl"})
    response = await viewer.get(f"/export?{query}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="shop.jsonl"'
    assert len(response.content.splitlines()) == 1
    everything = await viewer.get(f"/export?project={shop.project_id}&format=openai-chat")
    assert len(everything.content.splitlines()) == 3
    bad = await viewer.get(f"/export?project={shop.project_id}&format=xml")
    assert bad.status_code == 422
    assert "format 'xml' is not one of" in html_lib.unescape(bad.text)


REFUSED_SAVES = [
    ({"name": "  "}, "name must not be empty"),
    ({"name": "x", "f0.gte": "high"}, "high"),
    ({"name": "x", "format": "xml"}, "format 'xml' is not one of"),
]


async def test_a_refused_save_says_why_and_keeps_the_form(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], shop: Shop
) -> None:
    admin = await signed_in(client, database, Role.ADMIN)
    for form, message in REFUSED_SAVES:
        response = await admin.post("/datasets", {"project": shop.project_id, **GOOD, **form})
        assert response.status_code == 422
        assert message in html_lib.unescape(response.text)
        assert Page(response.text).hidden("f0.label") == "verdict"
    assert (await client.get("/api/v1/datasets", headers=auth)).json() == []


async def test_viewers_read_but_do_not_save_and_forms_need_the_csrf_token(
    client: httpx.AsyncClient, database: Database, auth: dict[str, str], shop: Shop
) -> None:
    viewer = await signed_in(client, database, Role.VIEWER)
    page = await viewer.get(f"/datasets?project={shop.project_id}")
    assert page.status_code == 200
    assert "Save dataset" not in Page(page.text).buttons()
    refused = await viewer.post("/datasets", {"project": shop.project_id, "name": "x"})
    assert refused.status_code == 403
    forged = await client.post("/datasets", data={"project": shop.project_id, "name": "x"})
    assert forged.status_code == 403
    assert (await client.get("/api/v1/datasets", headers=auth)).json() == []


async def test_the_traces_page_filters_by_correction_and_links_its_filter_to_exports(
    client: httpx.AsyncClient, database: Database, shop: Shop
) -> None:
    viewer = await signed_in(client, database, Role.VIEWER)
    query = httpx.QueryParams(
        {"project": shop.project_id, "view": "spans", "f0.type": "correction", "kind": "LLM"}
    )
    page = await viewer.get(f"/traces?{query}")
    assert page.status_code == 200
    assert re.findall(r'data-span-id="([0-9a-f]{16})" tabindex', page.text) == [shop.spans["plain"]]
    (link,) = re.findall(r'class="export-link" href="([^"]+)"', page.text)
    link = html_lib.unescape(link)
    assert dict(parse_qsl(urlsplit(link).query)) == {
        "project": shop.project_id,
        "kind": "LLM",
        "f0.type": "correction",
    }
    exported = await viewer.get(link.replace("/datasets?", "/export?") + "&format=jsonl")
    assert [json.loads(line)["span_id"] for line in exported.content.splitlines()] == [
        shop.spans["plain"]
    ]
    without = httpx.QueryParams(
        {"project": shop.project_id, "view": "spans", "f0.type": "no_correction"}
    )
    page = await viewer.get(f"/traces?{without}")
    listed = re.findall(r'data-span-id="([0-9a-f]{16})" tabindex', page.text)
    assert len(listed) == 6
    assert shop.spans["plain"] not in listed
