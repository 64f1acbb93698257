"""The records limit of a bulk request (its own module: it overrides the settings)."""

from __future__ import annotations

import pytest

from annotrace.settings import Settings
from annotrace.storage.engine import Database
from tests.support.annotations import Project, make_project

pytestmark = pytest.mark.anyio


@pytest.fixture
async def project(client, database: Database, auth) -> Project:
    return await make_project(client, database, auth)


@pytest.fixture
def settings() -> Settings:
    return Settings(max_bulk_records=3)


async def test_more_records_than_the_limit_is_413(client, auth, project: Project) -> None:
    records = [{"observation_span_id": span} for span in project.spans[:4]]
    response = await client.post(
        "/tracer/bulk-annotation/", headers=auth, json={"records": records}
    )
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "records"
