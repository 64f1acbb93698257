"""A project with spans and one label of each type, for annotation tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from annotrace.storage.engine import Database
from tests.storage.test_ingest import principal_of, store
from tests.support.spans import make_trace

LABELS = {
    "quality": {"type": "text", "settings": {"min_length": 2, "max_length": 20}},
    "helpfulness": {"type": "numeric", "settings": {"min": 0, "max": 5, "step_size": 0.5}},
    "verdict": {"type": "categorical", "settings": {"options": ["good", "bad", "meh"]}},
    "topics": {
        "type": "categorical",
        "settings": {"options": ["billing", "shipping", "refunds"], "multi_choice": True},
    },
    "stars": {"type": "star", "settings": {"no_of_stars": 5}},
    "thumbs": {"type": "thumbs_up_down", "settings": {}},
}


@dataclass
class Project:
    id: str
    labels: dict[str, str]  # name -> label id
    spans: list[str]  # span ids


async def make_project(
    client: httpx.AsyncClient,
    database: Database,
    auth: dict[str, str],
    *,
    name: str = "bot",
    workspace: str = "acme",
    traces: int = 3,
) -> Project:
    spans = [span for _ in range(traces) for span in make_trace(project=name, size=3)]
    store(database, principal_of(database, workspace), spans)
    projects = (await client.get("/api/v1/projects", headers=auth)).json()
    project_id = next(project["id"] for project in projects if project["name"] == name)
    labels = {}
    for label, body in LABELS.items():
        response = await client.post(
            f"/api/v1/projects/{project_id}/labels", headers=auth, json={"name": label, **body}
        )
        assert response.status_code == 201, response.text
        labels[label] = response.json()["id"]
    return Project(project_id, labels, [incoming.span.span_id for incoming in spans])
