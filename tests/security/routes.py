"""One row per route of the application: a request on workspace bravo's objects, and who
may make it.

`{name}` in a URL, body or form is an id of `world.World.ids`. Each request is valid: the
rightful caller (bravo's key pair, or bravo's admin signed in) gets it through, so a
refusal is about the caller alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotrace.domain.access import Role

API_PREFIXES = ("/api/", "/tracer/", "/v1/")
# The least role of a row goes first; a caller of a role before it is refused.
ROLE_RANK = {Role.VIEWER: 0, Role.ANNOTATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the path as the application declares it
    url: str = ""  # the request's path and query, when not the route itself
    json: Any = None
    form: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    # Dashboard: the least of bravo's roles that may make the request.
    role: Role = Role.VIEWER
    # What alpha's key pair or admin gets: 404, or 200 and only alpha's own data; None
    # when the request names nothing of bravo's (alpha acting on its own workspace).
    other: int | None = 404
    # Routes open to anyone: the status everyone gets.
    public: int | None = None
    # The browser that makes the request rightfully (dashboard rows).
    rightful: str = "bravo_admin"

    def __str__(self) -> str:
        return f"{self.method} {self.route}"

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.route

    @property
    def is_api(self) -> bool:
        return self.public is None and self.route.startswith(API_PREFIXES)

    @property
    def is_page(self) -> bool:
        return self.public is None and not self.is_api

    @property
    def target(self) -> str:
        return self.url or self.route


SEARCH = {"filter": {"project_id": "{project}"}}
BULK = {
    "records": [
        {
            "observation_span_id": "{s12}",
            "annotations": [
                {
                    "annotation_label_id": "{label}",
                    "annotator_id": "bravo-bot",
                    "value_str_list": ["good"],
                }
            ],
            "notes": [{"text": "bravo bulk note", "annotator_id": "bravo-bot"}],
        }
    ]
}
OTLP = {
    "resourceSpans": [
        {
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "0af7651916cd43dd8448eb211c80319c",
                            "spanId": "b7ad6b7169203331",
                            "name": "bravo ingest",
                            "startTimeUnixNano": "1730000000000000000",
                        }
                    ]
                }
            ]
        }
    ]
}
QUEUE_SETTINGS = (
    ("label", "{label}"),
    ("who", "all"),
    ("per_item", "1"),
    ("reservation", "10"),
)
ADMIN = Role.ADMIN
ANNOTATOR = Role.ANNOTATOR
QUEUE = "/api/v1/queues/{queue}"
ITEM = "/api/v1/queues/{queue_id}/items/{item_id}"

TABLE: list[Row] = [
    # --- open to anyone --------------------------------------------------------------------
    Row("GET", "/openapi.json", public=200),
    Row("GET", "/healthz", public=200),
    Row("GET", "/docs", public=200),
    Row("GET", "/static", url="/static/app.css", public=200),
    Row("GET", "/static/swagger", url="/static/swagger/swagger-ui.css", public=200),
    Row("GET", "/login", public=200),
    # Without the sign-in form's CSRF cookie even the right password is refused.
    Row(
        "POST",
        "/login",
        form=(("email", "bravo-admin@bravo.test"), ("password", "{password}")),
        public=403,
    ),
    Row("GET", "/", public=303),
    # --- OTLP ingest: alpha's key writes only alpha's (test_otlp_of_another_workspace_...) --
    Row(
        "POST",
        "/v1/traces",
        json=OTLP,
        headers=(("x-project", "bravo-helpdesk"),),
        other=None,
    ),
    # --- native API ------------------------------------------------------------------------
    Row("GET", "/api/v1/projects", other=200),
    Row("GET", "/api/v1/projects/{project_id}/traces", url="/api/v1/projects/{project}/traces"),
    Row("GET", "/api/v1/traces/{trace_id}", url="/api/v1/traces/{t0}"),
    Row("GET", "/api/v1/spans/{span_id}", url="/api/v1/spans/{s0}"),
    Row("POST", "/api/v1/spans/search", json={**SEARCH, "limit": 5}),
    Row("POST", "/api/v1/exports", json={**SEARCH, "format": "jsonl"}),
    Row("POST", "/api/v1/datasets", json={**SEARCH, "name": "bravo-api-set"}),
    Row("GET", "/api/v1/datasets", url="/api/v1/datasets?project_id={project}"),
    Row("GET", "/api/v1/datasets/{dataset_id}", url="/api/v1/datasets/{ds}"),
    Row(
        "GET",
        "/api/v1/datasets/{dataset_id}/versions/{version}",
        url="/api/v1/datasets/{ds}/versions/1",
    ),
    Row(
        "GET",
        "/api/v1/datasets/{dataset_id}/versions/{version}/file",
        url="/api/v1/datasets/{ds}/versions/1/file",
    ),
    Row("DELETE", "/api/v1/datasets/{dataset_id}", url="/api/v1/datasets/{ds_doomed}"),
    Row(
        "POST",
        "/api/v1/queues",
        json={
            "project_id": "{project}",
            "name": "bravo api queue",
            "labels": [{"name": "bravo_verdict"}],
        },
    ),
    Row("GET", "/api/v1/queues", url="/api/v1/queues?project_id={project}"),
    Row("GET", "/api/v1/queues/{queue_id}", url=QUEUE),
    Row("PATCH", "/api/v1/queues/{queue_id}", url=QUEUE, json={"instructions": "bravo: be kind"}),
    Row(
        "POST",
        "/api/v1/queues/{queue_id}/items",
        url=QUEUE + "/items",
        json={"span_ids": ["{s31}"]},
    ),
    Row("GET", "/api/v1/queues/{queue_id}/items", url=QUEUE + "/items"),
    Row("DELETE", ITEM, url=QUEUE + "/items/{item_api_remove}"),
    Row(
        "POST",
        "/api/v1/queues/{queue_id}/next",
        url=QUEUE + "/next",
        json={"annotator_id": "bravo-bot"},
    ),
    Row(
        "POST",
        ITEM + "/submit",
        url=QUEUE + "/items/{item_api_submit}/submit",
        json={"annotator_id": "bravo-bot", "values": [{"name": "bravo_verdict", "value": "good"}]},
    ),
    Row(
        "POST",
        ITEM + "/skip",
        url=QUEUE + "/items/{item_api_skip}/skip",
        json={"annotator_id": "bravo-bot"},
    ),
    Row("GET", "/api/v1/queues/{queue_id}/progress", url=QUEUE + "/progress"),
    Row("GET", "/api/v1/queues/{queue_id}/agreement", url=QUEUE + "/agreement"),
    Row("GET", "/api/v1/queues/{queue_id}/disagreements", url=QUEUE + "/disagreements"),
    Row(
        "PUT",
        ITEM + "/gold",
        url=QUEUE + "/items/{item_gold_api}/gold",
        json={"annotator_id": "bravo-bot", "values": [{"label_id": "{label}", "value": "good"}]},
    ),
    Row("GET", "/api/v1/queues/{queue_id}/accuracy", url=QUEUE + "/accuracy"),
    Row(
        "POST",
        "/api/v1/projects/{project_id}/labels",
        url="/api/v1/projects/{project}/labels",
        json={"name": "bravo_new_api", "type": "thumbs_up_down"},
    ),
    Row("GET", "/api/v1/projects/{project_id}/labels", url="/api/v1/projects/{project}/labels"),
    Row("GET", "/api/v1/labels/{label_id}", url="/api/v1/labels/{label}"),
    Row(
        "PATCH",
        "/api/v1/labels/{label_id}",
        url="/api/v1/labels/{label}",
        json={"description": "bravo: judge the answer"},
    ),
    Row("DELETE", "/api/v1/labels/{label_id}", url="/api/v1/labels/{label_archive_api}"),
    Row(
        "POST",
        "/api/v1/spans/{span_id}/annotations",
        url="/api/v1/spans/{s0}/annotations?trace_id={t0}",
        json={"name": "bravo_verdict", "label": "bad", "annotator_id": "bravo-bot"},
    ),
    Row("GET", "/api/v1/spans/{span_id}/annotations", url="/api/v1/spans/{s1}/annotations"),
    Row(
        "PATCH",
        "/api/v1/annotations/{annotation_id}",
        url="/api/v1/annotations/{ann_patch}",
        json={"label": "bad"},
    ),
    Row("DELETE", "/api/v1/annotations/{annotation_id}", url="/api/v1/annotations/{ann_delete}"),
    Row(
        "POST",
        "/api/v1/spans/{span_id}/notes",
        url="/api/v1/spans/{s0}/notes",
        json={"text": "bravo api note", "annotator_id": "bravo-bot"},
    ),
    Row("GET", "/api/v1/spans/{span_id}/notes", url="/api/v1/spans/{s5}/notes"),
    Row(
        "DELETE",
        "/api/v1/spans/{span_id}/notes/{note_id}",
        url="/api/v1/spans/{s5}/notes/{note_delete}",
    ),
    Row(
        "PUT",
        "/api/v1/spans/{span_id}/correction",
        url="/api/v1/spans/{s10}/correction",
        json={"output": "bravo fixed", "annotator_id": "bravo-bot"},
    ),
    Row("GET", "/api/v1/spans/{span_id}/correction", url="/api/v1/spans/{s9}/correction"),
    Row("DELETE", "/api/v1/spans/{span_id}/correction", url="/api/v1/spans/{s7}/correction"),
    # Scores and bulk records are refused one by one: alpha's key gets 200 with errors.
    Row(
        "POST",
        "/api/v1/scores",
        json={
            "scores": [
                {
                    "span_id": "{s12}",
                    "name": "bravo_faith",
                    "score": 0.9,
                    "evaluator": "bravo-judge",
                }
            ]
        },
        other=200,
    ),
    # --- compatible API --------------------------------------------------------------------
    Row(
        "GET",
        "/tracer/get-annotation-labels/",
        url="/tracer/get-annotation-labels/?project_id={project}",
    ),
    Row(
        "GET",
        "/tracer/get-annotation-labels",
        url="/tracer/get-annotation-labels?project_id={project}",
    ),
    Row("POST", "/tracer/bulk-annotation/", json=BULK, other=200),
    Row("POST", "/tracer/bulk-annotation", json=BULK, other=200),
    # --- dashboard -------------------------------------------------------------------------
    Row("POST", "/logout", other=None, rightful="bravo_viewer"),
    Row(
        "GET",
        "/traces",
        url="/traces?project={project}&trace={t0}&span={s0}&tab=evaluation",
        other=200,
    ),
    Row("GET", "/traces/{trace_id}/drawer", url="/traces/{t0}/drawer?project={project}"),
    Row("GET", "/spans/{span_id}/detail", url="/spans/{s0}/detail?trace_id={t0}"),
    Row("GET", "/spans/{span_id}/evaluation", url="/spans/{s0}/evaluation?trace_id={t0}&add=1"),
    Row(
        "POST",
        "/spans/{span_id}/annotations",
        url="/spans/{s0}/annotations?trace_id={t0}",
        form=(("name", "bravo_verdict"), ("label", "good")),
        role=ANNOTATOR,
    ),
    Row("GET", "/annotations/{annotation_id}/edit", url="/annotations/{ann_patch}/edit"),
    # Annotations, notes and corrections of bravo's admin: an annotator may not change them.
    Row(
        "POST",
        "/annotations/{annotation_id}/update",
        url="/annotations/{ann_page_update}/update",
        form=(("label", "bad"),),
        role=ADMIN,
    ),
    Row(
        "POST",
        "/annotations/{annotation_id}/delete",
        url="/annotations/{ann_page_delete}/delete",
        role=ADMIN,
    ),
    Row(
        "POST",
        "/spans/{span_id}/notes",
        url="/spans/{s0}/notes?trace_id={t0}",
        form=(("text", "bravo page note"),),
        role=ANNOTATOR,
    ),
    Row(
        "POST",
        "/spans/{span_id}/notes/{note_id}/delete",
        url="/spans/{s6}/notes/{note_page_delete}/delete?trace_id={t6}",
        role=ADMIN,
    ),
    Row("GET", "/labels", url="/labels?project={project}", other=200),
    Row(
        "POST",
        "/labels",
        form=(("project", "{project}"), ("name", "bravo_new_page"), ("type", "thumbs_up_down")),
        role=ADMIN,
    ),
    Row("GET", "/labels/{label_id}", url="/labels/{label_tone}", role=ADMIN),
    Row(
        "POST",
        "/labels/{label_id}",
        url="/labels/{label_tone}",
        form=(
            ("name", "bravo_tone"),
            ("type", "categorical"),
            ("options", "calm\nangry\nsad"),
            ("description", "bravo: the customer's mood"),
        ),
        role=ADMIN,
    ),
    Row(
        "POST", "/labels/{label_id}/archive", url="/labels/{label_archive_page}/archive", role=ADMIN
    ),
    Row("GET", "/keys", role=ADMIN, other=200),
    Row("POST", "/keys", form=(("name", "bravo page key"),), role=ADMIN, other=None),
    Row("POST", "/keys/{key_id}/revoke", url="/keys/{spare_key_id}/revoke", role=ADMIN),
    Row("GET", "/users", role=ADMIN, other=200),
    Row(
        "POST",
        "/users",
        form=(("email", "bravo-new@bravo.test"), ("password", "{password}"), ("role", "viewer")),
        role=ADMIN,
        other=None,
    ),
    Row(
        "POST",
        "/users/{user_id}/role",
        url="/users/{bravo_annotator}/role",
        form=(("role", "viewer"),),
        role=ADMIN,
    ),
    Row("POST", "/users/{user_id}/remove", url="/users/{bravo_viewer}/remove", role=ADMIN),
    Row("GET", "/export", url="/export?project={project}&format=jsonl"),
    Row("GET", "/datasets", url="/datasets?project={project}", other=200),
    Row(
        "POST",
        "/datasets",
        form=(("project", "{project}"), ("name", "bravo-page-set"), ("format", "jsonl")),
        role=ANNOTATOR,
    ),
    Row(
        "GET",
        "/datasets/{dataset_id}/versions/{version}/file",
        url="/datasets/{ds}/versions/1/file",
    ),
    Row(
        "POST",
        "/spans/{span_id}/correction",
        url="/spans/{s11}/correction?trace_id={t11}",
        form=(("output", "bravo page fix"),),
        role=ANNOTATOR,
    ),
    Row(
        "POST",
        "/spans/{span_id}/correction/delete",
        url="/spans/{s8}/correction/delete?trace_id={t8}",
        role=ADMIN,
    ),
    Row("GET", "/queues", url="/queues?project={project}", other=200),
    Row(
        "POST",
        "/queues",
        form=(
            ("project", "{project}"),
            ("queue_name", "bravo page queue"),
            ("source", "none"),
            *QUEUE_SETTINGS,
        ),
        role=ADMIN,
    ),
    Row(
        "POST",
        "/queues/add",
        form=(("queue", "{queue}"), ("source", "ids"), ("span_ids", "{s32}")),
        role=ADMIN,
    ),
    Row("GET", "/queues/{queue_id}", url="/queues/{queue}"),
    Row(
        "POST",
        "/queues/{queue_id}/settings",
        url="/queues/{queue}/settings",
        form=(("queue_name", "bravo queue"), ("instructions", "bravo: read"), *QUEUE_SETTINGS),
        role=ADMIN,
    ),
    Row(
        "POST",
        "/queues/{queue_id}/status",
        url="/queues/{queue}/status",
        form=(("action", "resume"),),
        role=ADMIN,
    ),
    Row(
        "POST",
        "/queues/{queue_id}/items",
        url="/queues/{queue}/items",
        form=(("span_ids", "{s33}"),),
        role=ADMIN,
    ),
    Row(
        "POST",
        "/queues/{queue_id}/items/{item_id}/remove",
        url="/queues/{queue}/items/{item_page_remove}/remove",
        role=ADMIN,
    ),
    Row("GET", "/queues/{queue_id}/adjudicate", url="/queues/{queue}/adjudicate"),
    Row(
        "POST",
        "/queues/{queue_id}/items/{item_id}/gold",
        url="/queues/{queue}/items/{item_gold_page}/gold",
        form=(("label_id", "{label}"), ("v.{label}", "good")),
        role=ADMIN,
    ),
    # Reviewing reserves an item: viewers may not.
    Row("GET", "/queues/{queue_id}/review", url="/queues/{queue}/review", role=ANNOTATOR),
    Row(
        "POST",
        "/queues/{queue_id}/items/{item_id}/submit",
        url="/queues/{queue}/items/{item_page_submit}/submit",
        form=(("v.{label}", "good"),),
        role=ANNOTATOR,
    ),
    Row(
        "POST",
        "/queues/{queue_id}/items/{item_id}/skip",
        url="/queues/{queue}/items/{item_page_skip}/skip",
        role=ANNOTATOR,
    ),
    Row(
        "GET",
        "/queues/{queue_id}/items/{item_id}/context",
        url="/queues/{queue}/items/{item_context}/context",
        role=ANNOTATOR,
    ),
]

# The same routes without a project: alpha's key must get its own workspace's only.
UNFILTERED: list[Row] = [
    Row("GET", "/api/v1/datasets", other=200),
    Row("GET", "/api/v1/queues", other=200),
    Row("GET", "/tracer/get-annotation-labels/", other=200),
    Row("GET", "/tracer/get-annotation-labels", other=200),
]

# Alpha's own objects with bravo's inside them: refused (or, for bulk records and scores,
# each refused in the answer) without a word about bravo's.
ALPHA_QUEUE = "/api/v1/queues/{alpha_queue}"
BRAVO_VALUE = {"annotator_id": "alpha-bot", "values": [{"label_id": "{label}", "value": "good"}]}
MIXED: list[Row] = [
    Row(
        "POST",
        "/api/v1/queues",
        json={
            "project_id": "{alpha_project}",
            "name": "mixed",
            "labels": [{"label_id": "{label}"}],
        },
        other=422,
    ),
    Row(
        "PATCH",
        "/api/v1/queues/{queue_id}",
        url=ALPHA_QUEUE,
        json={"labels": [{"label_id": "{label}"}]},
        other=422,
    ),
    Row(
        "POST",
        "/api/v1/queues/{queue_id}/items",
        url=ALPHA_QUEUE + "/items",
        json={"span_ids": ["{s0}"]},
        other=422,
    ),
    Row(
        "POST",
        "/api/v1/queues/{queue_id}/items",
        url=ALPHA_QUEUE + "/items",
        json={
            "gold": [{"span_id": "{s0}", "values": [{"label_id": "{alpha_label}", "value": True}]}]
        },
        other=404,
    ),
    Row(
        "POST",
        ITEM + "/submit",
        url=ALPHA_QUEUE + "/items/{alpha_item}/submit",
        json=BRAVO_VALUE,
        other=422,
    ),
    Row(
        "PUT",
        ITEM + "/gold",
        url=ALPHA_QUEUE + "/items/{alpha_item}/gold",
        json=BRAVO_VALUE,
        other=422,
    ),
    Row(
        "GET",
        "/api/v1/queues/{queue_id}/disagreements",
        url=ALPHA_QUEUE + "/disagreements?label_id={label}",
        other=422,
    ),
    Row("GET", "/api/v1/spans/{span_id}", url="/api/v1/spans/{alpha_s0}?trace_id={t0}"),
    Row(
        "POST",
        "/tracer/bulk-annotation/",
        json={
            "records": [
                {
                    "observation_span_id": "{alpha_s0}",
                    "annotations": [
                        {
                            "annotation_label_id": "{label}",
                            "annotator_id": "alpha-bot",
                            "value_str_list": ["good"],
                        }
                    ],
                }
            ]
        },
        other=200,
    ),
    Row(
        "POST",
        "/api/v1/scores",
        json={
            "scores": [
                {
                    "span_id": "{alpha_s0}",
                    "trace_id": "{t0}",
                    "name": "x",
                    "evaluator": "alpha-judge",
                }
            ]
        },
        other=200,
    ),
    Row(
        "POST",
        "/queues",
        form=(
            ("project", "{alpha_project}"),
            ("queue_name", "mixed"),
            ("source", "none"),
            *QUEUE_SETTINGS,
        ),
        other=422,
    ),
    Row(
        "POST",
        "/queues/{queue_id}/items",
        url="/queues/{alpha_queue}/items",
        form=(("span_ids", "{s0}"),),
        other=422,
    ),
]
