"""POST /tracer/bulk-annotation/: the reference product's contract and its semantics."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.support.annotations import Project, make_project
from tests.support.statements import count_statements

pytestmark = pytest.mark.anyio

RESULT_KEYS = {
    "message",
    "annotationsCreated",
    "annotationsUpdated",
    "annotationsUnchanged",
    "notesCreated",
    "succeededCount",
    "errorsCount",
    "errors",
    "dryRun",
}


async def bulk(
    client: httpx.AsyncClient, auth: dict[str, str], records: Any, **params: Any
) -> dict[str, Any]:
    response = await client.post(
        "/tracer/bulk-annotation/", headers=auth, json={"records": records}, params=params
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is True
    assert set(body["result"]) == RESULT_KEYS
    return body["result"]


def annotation(project: Project, label: str, annotator: str = "human_a", **value: Any) -> dict:
    return {"annotation_label_id": project.labels[label], "annotator_id": annotator, **value}


async def snapshot(client: httpx.AsyncClient, auth: dict[str, str], project: Project) -> list:
    """Everything stored on the project's spans, without ids and times."""
    state = []
    for span_id in project.spans:
        annotations = (
            await client.get(f"/api/v1/spans/{span_id}/annotations", headers=auth)
        ).json()
        notes = (await client.get(f"/api/v1/spans/{span_id}/notes", headers=auth)).json()
        state.append(
            (
                sorted(
                    (a["name"], a["annotator_id"], repr(a["value"]), a["label"], a["score"])
                    for a in annotations
                ),
                sorted((n["annotator_id"], n["text"]) for n in notes),
            )
        )
    return state


@pytest.fixture
async def project(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Project:
    return await make_project(client, database, auth)


def every_type(project: Project, span: str) -> dict[str, Any]:
    return {
        "observation_span_id": span,
        "annotations": [
            annotation(project, "quality", value="good"),
            annotation(project, "helpfulness", value_float=4.5),
            annotation(project, "verdict", value_str_list=["good"]),
            annotation(project, "topics", value_str_list=["billing", "Refunds"]),
            annotation(project, "stars", value_float=4),
            annotation(project, "thumbs", value_bool=True),
        ],
        "notes": [{"text": "First note", "annotator_id": "human_a"}],
    }


async def test_every_label_type_is_stored_and_counted(client, auth, project: Project) -> None:
    result = await bulk(client, auth, [every_type(project, project.spans[0])])
    assert result["annotationsCreated"] == 6
    assert result["notesCreated"] == 1
    assert (result["succeededCount"], result["errorsCount"], result["errors"]) == (1, 0, [])
    stored = {
        a["name"]: a
        for a in (
            await client.get(f"/api/v1/spans/{project.spans[0]}/annotations", headers=auth)
        ).json()
    }
    assert stored["quality"]["value"] == "good"
    assert stored["helpfulness"]["value"] == 4.5
    assert stored["topics"]["value"] == ["billing", "refunds"]  # canonical spelling
    assert stored["stars"]["score"] == 4
    assert stored["thumbs"]["label"] == "thumbs_up"
    assert {a["source"] for a in stored.values()} == {"api"}
    assert {a["kind"] for a in stored.values()} == {"annotation"}


async def test_sending_the_same_request_twice_leaves_the_same_data(
    client, auth, project: Project
) -> None:
    records = [every_type(project, span) for span in project.spans[:3]]
    first = await bulk(client, auth, records)
    state = await snapshot(client, auth, project)
    second = await bulk(client, auth, records)
    assert await snapshot(client, auth, project) == state
    assert (first["annotationsCreated"], first["notesCreated"]) == (18, 3)
    assert (second["annotationsCreated"], second["annotationsUpdated"]) == (0, 0)
    assert (second["annotationsUnchanged"], second["notesCreated"]) == (18, 0)


async def test_an_existing_annotation_is_updated_not_created(
    client, auth, project: Project
) -> None:
    span = project.spans[0]
    await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": span,
                "annotations": [annotation(project, "helpfulness", value_float=1.0)],
            }
        ],
    )
    result = await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": span,
                "annotations": [
                    annotation(project, "helpfulness", value_float=2.5),
                    annotation(project, "helpfulness", annotator="human_b", value_float=2.5),
                ],
            }
        ],
    )
    assert (result["annotationsCreated"], result["annotationsUpdated"]) == (1, 1)
    values = sorted(
        (a["annotator_id"], a["value"])
        for a in (await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    )
    assert values == [("human_a", 2.5), ("human_b", 2.5)]


async def test_the_same_key_twice_in_one_request_ends_with_the_last_value(
    client, auth, project: Project
) -> None:
    span = project.spans[0]
    result = await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": span,
                "annotations": [
                    annotation(project, "stars", value_float=1),
                    annotation(project, "stars", value_float=5),
                ],
            }
        ],
    )
    assert (result["annotationsCreated"], result["annotationsUpdated"]) == (1, 1)
    stored = (await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    assert [a["value"] for a in stored] == [5]


async def test_duplicate_notes_are_not_stored_again(client, auth, project: Project) -> None:
    span = project.spans[0]
    note = {"text": "Looks wrong", "annotator_id": "human_a"}
    other = {"text": "Looks wrong", "annotator_id": "human_b"}
    first = await bulk(client, auth, [{"observation_span_id": span, "notes": [note, note, other]}])
    second = await bulk(client, auth, [{"observation_span_id": span, "notes": [note]}])
    assert (first["notesCreated"], second["notesCreated"]) == (2, 0)
    assert second["errorsCount"] == 0
    notes = (await client.get(f"/api/v1/spans/{span}/notes", headers=auth)).json()
    assert sorted(n["annotator_id"] for n in notes) == ["human_a", "human_b"]


async def test_records_never_block_each_other(client, auth, project: Project) -> None:
    records = [
        {
            "observation_span_id": "0" * 15 + "1",
            "annotations": [annotation(project, "stars", value_float=3)],
        },
        {
            "observation_span_id": project.spans[0],
            "annotations": [
                annotation(project, "stars", value_float=9),  # refused
                annotation(project, "thumbs", value_bool=False),  # stored
            ],
        },
        {
            "observation_span_id": project.spans[1],
            "annotations": [annotation(project, "stars", value_float=2)],
        },
    ]
    result = await bulk(client, auth, records)
    assert (result["annotationsCreated"], result["succeededCount"], result["errorsCount"]) == (
        2,
        1,
        2,
    )
    assert [(e["recordIndex"], e["spanId"]) for e in result["errors"]] == [
        (0, "0" * 15 + "1"),
        (1, project.spans[0]),
    ]
    assert "not found" in result["errors"][0]["annotationError"]
    assert result["errors"][1]["annotationError"].startswith("annotations[0]: ")
    assert result["errors"][1]["noteError"] is None


ERRORS = [
    # (annotation or a function of the project, expected words in the error)
    (
        lambda p: annotation(p, "quality", value_float=4.2),
        "label 'quality' is a text label, send 'value'",
    ),
    (lambda p: annotation(p, "helpfulness", value="4"), "send 'value_float'"),
    (lambda p: annotation(p, "verdict", value="good"), "send 'value_str_list'"),
    (lambda p: annotation(p, "thumbs", value_float=1), "send 'value_bool'"),
    (lambda p: annotation(p, "stars"), "no value was given"),
    (lambda p: annotation(p, "stars", value_float=3, value="3"), "several value keys"),
    (lambda p: annotation(p, "helpfulness", value_float=5.5), "outside the range"),
    (lambda p: annotation(p, "helpfulness", value_float=4.2), "not on a step"),
    (lambda p: annotation(p, "stars", value_float=6), "whole number from 1 to 5"),
    (lambda p: annotation(p, "stars", value_float=2.5), "whole number from 1 to 5"),
    (lambda p: annotation(p, "stars", value_float=0), "whole number from 1 to 5"),
    (lambda p: annotation(p, "verdict", value_str_list=["great"]), "not an option"),
    (lambda p: annotation(p, "verdict", value_str_list=["good", "bad"]), "single option"),
    (lambda p: annotation(p, "topics", value_str_list=["billing", "Billing"]), "given twice"),
    (lambda p: annotation(p, "verdict", value_str_list=[]), "at least one option"),
    (lambda p: annotation(p, "quality", value="x"), "at least 2"),
    (lambda p: annotation(p, "quality", value="x" * 21), "at most 20"),
    (lambda p: annotation(p, "thumbs", value_bool="yes"), "true (thumbs up) or false"),
    (
        lambda p: annotation(p, "quality", annotator="", value="ok"),
        "annotator_id must be a non-empty",
    ),
    (lambda p: annotation(p, "quality", annotator="a" * 256, value="ok"), "limit is 255"),
    (lambda p: {"annotator_id": "a", "value": "ok"}, "annotation_label_id is missing"),
    (
        lambda p: {"annotation_label_id": "lbl_" + "0" * 20, "annotator_id": "a", "value": "x"},
        "not found",
    ),
    (lambda p: "not an object", "must be an object"),
]


@pytest.mark.parametrize(("make", "words"), ERRORS, ids=[words for _, words in ERRORS])
async def test_each_refused_annotation_says_why_and_where(
    client, auth, project: Project, make, words: str
) -> None:
    good = annotation(project, "thumbs", value_bool=True)
    result = await bulk(
        client,
        auth,
        [{"observation_span_id": project.spans[0], "annotations": [good, make(project)]}],
    )
    assert result["annotationsCreated"] == 1  # the valid one is stored regardless
    (error,) = result["errors"]
    assert error["annotationError"].startswith("annotations[1]: ")
    assert words in error["annotationError"]


async def test_a_label_of_another_project_is_refused(
    client, database: Database, auth, project: Project
) -> None:
    other = await make_project(client, database, auth, name="other")
    result = await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": project.spans[0],
                "annotations": [
                    {
                        "annotation_label_id": other.labels["stars"],
                        "annotator_id": "a",
                        "value_float": 3,
                    }
                ],
            }
        ],
    )
    error = result["errors"][0]["annotationError"]
    assert "belongs to project 'other', not to the span's project 'bot'" in error


async def test_a_span_of_another_workspace_is_not_found(
    client, database: Database, auth, project: Project
) -> None:
    stranger = headers_for(make_key_pair(database, "stranger"))
    result = await bulk(
        client,
        stranger,
        [
            {
                "observation_span_id": project.spans[0],
                "annotations": [annotation(project, "stars", value_float=3)],
                "notes": [{"text": "x", "annotator_id": "a"}],
            }
        ],
    )
    (error,) = result["errors"]
    assert "not found (or not visible to this key)" in error["annotationError"]
    assert "not found" in error["noteError"]
    assert (await snapshot(client, auth, project))[0] == ([], [])


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"annotations": []}, "observation_span_id is missing"),
        ({"observation_span_id": "xyz", "annotations": []}, "not found"),
        ({"observation_span_id": None, "annotations": []}, "observation_span_id is missing"),
    ],
)
async def test_records_without_a_usable_span(client, auth, project, record, words) -> None:
    (error,) = (await bulk(client, auth, [record]))["errors"]
    assert words in error["annotationError"]


async def test_refused_notes_say_why(client, auth, project: Project) -> None:
    result = await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": project.spans[0],
                "notes": [
                    {"text": "", "annotator_id": "a"},
                    {"text": "fine", "annotator_id": ""},
                    "oops",
                    {"text": "kept", "annotator_id": "a"},
                ],
            }
        ],
    )
    error = result["errors"][0]["noteError"]
    assert "notes[0]: text must be a non-empty string" in error
    assert "notes[1]: annotator_id must be a non-empty string" in error
    assert "notes[2]: a note must be an object" in error
    assert result["notesCreated"] == 1


async def test_annotations_that_are_not_a_list(client, auth, project: Project) -> None:
    result = await bulk(
        client, auth, [{"observation_span_id": project.spans[0], "annotations": {}}]
    )
    assert result["errors"][0]["annotationError"] == "annotations must be a list, not dict"


async def test_dry_run_answers_what_would_happen_and_stores_nothing(
    client, auth, project: Project
) -> None:
    records = [every_type(project, span) for span in project.spans[:2]]
    records.append({"observation_span_id": "f" * 16, "annotations": []})
    dry = await bulk(client, auth, records, dry_run="true")
    assert all(state == ([], []) for state in await snapshot(client, auth, project))
    real = await bulk(client, auth, records)
    assert dry["dryRun"] is True
    assert real["dryRun"] is False
    for key in RESULT_KEYS - {"message", "dryRun"}:
        assert dry[key] == real[key], key
    assert dry["message"].startswith("Dry run")


async def test_an_eval_and_a_person_never_share_an_annotation(
    client, auth, project: Project
) -> None:
    span = project.spans[0]
    response = await client.post(
        "/api/v1/scores",
        headers=auth,
        json={"scores": [{"span_id": span, "name": "stars", "score": 4, "evaluator": "judge"}]},
    )
    assert response.json()["created"] == 1
    result = await bulk(
        client,
        auth,
        [
            {
                "observation_span_id": span,
                "annotations": [annotation(project, "stars", annotator="judge", value_float=2)],
            }
        ],
    )
    assert "already has an eval score" in result["errors"][0]["annotationError"]
    stored = (await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    assert [(a["source"], a["value"]) for a in stored] == [("eval", 4)]


@pytest.mark.parametrize("path", ["/tracer/bulk-annotation/", "/tracer/bulk-annotation"])
async def test_both_paths_answer(client, auth, project: Project, path: str) -> None:
    response = await client.post(
        path, headers=auth, json={"records": [every_type(project, project.spans[0])]}
    )
    assert response.status_code == 200
    assert response.json()["result"]["annotationsCreated"] in (0, 6)


@pytest.mark.parametrize(
    ("content", "status", "field"),
    [
        (b"not json", 400, "body"),
        (b"{}", 422, "body.records"),
        (b'{"records": {}}', 422, "body.records"),
        (b'{"records": [1]}', 422, "body.records[0]"),
        (b"[]", 422, "body"),
    ],
)
async def test_requests_of_the_wrong_shape(client, auth, content, status, field) -> None:
    response = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth | {"Content-Type": "application/json"},
        content=content,
    )
    assert response.status_code == status
    body = response.json()
    assert body["status"] is False
    assert body["error"]["field"] == field


async def test_missing_keys_are_refused(client) -> None:
    response = await client.post("/tracer/bulk-annotation/", json={"records": []})
    assert response.status_code == 401
    assert response.json()["status"] is False


async def test_a_request_costs_a_constant_number_of_queries(
    client, database: Database, auth, project: Project
) -> None:
    from tests.storage.test_ingest import principal_of, store
    from tests.support.spans import make_span

    spans = [make_span(project="bot") for _ in range(510)]
    store(database, principal_of(database), spans)

    def records(first: int, count: int) -> list[dict]:
        return [
            {
                "observation_span_id": incoming.span.span_id,
                "annotations": [
                    annotation(project, "stars", value_float=3),
                    annotation(project, "thumbs", value_bool=True),
                    annotation(project, "verdict", value_str_list=["good"]),
                    annotation(project, "helpfulness", value_float=2.5),
                ],
                "notes": [{"text": f"note {index}", "annotator_id": "human_a"}],
            }
            for index, incoming in enumerate(spans[first : first + count])
        ]

    counts = []
    for first, count in ((0, 10), (10, 500)):
        with count_statements(database) as statements:
            result = await bulk(client, auth, records(first, count))
        assert result["annotationsCreated"] == 4 * count
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 20
