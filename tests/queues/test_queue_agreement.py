"""Agreement, disagreements, gold values and gold items of queues, through the API on both
databases: queues worked by several annotators with seeded random values, and the figures
the API gives checked against `krippendorff` and scikit-learn computed here from the values
the test submitted; and the agreement and gold conditions of the span filter."""

from __future__ import annotations

import math
import random
import warnings
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

import httpx
import krippendorff
import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning  # type: ignore[import-untyped]
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]
from sqlalchemy import select, update

from annotrace.domain.access import Role
from annotrace.errors import PermissionDenied
from annotrace.schemas.queues import GoldWrite, LabelValue
from annotrace.services import gold as gold_service
from annotrace.services import queue_agreement
from annotrace.services import search as search_service
from annotrace.storage.engine import Database
from annotrace.storage.models import QueueAssignment, QueueItem
from annotrace.storage.models import Span as SpanRow
from tests.queues.test_queue_api import create, next_for, submit
from tests.storage.test_ingest import principal_of
from tests.support.annotations import Project, make_project
from tests.support.statements import count_statements

pytestmark = pytest.mark.anyio

VERDICTS = ["good", "bad", "meh"]
LABELS = {"verdict": "nominal", "stars": "interval", "thumbs": "nominal"}
THREE = ["ann@example.com", "bob@example.com", "cid@example.com"]
TWO = THREE[:2]

# values[span_id][annotator][label] = the value submitted (stars may be left out)
Values = dict[str, dict[str, dict[str, Any]]]


@pytest.fixture
async def project(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Project:
    return await make_project(client, database, auth, traces=4)  # 12 spans


@pytest.fixture(params=["set of matches", "per span"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways the filter's conditions can be written (see tests/api/test_search.py)."""
    monkeypatch.setattr(
        search_service, "FEW_MATCHES", 10**9 if request.param == "set of matches" else 0
    )


def generate(seed: int, spans: list[str], annotators: list[str]) -> Values:
    """Values with a true answer per span that each annotator mostly gives, some stars
    left out: agreement well above chance, and far from perfect."""
    rng = random.Random(seed)
    values: Values = {}
    for span in spans:
        verdict, stars, thumbs = rng.choice(VERDICTS), rng.randint(1, 5), rng.random() < 0.5
        values[span] = {}
        for annotator in annotators:
            given: dict[str, Any] = {
                "verdict": verdict if rng.random() < 0.65 else rng.choice(VERDICTS),
                "thumbs": thumbs if rng.random() < 0.75 else not thumbs,
            }
            if rng.random() < 0.85:
                given["stars"] = min(5, max(1, stars + rng.choice([-1, 0, 0, 0, 1])))
            values[span][annotator] = given
    return values


async def work(
    client: httpx.AsyncClient, auth: dict[str, str], queue: dict[str, Any], values: Values
) -> dict[str, list[dict[str, Any]]]:
    """The annotators ask for items in turn and submit the planned values, until nothing is
    left for anyone; the work items each was handed, by annotator."""
    annotators = sorted({a for by_annotator in values.values() for a in by_annotator})
    handed: dict[str, list[dict[str, Any]]] = {a: [] for a in annotators}
    active = list(annotators)
    while active:
        for annotator in list(active):
            item = await next_for(client, auth, queue, annotator)
            if item is None:
                active.remove(annotator)
                continue
            handed[annotator].append(item)
            given = values[item["span"]["span_id"]][annotator]
            body = [{"name": name, "value": value} for name, value in given.items()]
            response = await submit(client, auth, queue, item["item"]["id"], annotator, body)
            assert response.status_code == 200, response.text
    return handed


def three_label_queue(project: Project, **body: Any) -> dict[str, Any]:
    return {
        "labels": [{"name": "verdict"}, {"name": "stars", "required": False}, {"name": "thumbs"}],
        "items": {"span_ids": project.spans},
        **body,
    }


# --- the references, from the submitted values ------------------------------------------------


def ratings(values: Values, label: str) -> dict[str, dict[str, Any]]:
    """ratings[span][annotator] of one label, as agreement compares them."""
    found: dict[str, dict[str, Any]] = {}
    for span, by_annotator in values.items():
        for annotator, given in by_annotator.items():
            if label in given:
                value = given[label]
                found.setdefault(span, {})[annotator] = (
                    float(value) if LABELS[label] == "interval" else value
                )
    return found


def used(by_item: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item: r for item, r in by_item.items() if len(r) >= 2}


def reference_alpha(by_item: dict[str, dict[str, Any]], level: str) -> float:
    annotators = sorted({a for r in by_item.values() for a in r})
    codes: dict[Any, float] = {}

    def code(value: Any) -> float:
        return float(value) if level == "interval" else codes.setdefault(value, float(len(codes)))

    matrix = [
        [code(by_item[item][a]) if a in by_item[item] else np.nan for item in by_item]
        for a in annotators
    ]
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def reference_kappa(first: list[Any], second: list[Any]) -> float | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        kappa = float(cohen_kappa_score([str(v) for v in first], [str(v) for v in second]))
    return None if math.isnan(kappa) else kappa


def reference_percent(by_item: dict[str, dict[str, Any]]) -> float:
    shares = []
    for r in used(by_item).values():
        pairs = [(x, y) for x, y in combinations(r.values(), 2)]
        shares.append(sum(x == y for x, y in pairs) / len(pairs))
    return sum(shares) / len(shares)


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "thumbs_up" if value else "thumbs_down"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def split_spans(values: Values, label: str | None, *, agree: bool) -> set[str]:
    """Spans on which 2+ people gave a label values that differ (or are all alike)."""
    found = set()
    for name in [label] if label else list(LABELS):
        for span, r in used(ratings(values, name)).items():
            if (len(set(r.values())) == 1) == agree:
                found.add(span)
    return found


def approx(expected: float | None) -> Any:
    return None if expected is None else pytest.approx(expected, rel=1e-9, abs=1e-12)


async def figures(
    client: httpx.AsyncClient, auth: dict[str, str], queue: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    response = await client.get(f"/api/v1/queues/{queue['id']}/agreement", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["queue_id"] == queue["id"]
    return {label["name"]: label for label in body["labels"]}


async def search(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, where: Any
) -> list[dict[str, Any]]:
    body = {"filter": {"project_id": project.id, "where": where}, "limit": 500}
    response = await client.post("/api/v1/spans/search", headers=auth, json=body)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def found(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, where: Any
) -> set[str]:
    return {item["span_id"] for item in await search(client, auth, project, where)}


# --- agreement --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [7, 2026])
async def test_agreement_of_three_annotators_matches_the_references(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, seed: int
) -> None:
    values = generate(seed, project.spans, THREE)
    queue = await create(client, auth, project, **three_label_queue(project, annotators_per_item=3))
    handed = await work(client, auth, queue, values)
    # Three annotators, three a item: each does every item, once.
    for annotator in THREE:
        assert sorted(i["span"]["span_id"] for i in handed[annotator]) == sorted(project.spans)
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["completed"], progress["done"]) == (len(project.spans), True)

    result = await figures(client, auth, queue)
    assert list(result) == list(LABELS)
    for name, level in LABELS.items():
        by_item = ratings(values, name)
        label = result[name]
        assert (label["label_id"], label["level"]) == (project.labels[name], level)
        assert label["items"] == len(used(by_item))
        assert label["annotators"] == 3
        assert label["percent_agreement"] == approx(reference_percent(by_item))
        assert label["cohen_kappa"] is None  # three annotators: no single kappa
        alpha = reference_alpha(by_item, level)
        assert 0 < alpha < 1, "the data should be neither perfect nor chance"
        assert label["krippendorff_alpha"] == approx(alpha), name
        pairs = {tuple(pair["annotators"]): pair for pair in label["pairs"]}
        assert list(pairs) == list(combinations(THREE, 2))
        for (a, b), pair in pairs.items():
            both = [r for r in by_item.values() if a in r and b in r]
            first, second = [r[a] for r in both], [r[b] for r in both]
            assert pair["items"] == len(both)
            assert pair["percent_agreement"] == approx(
                sum(x == y for x, y in zip(first, second, strict=True)) / len(both)
            )
            assert pair["cohen_kappa"] == approx(reference_kappa(first, second)), (name, a, b)
        assert label["disagreements"] == len(split_spans(values, name, agree=False))
        assert label["disagreements"] > 0
        assert label["distribution"] == {
            a: dict(Counter(shown(r[a]) for r in by_item.values() if a in r)) for a in THREE
        }


async def test_the_kappa_of_two_annotators_is_scikit_learns(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    values = generate(11, project.spans, TWO)
    queue = await create(client, auth, project, **three_label_queue(project, annotators_per_item=2))
    await work(client, auth, queue, values)
    result = await figures(client, auth, queue)
    for name, level in LABELS.items():
        by_item = ratings(values, name)
        both = list(used(by_item).values())
        kappa = reference_kappa([r[TWO[0]] for r in both], [r[TWO[1]] for r in both])
        assert kappa is not None
        label = result[name]
        assert label["annotators"] == 2
        assert label["cohen_kappa"] == approx(kappa), name
        assert [pair["cohen_kappa"] for pair in label["pairs"]] == [approx(kappa)]
        assert label["krippendorff_alpha"] == approx(reference_alpha(by_item, level))
        assert label["percent_agreement"] == approx(reference_percent(by_item))


async def test_agreement_of_a_queue_nobody_has_worked(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, **three_label_queue(project, annotators_per_item=2))
    for label in (await figures(client, auth, queue)).values():
        assert (label["items"], label["annotators"], label["disagreements"]) == (0, 0, 0)
        assert label["percent_agreement"] is None
        assert label["cohen_kappa"] is None
        assert label["krippendorff_alpha"] is None
        assert (label["pairs"], label["distribution"]) == ([], {})
    response = await client.get(f"/api/v1/queues/{queue['id']}/disagreements", headers=auth)
    assert response.json() == []


# --- disagreements and gold values -------------------------------------------------------------


@pytest.fixture
async def worked(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> tuple[dict[str, Any], Values]:
    """A queue over the 12 spans, worked by three annotators, three an item."""
    values = generate(7, project.spans, THREE)
    queue = await create(client, auth, project, **three_label_queue(project, annotators_per_item=3))
    await work(client, auth, queue, values)
    return queue, values


def typed(label: str, value: Any) -> Any:
    """A value as the API gives it back: options as a list, numbers as floats."""
    if label == "verdict":
        return [value]
    return float(value) if label == "stars" else value


async def test_disagreements_are_the_items_whose_values_differ(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project: Project,
    worked: tuple[dict[str, Any], Values],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, values = worked
    url = f"/api/v1/queues/{queue['id']}/disagreements"
    listed = (await client.get(url, headers=auth)).json()
    expected = {(span, name) for name in LABELS for span in split_spans(values, name, agree=False)}
    assert {(d["span_id"], d["name"]) for d in listed} == expected
    assert len(listed) == len(expected)
    items = (
        await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth, params={"limit": 50})
    ).json()["items"]
    position = {item["span_id"]: index for index, item in enumerate(items)}
    item_of = {item["span_id"]: item["id"] for item in items}
    # In queue order, then by label name.
    assert [(d["span_id"], d["name"]) for d in listed] == sorted(
        expected, key=lambda entry: (position[entry[0]], entry[1])
    )
    for disagreement in listed:
        span, name = disagreement["span_id"], disagreement["name"]
        assert disagreement["item_id"] == item_of[span]
        assert disagreement["label_id"] == project.labels[name]
        assert disagreement["gold"] is None
        # Side by side, by annotator: everyone who gave one.
        assert [(v["annotator_id"], v["value"]) for v in disagreement["values"]] == [
            (a, typed(name, values[span][a][name])) for a in THREE if name in values[span][a]
        ]
        assert all(v["name"] == name for v in disagreement["values"])
    # One label only.
    stars = (
        await client.get(url, headers=auth, params={"label_id": project.labels["stars"]})
    ).json()
    assert [(d["span_id"], d["name"]) for d in stars] == [
        (d["span_id"], d["name"]) for d in listed if d["name"] == "stars"
    ]
    assert stars
    unknown = await client.get(url, headers=auth, params={"label_id": "lbl_nope"})
    assert unknown.status_code == 422
    # Past the limit, the first ones in queue order.
    monkeypatch.setattr(queue_agreement, "MAX_DISAGREEMENTS", 5)
    assert (await client.get(url, headers=auth)).json() == listed[:5]


async def test_gold_values_are_recorded_apart_from_the_annotations(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project: Project,
    worked: tuple[dict[str, Any], Values],
) -> None:
    queue, values = worked
    listed = (
        await client.get(
            f"/api/v1/queues/{queue['id']}/disagreements",
            headers=auth,
            params={"label_id": project.labels["verdict"]},
        )
    ).json()
    target = listed[0]
    span = target["span_id"]
    before = (await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    url = f"/api/v1/queues/{queue['id']}/items/{target['item_id']}/gold"
    response = await client.put(
        url,
        headers=auth,
        json={
            "annotator_id": "lead@example.com",
            "values": [
                {"name": "verdict", "value": "meh", "reason": "both halves"},
                {"label_id": project.labels["stars"], "value": 3},
            ],
        },
    )
    assert response.status_code == 200, response.text
    recorded = response.json()
    assert [(g["name"], g["value"], g["label"], g["score"]) for g in recorded] == [
        ("stars", 3.0, None, 3.0),
        ("verdict", ["meh"], "meh", None),
    ]
    assert {g["decided_by"] for g in recorded} == {"lead@example.com"}
    assert recorded[1]["reason"] == "both halves"
    assert recorded[1]["label_id"] == project.labels["verdict"]
    # The annotations are as they were.
    after = (await client.get(f"/api/v1/spans/{span}/annotations", headers=auth)).json()
    assert after == before
    # The disagreement shows the gold value beside the annotators' values.
    again = (
        await client.get(
            f"/api/v1/queues/{queue['id']}/disagreements",
            headers=auth,
            params={"label_id": project.labels["verdict"]},
        )
    ).json()
    assert again[0]["gold"]["value"] == ["meh"]
    assert again[0]["gold"]["decided_by"] == "lead@example.com"
    assert [d["gold"] for d in again[1:]] == [None] * (len(again) - 1)
    # Changing one, and removing the other with a null value.
    response = await client.put(
        url,
        headers=auth,
        json={
            "annotator_id": "lead@example.com",
            "values": [{"name": "verdict", "value": "good"}, {"name": "stars", "value": None}],
        },
    )
    assert response.status_code == 200, response.text
    assert [(g["name"], g["value"], g["reason"]) for g in response.json()] == [
        ("verdict", ["good"], None)
    ]
    # Agreement counts people, not gold values.
    result = await figures(client, auth, queue)
    assert result["verdict"]["annotators"] == 3
    assert result["verdict"]["distribution"] == {
        a: dict(Counter(values[s][a]["verdict"] for s in project.spans)) for a in THREE
    }


async def test_bad_gold_values_name_the_field_and_change_nothing(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project: Project,
    worked: tuple[dict[str, Any], Values],
) -> None:
    queue, _ = worked
    item = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()["items"][
        0
    ]
    url = f"/api/v1/queues/{queue['id']}/items/{item['id']}/gold"
    who = {"annotator_id": "lead@example.com"}
    cases = [
        ({**who, "values": [{"name": "verdict", "value": "great"}]}, "values.0.value"),
        (
            {
                **who,
                "values": [{"name": "verdict", "value": "good"}, {"name": "stars", "value": 9}],
            },
            "values.1.value",
        ),
        ({**who, "values": [{"name": "thumbs", "value": "yes"}]}, "values.0.value"),
        ({**who, "values": [{"name": "quality", "value": "fine"}]}, "values.0.name"),
        ({**who, "values": []}, "body.values"),
        ({"values": [{"name": "verdict", "value": "good"}]}, "annotator_id"),
        (
            {"annotator_id": "", "values": [{"name": "verdict", "value": "good"}]},
            "body.annotator_id",
        ),
    ]
    for body, field in cases:
        response = await client.put(url, headers=auth, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field, (body, response.json())
    assert await found(client, auth, project, {"type": "gold"}) == set()
    missing = await client.put(
        f"/api/v1/queues/{queue['id']}/items/qit_00000000000000000000/gold",
        headers=auth,
        json={**who, "values": [{"name": "verdict", "value": "good"}]},
    )
    assert missing.status_code == 404


async def test_reviewers_named_on_the_queue_may_record_gold_values(
    client: httpx.AsyncClient, auth: dict[str, str], database: Database, project: Project
) -> None:
    queue = await create(
        client,
        auth,
        project,
        reviewers=["rev@example.com"],
        items={"span_ids": project.spans[:1]},
    )
    assert queue["reviewers"] == ["rev@example.com"]
    item = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()["items"][
        0
    ]
    admin = principal_of(database)
    signed_in = replace(admin, api_key_rowid=None, role=Role.ANNOTATOR)
    data = GoldWrite(
        # annotator_id is not who decides for a signed-in user: they are.
        values=[LabelValue(name="verdict", value="bad")],
        annotator_id="someone@example.com",
    )

    def record(principal: Any) -> list[Any]:
        with database.write() as session:
            return gold_service.set_gold(
                session=session,
                principal=principal,
                queue_id=queue["id"],
                item_id=item["id"],
                data=data,
            )

    (value,) = record(replace(signed_in, user_email="rev@example.com"))
    assert (value.name, value.value, value.decided_by) == ("verdict", ["bad"], "rev@example.com")
    for principal in (
        replace(signed_in, user_email="ann@example.com"),  # an annotator, not a reviewer
        replace(signed_in, user_email="rev@example.com", role=Role.VIEWER),
    ):
        with pytest.raises(PermissionDenied, match="reviewers of queue 'Review'"):
            record(principal)
    # An API key's (admin) caller says who decides.
    (value,) = record(admin)
    assert value.decided_by == "someone@example.com"


# --- gold items ---------------------------------------------------------------------------------


async def test_gold_items_go_to_everyone_once_and_measure_accuracy(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, database: Database
) -> None:
    ordinary, golden = project.spans[:4], project.spans[4:7]
    answers = {golden[0]: "good", golden[1]: "bad", golden[2]: "meh"}
    queue = await create(
        client,
        auth,
        project,
        labels=[{"name": "verdict"}, {"name": "stars", "required": False}],
        items={"span_ids": ordinary},
    )
    response = await client.post(
        f"/api/v1/queues/{queue['id']}/items",
        headers=auth,
        json={
            "gold": [
                {"span_id": span, "values": [{"name": "verdict", "value": answer}]}
                for span, answer in answers.items()
            ]
            # The second also knows its stars.
            + [{"span_id": golden[1], "values": [{"name": "stars", "value": 2}]}]
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 3, "already_in_queue": 0, "total": 7}
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["total"], progress["pending"], progress["gold"]) == (4, 4, 3)
    listed = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()
    assert {item["span_id"] for item in listed["items"] if item["gold"]} == set(golden)

    # Each annotator answers: ann right on all gold items, bob on one, cid on none.
    given = {
        "ann@example.com": {s: {"verdict": answers[s], "stars": 2} for s in golden},
        "bob@example.com": {
            golden[0]: {"verdict": "good"},
            golden[1]: {"verdict": "good", "stars": 2},
            golden[2]: {"verdict": "good", "stars": 5},
        },
        "cid@example.com": {
            s: {"verdict": "bad" if answers[s] != "bad" else "meh"} for s in golden
        },
    }
    values: Values = {span: {} for span in project.spans[:7]}
    for annotator, by_span in given.items():
        for span in project.spans[:7]:
            values[span][annotator] = by_span.get(span, {"verdict": "good"})
    handed = await work(client, auth, queue, values)
    spans_of = {a: [i["span"]["span_id"] for i in items] for a, items in handed.items()}
    for annotator, spans in spans_of.items():
        # Every gold item, once each, whatever annotators_per_item (1) says.
        assert sorted(s for s in spans if s in golden) == sorted(golden), annotator
    # The ordinary items went to one annotator each.
    assert sorted(s for spans in spans_of.values() for s in spans if s in ordinary) == sorted(
        ordinary
    )
    # Nobody is told which items are gold.
    assert {item["item"]["gold"] for items in handed.values() for item in items} == {False}

    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["total"], progress["completed"], progress["gold"], progress["done"]) == (
        4,
        4,
        3,
        True,
    )
    assert {a["annotator_id"]: a["completed"] for a in progress["annotators"]} == {
        a: len(spans) for a, spans in spans_of.items()
    }
    # Done: gold items are not handed out again.
    for annotator in given:
        assert await next_for(client, auth, queue, annotator) is None

    accuracy = (await client.get(f"/api/v1/queues/{queue['id']}/accuracy", headers=auth)).json()
    gold_values = {(golden[0], "verdict"): "good", (golden[1], "verdict"): "bad"}
    gold_values |= {(golden[2], "verdict"): "meh", (golden[1], "stars"): 2}
    expected = []
    for annotator, by_span in sorted(given.items()):
        compared = [
            by_span[span][label] == answer
            for (span, label), answer in gold_values.items()
            if label in by_span[span]
        ]
        expected.append(
            {
                "annotator_id": annotator,
                "gold_items": 3,
                "values": len(compared),
                "correct": sum(compared),
                "accuracy": pytest.approx(sum(compared) / len(compared)),
                # All done today: one day, the same figures.
                "by_day": [
                    {
                        "day": datetime.now(UTC).date().isoformat(),
                        "values": len(compared),
                        "correct": sum(compared),
                        "accuracy": pytest.approx(sum(compared) / len(compared)),
                    }
                ],
            }
        )
    assert accuracy == expected
    assert [(a["values"], a["correct"]) for a in accuracy] == [(4, 4), (4, 2), (3, 0)]

    # Over time: ann did the first gold item yesterday.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with database.write() as session:
        session.execute(
            update(QueueAssignment)
            .where(
                QueueAssignment.annotator_id == "ann@example.com",
                QueueAssignment.queue_item_rowid.in_(
                    select(QueueItem.queue_item_rowid)
                    .join(SpanRow, SpanRow.span_rowid == QueueItem.span_rowid)
                    .where(SpanRow.span_id == golden[0])
                ),
            )
            .values(finished_at=yesterday)
        )
    accuracy = (await client.get(f"/api/v1/queues/{queue['id']}/accuracy", headers=auth)).json()
    days = [(d["day"], d["values"], d["correct"]) for d in accuracy[0]["by_day"]]
    assert days == [
        (yesterday.date().isoformat(), 1, 1),
        (datetime.now(UTC).date().isoformat(), 3, 3),
    ]


async def test_bad_gold_items_name_the_field_and_add_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], database: Database, project: Project
) -> None:
    queue = await create(client, auth, project, items={"span_ids": project.spans[:1]})
    other = await make_project(client, database, auth, name="elsewhere", traces=1)
    url = f"/api/v1/queues/{queue['id']}/items"
    verdict = [{"name": "verdict", "value": "good"}]
    cases = [
        (
            [{"span_id": project.spans[1], "values": [{"name": "verdict", "value": "great"}]}],
            "gold.0.values.0.value",
        ),
        (
            [{"span_id": project.spans[1], "values": [{"name": "thumbs", "value": True}]}],
            "gold.0.values.0.name",
        ),
        (
            [{"span_id": project.spans[1], "values": [{"name": "verdict", "value": None}]}],
            "gold.0.values",
        ),
        (
            [
                {"span_id": project.spans[1], "values": verdict},
                {"span_id": other.spans[0], "values": verdict},
            ],
            "gold.1.span_id",
        ),
        ([{"span_id": project.spans[1], "values": []}], "body.gold[0].values"),
    ]
    for gold, field in cases:
        response = await client.post(url, headers=auth, json={"gold": gold})
        assert response.status_code == 422, (gold, response.text)
        assert response.json()["error"]["field"] == field, (gold, response.json())
    # Span ids are named as this request has them; in a new queue's, under items.
    response = await client.post(url, headers=auth, json={"span_ids": [project.spans[1], "f" * 16]})
    assert response.json()["error"]["field"] == "span_ids.1"
    response = await client.post(
        "/api/v1/queues",
        headers=auth,
        json={
            "project_id": project.id,
            "name": "Gold",
            "labels": [{"name": "verdict"}],
            "items": {
                "gold": [{"span_id": project.spans[1], "values": [{"name": "verdict", "value": 1}]}]
            },
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "items.gold.0.values.0.value"
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["total"], progress["gold"]) == (1, 0)
    assert await found(client, auth, project, {"type": "gold"}) == set()
    assert [q["name"] for q in (await client.get("/api/v1/queues", headers=auth)).json()] == [
        "Review"
    ]


# --- the span filter ------------------------------------------------------------------------------


async def test_the_agreement_and_gold_conditions_of_the_span_filter(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project: Project,
    worked: tuple[dict[str, Any], Values],
    plan: None,
) -> None:
    queue, values = worked
    spans = set(project.spans)
    for label in [*LABELS, None]:
        named = {"label": label.upper()} if label else {}
        disagree = split_spans(values, label, agree=False)
        agree = split_spans(values, label, agree=True)
        assert disagree, label
        assert agree, label
        where = {"type": "agreement", "agree": False, **named}
        assert await found(client, auth, project, where) == disagree, label
        where = {"type": "agreement", "agree": True, **named}
        assert await found(client, auth, project, where) == agree, label
        negated = {"type": "not", "condition": {"type": "agreement", "agree": False, **named}}
        assert await found(client, auth, project, negated) == spans - disagree, label
    # Labels nobody gave twice: no agreement either way.
    for agree in (True, False):
        where = {"type": "agreement", "label": "topics", "agree": agree}
        assert await found(client, auth, project, where) == set()

    verdict_split = split_spans(values, "verdict", agree=False)
    stars_split = split_spans(values, "stars", agree=False)
    both = {
        "type": "and",
        "conditions": [
            {"type": "agreement", "label": "verdict", "agree": False},
            {"type": "agreement", "label": "stars", "agree": False},
        ],
    }
    assert await found(client, auth, project, both) == verdict_split & stars_split
    either = {**both, "type": "or"}
    assert await found(client, auth, project, either) == verdict_split | stars_split

    # Gold values on two items: the gold condition finds them, and search shows them.
    items = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()["items"]
    decided = {items[0]["span_id"]: "good", items[1]["span_id"]: "bad"}
    for item in items[:2]:
        response = await client.put(
            f"/api/v1/queues/{queue['id']}/items/{item['id']}/gold",
            headers=auth,
            json={
                "annotator_id": "lead@example.com",
                "values": [{"name": "verdict", "value": decided[item["span_id"]]}],
            },
        )
        assert response.status_code == 200, response.text
    results = await search(client, auth, project, {"type": "gold"})
    assert {item["span_id"]: [g["label"] for g in item["gold"]] for item in results} == {
        span: [answer] for span, answer in decided.items()
    }
    assert results[0]["gold"][0]["decided_by"] == "lead@example.com"
    assert await found(client, auth, project, {"type": "gold", "label": "Verdict"}) == set(decided)
    assert await found(client, auth, project, {"type": "gold", "label": "stars"}) == set()
    without = {"type": "gold", "exists": False}
    assert await found(client, auth, project, without) == spans - set(decided)
    settled = {
        "type": "and",
        "conditions": [
            {"type": "agreement", "label": "verdict", "agree": False},
            {"type": "not", "condition": {"type": "gold", "label": "verdict"}},
        ],
    }
    assert await found(client, auth, project, settled) == verdict_split - set(decided)
    anywhere = {
        "type": "or",
        "conditions": [{"type": "gold"}, {"type": "agreement", "agree": True}],
    }
    assert await found(client, auth, project, anywhere) == set(decided) | split_spans(
        values, None, agree=True
    )
    # Spans without gold values say so.
    other = await search(client, auth, project, without)
    assert {len(item["gold"]) for item in other} == {0}


async def test_multi_choice_values_agree_whatever_the_order_of_their_options(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project, plan: None
) -> None:
    queue = await create(
        client,
        auth,
        project,
        labels=[{"name": "topics"}],
        annotators_per_item=2,
        items={"span_ids": project.spans[:2]},
    )
    first, second = project.spans[:2]
    values: Values = {
        first: {
            TWO[0]: {"topics": ["billing", "shipping"]},
            TWO[1]: {"topics": ["shipping", "billing"]},
        },
        second: {TWO[0]: {"topics": ["billing"]}, TWO[1]: {"topics": ["billing", "refunds"]}},
    }
    await work(client, auth, queue, values)
    topics = (await figures(client, auth, queue))["topics"]
    assert (topics["items"], topics["disagreements"], topics["percent_agreement"]) == (2, 1, 0.5)
    assert topics["distribution"][TWO[1]] == {"billing, shipping": 1, "billing, refunds": 1}
    disagreements = (
        await client.get(f"/api/v1/queues/{queue['id']}/disagreements", headers=auth)
    ).json()
    assert [d["span_id"] for d in disagreements] == [second]
    where = {"type": "agreement", "label": "topics", "agree": False}
    assert await found(client, auth, project, where) == {second}
    where = {"type": "agreement", "label": "topics", "agree": True}
    assert await found(client, auth, project, where) == {first}


async def test_search_reads_the_gold_values_of_a_page_in_one_query(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    database: Database,
    project: Project,
    worked: tuple[dict[str, Any], Values],
) -> None:
    queue, _ = worked
    items = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()["items"]
    for item in items:
        response = await client.put(
            f"/api/v1/queues/{queue['id']}/items/{item['id']}/gold",
            headers=auth,
            json={
                "annotator_id": "lead@example.com",
                "values": [{"name": "verdict", "value": "good"}, {"name": "stars", "value": 2}],
            },
        )
        assert response.status_code == 200, response.text
    body: dict[str, Any] = {"filter": {"project_id": project.id}, "limit": 5}
    seen = []
    while True:
        with count_statements(database) as statements:
            page = (await client.post("/api/v1/spans/search", headers=auth, json=body)).json()
        assert len([s for s in statements if "gold_values" in s]) == 1
        seen += [(item["span_id"], [g["name"] for g in item["gold"]]) for item in page["items"]]
        if not page["next_cursor"]:
            break
        body["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted((span, ["stars", "verdict"]) for span in project.spans)


async def test_a_gold_item_looks_like_any_other_once_submitted(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    """With one annotator an item, a gold item done by three reads as done by one."""
    ordinary, golden = project.spans[0], project.spans[1]
    queue = await create(
        client,
        auth,
        project,
        labels=[{"name": "verdict"}],
        items={
            "span_ids": [ordinary],
            "gold": [{"span_id": golden, "values": [{"name": "verdict", "value": "good"}]}],
        },
    )
    seen: dict[str, list[dict[str, Any]]] = {"ordinary": [], "gold": []}
    for annotator in ("ann@example.com", "bob@example.com", "cid@example.com"):
        while (item := await next_for(client, auth, queue, annotator)) is not None:
            response = await submit(
                client,
                auth,
                queue,
                item["item"]["id"],
                annotator,
                [{"name": "verdict", "value": "good"}],
            )
            kind = "gold" if item["span"]["span_id"] == golden else "ordinary"
            seen[kind].append(response.json()["item"])
    shape = {(i["status"], i["completions"], i["completed_at"] is not None) for i in seen["gold"]}
    assert shape == {("completed", 1, True)}
    assert len(seen["gold"]) == 3
    assert {(i["status"], i["completions"]) for i in seen["ordinary"]} == {("completed", 1)}


async def test_known_answers_make_an_item_of_the_queue_gold(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(
        client, auth, project, labels=[{"name": "verdict"}], items={"span_ids": project.spans[:2]}
    )
    response = await client.post(
        f"/api/v1/queues/{queue['id']}/items",
        headers=auth,
        json={
            "gold": [{"span_id": project.spans[0], "values": [{"name": "verdict", "value": "bad"}]}]
        },
    )
    assert response.json() == {"added": 0, "already_in_queue": 1, "total": 2}
    progress = (await client.get(f"/api/v1/queues/{queue['id']}/progress", headers=auth)).json()
    assert (progress["total"], progress["gold"]) == (1, 1)
    # Listed as ordinary and as gold in one request, it is gold.
    both = await client.post(
        f"/api/v1/queues/{queue['id']}/items",
        headers=auth,
        json={
            "span_ids": [project.spans[2]],
            "gold": [
                {"span_id": project.spans[2], "values": [{"name": "verdict", "value": "good"}]}
            ],
        },
    )
    assert both.json()["added"] == 1
    listed = (await client.get(f"/api/v1/queues/{queue['id']}/items", headers=auth)).json()
    assert {i["span_id"] for i in listed["items"] if i["gold"]} == set(project.spans[0:3:2])


async def test_disagreements_of_an_unknown_label_are_refused(
    client: httpx.AsyncClient, auth: dict[str, str], project: Project
) -> None:
    queue = await create(client, auth, project, labels=[{"name": "verdict"}])
    response = await client.get(
        f"/api/v1/queues/{queue['id']}/disagreements",
        headers=auth,
        params={"label_id": project.labels["stars"]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "label_id"
