"""A project whose spans cover every export rule, on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from annotrace.domain.access import Role
from annotrace.domain.spans import SpanKind
from annotrace.storage.engine import Database
from tests.dashboard.test_labels_keys_pages import Browser
from tests.storage.test_ingest import principal_of, store
from tests.support.annotations import make_project
from tests.support.spans import BASE_TIME, make_span

QUESTION = "Where is my order?"


@dataclass
class Shop:
    """Spans by role: chat (messages), rival (same input as plain), plain, json_input,
    silent (no output), agent, tool; with their annotations, a correction, and gold values
    on chat (verdict good, 4 stars: a gold item) and rival (thumbs down, quality "vague":
    settled by lead in a queue)."""

    project_id: str
    labels: dict[str, str]
    spans: dict[str, str]  # role -> span id
    traces: dict[str, str]  # role -> trace id


def _messages(direction: str, *messages: tuple[str, str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for index, (role, content) in enumerate(messages):
        attributes[f"llm.{direction}_messages.{index}.message.role"] = role
        attributes[f"llm.{direction}_messages.{index}.message.content"] = content
    return attributes


@pytest.fixture
async def shop(client: httpx.AsyncClient, database: Database, auth: dict[str, str]) -> Shop:
    at = BASE_TIME
    agent = make_span(
        name="agent",
        kind=SpanKind.AGENT,
        project="shop",
        start=at,
        input_value=QUESTION,
        output_value="It ships tomorrow.",
    )
    trace = agent.span.trace_id
    incoming = {
        "agent": agent,
        "chat": make_span(
            trace=trace,
            parent=agent.span.span_id,
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="shop",
            start=at + timedelta(seconds=1),
            model_name="gpt-4o",
            input_value=QUESTION,
            output_value="It ships tomorrow.",
            attributes={
                **_messages("input", ("system", "Be brief."), ("user", QUESTION)),
                **_messages("output", ("assistant", "It ships tomorrow.")),
            },
        ),
        "tool": make_span(
            trace=trace,
            parent=agent.span.span_id,
            name="lookup",
            kind=SpanKind.TOOL,
            project="shop",
            start=at + timedelta(seconds=2),
            input_value='{"id": 7}',
            output_value='{"eta": "tomorrow"}',
        ),
        "rival": make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="shop",
            start=at + timedelta(seconds=3),
            input_value=QUESTION,
            output_value="I do not know.",
        ),
        "plain": make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="shop",
            start=at + timedelta(seconds=4),
            input_value="Say hi",
            output_value="Hi!",
        ),
        "json_input": make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="shop",
            start=at + timedelta(seconds=5),
            input_value='{"prompt": "x"}',
            output_value="y",
        ),
        "silent": make_span(
            name="ChatCompletion",
            kind=SpanKind.LLM,
            project="shop",
            start=at + timedelta(seconds=6),
            input_value="Anything?",
        ),
    }
    store(database, principal_of(database), list(incoming.values()))
    project = await make_project(client, database, auth, name="shop", traces=0)
    spans = {role: span.span.span_id for role, span in incoming.items()}
    labels = project.labels

    def ann(label: str, annotator: str, **value: Any) -> dict[str, Any]:
        return {"annotation_label_id": labels[label], "annotator_id": annotator, **value}

    response = await client.post(
        "/tracer/bulk-annotation/",
        headers=auth,
        json={
            "records": [
                {
                    "observation_span_id": spans["chat"],
                    "annotations": [
                        ann("thumbs", "ana", value_bool=True),
                        ann("verdict", "ana", value_str_list=["good"]),
                        ann("verdict", "ben", value_str_list=["meh"]),
                        ann("stars", "ana", value_float=5),
                        ann("topics", "ana", value_str_list=["shipping", "refunds"]),
                        ann("quality", "ana", value="concise"),
                    ],
                    "notes": [{"text": "model answer, fine", "annotator_id": "ana"}],
                },
                {
                    "observation_span_id": spans["rival"],
                    "annotations": [
                        ann("thumbs", "ana", value_bool=False),
                        ann("helpfulness", "ben", value_float=1.5),
                    ],
                },
            ]
        },
    )
    assert response.json()["result"]["errorsCount"] == 0, response.text
    response = await client.post(
        "/api/v1/scores",
        headers=auth,
        json={
            "scores": [
                {
                    "span_id": spans["chat"],
                    "name": "faithfulness",
                    "score": 0.25,
                    "evaluator": "judge",
                }
            ]
        },
    )
    assert response.status_code == 200, response.text
    response = await client.put(
        f"/api/v1/spans/{spans['plain']}/correction",
        headers=auth,
        json={"output": "Hello! How can I help?", "annotator_id": "ana"},
    )
    assert response.status_code == 201, response.text
    queue = await client.post(
        "/api/v1/queues",
        headers=auth,
        json={
            "project_id": project.id,
            "name": "Settle",
            "labels": [
                {"name": "verdict"},
                {"name": "stars", "required": False},
                {"name": "thumbs", "required": False},
                {"name": "quality", "required": False},
            ],
            "items": {
                "span_ids": [spans["rival"]],
                "gold": [
                    {
                        "span_id": spans["chat"],
                        "values": [
                            {"name": "verdict", "value": "good", "reason": "ana was right"},
                            {"name": "stars", "value": 4},
                        ],
                    }
                ],
            },
        },
    )
    assert queue.status_code == 201, queue.text
    queue_id = queue.json()["id"]
    items = (await client.get(f"/api/v1/queues/{queue_id}/items", headers=auth)).json()["items"]
    rival = next(item["id"] for item in items if item["span_id"] == spans["rival"])
    response = await client.put(
        f"/api/v1/queues/{queue_id}/items/{rival}/gold",
        headers=auth,
        json={
            "annotator_id": "lead",
            "values": [{"name": "thumbs", "value": False}, {"name": "quality", "value": "vague"}],
        },
    )
    assert response.status_code == 200, response.text
    traces = {role: span.span.trace_id for role, span in incoming.items()}
    return Shop(project.id, labels, spans, traces)


async def export(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    shop: Shop,
    export_format: str,
    where: Any = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "filter": {"project_id": shop.project_id, **({"where": where} if where else {})},
        "format": export_format,
        **extra,
    }
    response = await client.post("/api/v1/exports", headers=auth, json=body)
    assert response.status_code == 200, response.text
    return response


async def signed_in(client: httpx.AsyncClient, database: Database, role: Role) -> Browser:
    browser = Browser(client, database)
    await browser.sign_in(role)
    return browser
