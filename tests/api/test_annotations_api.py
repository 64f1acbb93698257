"""The native annotation API (AgentMark shape), notes, eval scores, and one model behind
every path."""

from __future__ import annotations

import httpx
import pytest

from annotrace.storage.engine import Database
from tests.conftest import headers_for, make_key_pair
from tests.support.annotations import Project, make_project

pytestmark = pytest.mark.anyio


@pytest.fixture
async def project(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Project:
    return await make_project(client, database, auth)


async def annotate(client, auth, span: str, **body) -> httpx.Response:
    return await client.post(
        f"/api/v1/spans/{span}/annotations", headers=auth, json={"annotator_id": "ana", **body}
    )


async def listed(client, auth, span: str) -> list[dict]:
    response = await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)
    assert response.status_code == 200
    return response.json()


async def test_free_form_annotation_in_the_agentmark_shape(client, auth, project) -> None:
    response = await annotate(
        client,
        auth,
        project.spans[0],
        name="Response Quality",
        label="good",
        score=0.85,
        reason="The response was accurate and well-formatted.",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("ann_")
    assert (body["name"], body["label"], body["score"]) == ("Response Quality", "good", 0.85)
    assert body["reason"] == "The response was accurate and well-formatted."
    assert (body["label_id"], body["value"], body["kind"]) == (None, None, "annotation")
    # Again by the same annotator: the same annotation, updated.
    again = await annotate(
        client, auth, project.spans[0], name="response quality", label="bad", score=0.2
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert [a["label"] for a in await listed(client, auth, project.spans[0])] == ["bad"]


@pytest.mark.parametrize(
    ("name", "fields", "value", "label", "score"),
    [
        ("verdict", {"label": "Good", "score": 0.9}, ["good"], "good", 0.9),
        (
            "topics",
            {"label": ["billing", "refunds"]},
            ["billing", "refunds"],
            "billing, refunds",
            None,
        ),
        ("quality", {"label": "fine"}, "fine", "fine", None),
        ("helpfulness", {"score": 3.5}, 3.5, None, 3.5),
        ("stars", {"score": 4}, 4, None, 4),
        ("thumbs", {"label": "thumbs_down"}, False, "thumbs_down", 0),
        ("thumbs", {"score": 1}, True, "thumbs_up", 1),
    ],
)
async def test_a_name_that_is_a_label_is_checked_and_typed(
    client, auth, project, name, fields, value, label, score
) -> None:
    response = await annotate(client, auth, project.spans[0], name=name.upper(), **fields)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["label_id"]) == (name, project.labels[name])
    assert (body["value"], body["label"], body["score"]) == (value, label, score)
    assert body["label_version"] == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "verdict", "label": "great"}, "label"),
        ({"name": "helpfulness", "score": 9}, "score"),
        ({"name": "stars"}, "score"),
        ({"name": "thumbs", "label": "maybe"}, "label"),
        ({"name": "thumbs", "label": "up", "score": 0}, "label"),
        ({"name": "Edge Case"}, "label"),
        ({"name": "", "label": "x"}, "name"),
        ({"name": "x", "label": "y", "annotator_id": ""}, "annotator_id"),
        ({"name": "x", "label": ["a", "b"]}, "label"),
    ],
)
async def test_refused_annotations_name_the_field(client, auth, project, fields, field) -> None:
    body = {"annotator_id": "ana", **fields}
    response = await client.post(
        f"/api/v1/spans/{project.spans[0]}/annotations", headers=auth, json=body
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert await listed(client, auth, project.spans[0]) == []


async def test_unknown_spans_and_annotations_are_404(client, auth, project) -> None:
    assert (await annotate(client, auth, "a" * 16, name="x", label="y")).status_code == 404
    assert (await client.delete("/api/v1/annotations/ann_nope", headers=auth)).status_code == 404
    response = await client.patch(
        "/api/v1/annotations/ann_" + "0" * 20, headers=auth, json={"score": 1}
    )
    assert response.status_code == 404


async def test_update_and_delete(client, auth, project) -> None:
    created = (
        await annotate(
            client,
            auth,
            project.spans[0],
            name="topics",
            label=["billing", "shipping"],
            reason="two topics",
        )
    ).json()
    # Only the reason changes: the multi-choice value stays as it is.
    response = await client.patch(
        f"/api/v1/annotations/{created['id']}", headers=auth, json={"reason": "still two"}
    )
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["reason"]) == (
        ["billing", "shipping"],
        "still two",
    )
    refused = await client.patch(
        f"/api/v1/annotations/{created['id']}", headers=auth, json={"label": "weather"}
    )
    assert refused.status_code == 422
    assert (
        await client.delete(f"/api/v1/annotations/{created['id']}", headers=auth)
    ).status_code == 204
    assert await listed(client, auth, project.spans[0]) == []


async def test_another_workspace_sees_nothing(client, database, auth, project) -> None:
    created = (await annotate(client, auth, project.spans[0], name="x", label="y")).json()
    stranger = headers_for(make_key_pair(database, "stranger"))
    assert (
        await client.get(f"/api/v1/spans/{project.spans[0]}/annotations", headers=stranger)
    ).status_code == 404
    assert (
        await client.delete(f"/api/v1/annotations/{created['id']}", headers=stranger)
    ).status_code == 404
    assert len(await listed(client, auth, project.spans[0])) == 1


async def test_notes_add_list_delete(client, auth, project) -> None:
    span = project.spans[0]
    first = await client.post(
        f"/api/v1/spans/{span}/notes",
        headers=auth,
        json={"text": "check this", "annotator_id": "ana"},
    )
    again = await client.post(
        f"/api/v1/spans/{span}/notes",
        headers=auth,
        json={"text": "check this", "annotator_id": "ana"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    empty = await client.post(
        f"/api/v1/spans/{span}/notes", headers=auth, json={"text": "  ", "annotator_id": "ana"}
    )
    assert empty.status_code == 422
    assert empty.json()["error"]["field"] == "text"
    notes = (await client.get(f"/api/v1/spans/{span}/notes", headers=auth)).json()
    assert [(n["text"], n["annotator_id"]) for n in notes] == [("check this", "ana")]
    deleted = await client.delete(f"/api/v1/spans/{span}/notes/{notes[0]['id']}", headers=auth)
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/spans/{span}/notes", headers=auth)).json() == []


async def test_eval_scores_sit_beside_human_annotations(client, auth, project) -> None:
    span = project.spans[0]
    await annotate(client, auth, span, name="verdict", label="good", reason="fine")
    response = await client.post(
        "/api/v1/scores",
        headers=auth,
        json={
            "scores": [
                {
                    "span_id": span,
                    "name": "verdict",
                    "label": "bad",
                    "evaluator": "judge",
                    "reason": "rude",
                    "run_id": "run-1",
                },
                {"span_id": span, "name": "faithfulness", "score": 0.7, "evaluator": "judge"},
                {"span_id": "f" * 16, "name": "x", "score": 1, "evaluator": "judge"},
                {"span_id": span, "name": "stars", "score": 7, "evaluator": "judge"},
            ]
        },
    )
    assert response.status_code == 200
    result = response.json()
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    assert [
        (e["index"], "not found" in e["error"] or "1 to 5" in e["error"]) for e in result["errors"]
    ] == [(2, True), (3, True)]
    rows = {(a["kind"], a["name"]): a for a in await listed(client, auth, span)}
    assert set(rows) == {("annotation", "verdict"), ("eval", "verdict"), ("eval", "faithfulness")}
    assert rows[("eval", "verdict")]["source"] == "eval"
    assert rows[("eval", "verdict")]["run_id"] == "run-1"
    assert rows[("annotation", "verdict")]["label"] == "good"
    # A second run of the evaluator replaces its scores, never the person's.
    again = await client.post(
        "/api/v1/scores",
        headers=auth,
        json={
            "scores": [
                {"span_id": span, "name": "faithfulness", "score": 0.9, "evaluator": "judge"}
            ]
        },
    )
    assert again.json()["updated"] == 1


async def test_one_model_behind_every_path(client, auth, project) -> None:
    """The bulk API's typed value and the AgentMark view are two readings of one row."""
    span = project.spans[0]
    bulk = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth,
        json={
            "records": [
                {
                    "observation_span_id": span,
                    "annotations": [
                        {
                            "annotation_label_id": project.labels["stars"],
                            "annotator_id": "bob",
                            "value_float": 4,
                        },
                        {
                            "annotation_label_id": project.labels["verdict"],
                            "annotator_id": "bob",
                            "value_str_list": ["meh"],
                        },
                    ],
                }
            ]
        },
    )
    assert bulk.json()["result"]["annotationsCreated"] == 2
    by_name = {a["name"]: a for a in await listed(client, auth, span)}
    assert (by_name["stars"]["score"], by_name["verdict"]["label"]) == (4, "meh")
    # Written in the AgentMark shape by the same annotator: the bulk view sees it.
    await client.post(
        f"/api/v1/spans/{span}/annotations",
        headers=auth,
        json={"name": "Stars", "score": 2, "annotator_id": "bob"},
    )
    resend = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth,
        json={
            "records": [
                {
                    "observation_span_id": span,
                    "annotations": [
                        {
                            "annotation_label_id": project.labels["stars"],
                            "annotator_id": "bob",
                            "value_float": 2,
                        }
                    ],
                }
            ]
        },
    )
    assert resend.json()["result"]["annotationsUnchanged"] == 1
    by_name = {a["name"]: a for a in await listed(client, auth, span)}
    assert (by_name["stars"]["value"], by_name["stars"]["score"]) == (2, 2)


async def test_label_versions_are_kept_on_annotations(client, auth, project) -> None:
    span = project.spans[0]
    await annotate(client, auth, span, name="helpfulness", score=4.5)
    changed = await client.patch(
        f"/api/v1/labels/{project.labels['helpfulness']}",
        headers=auth,
        json={"settings": {"min": 0, "max": 10, "step_size": 1}},
    )
    assert changed.json()["version"] == 2
    await annotate(client, auth, span, name="helpfulness", score=8, annotator_id="ben")
    versions = sorted(
        (a["annotator_id"], a["label_version"]) for a in await listed(client, auth, span)
    )
    assert versions == [("ana", 1), ("ben", 2)]
