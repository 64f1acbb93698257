"""The reference product's example programs run against annotrace, changed only in the
base URL, the keys and the span id (examples/futureagi_bulk_annotation.*)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.storage.test_ingest import principal_of, store
from tests.support.servers import LiveServer
from tests.support.spans import make_trace

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


@pytest.fixture
def setup(live_server: LiveServer, request: pytest.FixtureRequest) -> tuple[dict, str, str]:
    """A fresh workspace on the live server with a span and, as its first label, a text one."""
    database = Database(live_server.database_url)
    workspace = f"example-{request.node.name}"[:60]
    pair = make_key_pair(database, workspace)
    spans = make_trace(project="support")
    store(database, principal_of(database, workspace), spans)
    database.dispose()
    headers = headers_for(pair)
    project = httpx.get(f"{live_server.base_url}/api/v1/projects", headers=headers).json()[0]
    for body in (
        {"name": "Quality", "type": "text"},
        {"name": "Stars", "type": "star"},
    ):
        response = httpx.post(
            f"{live_server.base_url}/api/v1/projects/{project['id']}/labels",
            headers=headers,
            json=body,
        )
        assert response.status_code == 201
    return headers, spans[0].span.span_id, response.json()["id"]


def test_the_python_example_runs_and_prints_the_counts(live_server: LiveServer, setup) -> None:
    headers, span_id, _ = setup
    source = (EXAMPLES / "futureagi_bulk_annotation.py").read_text()
    replacements = {
        r'BASE_URL = ".*"': f'BASE_URL = "{live_server.base_url}"',
        r'FI_API_KEY = ".*"': f'FI_API_KEY = "{headers["X-Api-Key"]}"',
        r'FI_SECRET_KEY = ".*"': f'FI_SECRET_KEY = "{headers["X-Secret-Key"]}"',
        r'SPAN_ID = ".*"': f'SPAN_ID = "{span_id}"',
    }
    for pattern, replacement in replacements.items():
        source, count = re.subn(pattern, replacement, source)
        assert count == 1, pattern
    run = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert "Using label: Quality (text)" in run.stdout
    assert "Bulk-Annotation Result" in run.stdout
    # The example sends a text value and a number to the same (text) label: one is
    # created, the other is reported in the record's annotationError.
    assert re.search(r'"annotationsCreated": 1', run.stdout), run.stdout
    assert re.search(r'"notesCreated": 1', run.stdout), run.stdout
    assert "send 'value'" in run.stdout


def test_the_curl_example_runs(live_server: LiveServer, setup) -> None:
    headers, span_id, label_id = setup
    script = (EXAMPLES / "futureagi_bulk_annotation.sh").read_text()
    script = script.replace("http://127.0.0.1:6180", live_server.base_url)
    script = script.replace("atk_demo", headers["X-Api-Key"])
    script = script.replace("ats_demo", headers["X-Secret-Key"])
    script = script.replace("5f557203301850c5", span_id)
    quality_id = httpx.get(
        f"{live_server.base_url}/tracer/get-annotation-labels/", headers=headers
    ).json()["result"][0]["id"]
    run = subprocess.run(
        ["bash", "-c", script, "example", quality_id],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)["result"]
    assert result["annotationsCreated"] == 1
    assert result["errorsCount"] == 0
    assert label_id != quality_id  # the first label is the oldest one
