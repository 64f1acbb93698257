"""Two workspaces with real data each, for the access-control table.

Workspace `bravo` owns every object the table names; workspace `alpha` is the caller from
elsewhere. Every name in bravo contains "bravo", and bravo's project has an unusual number
of traces and spans, so that a response leaking bravo's names or counts shows it.

Each object that a rightful request changes for good (an annotation deleted, a label
archived, a key revoked, a queue item submitted...) is named by one table row only, so the
rightful requests can run one after the other; the users whose role is changed or who are
removed are bravo's annotator and viewer, whose sessions serve the refusals, made before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace.domain.access import Principal, Role
from annotrace.schemas.annotations import AnnotationCreate, NoteCreate
from annotrace.schemas.corrections import CorrectionWrite
from annotrace.schemas.datasets import DatasetSave
from annotrace.schemas.filters import SpanFilter
from annotrace.schemas.labels import LabelCreate
from annotrace.schemas.queues import ItemsAdd, QueueCreate, QueueLabelChoice
from annotrace.services import (
    annotate,
    corrections,
    datasets,
    keys,
    labels,
    notes,
    projects,
    queue_work,
    queues,
    sessions,
    users,
)
from annotrace.services.ingest import store_spans
from annotrace.services.keys import CreatedKeyPair
from annotrace.storage.engine import Database
from annotrace.storage.models import Base
from tests.support.spans import make_trace

PASSWORD = "bravo-only passphrase 42"
BRAVO_TRACES = 67  # above 59, so that no clock reading can look like it
BRAVO_SPANS = 2 * BRAVO_TRACES
# Bookkeeping of failed credential checks: refusals are meant to count there.
UNWATCHED_TABLES = frozenset({"sign_in_failures", "auth_failures"})


@dataclass(frozen=True)
class Browser:
    """A dashboard session: the cookie and the CSRF token of its forms."""

    email: str
    token: str
    csrf: str

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"annotrace_session={self.token}"}


@dataclass
class World:
    database: Database
    ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, CreatedKeyPair] = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)
    # What no caller from outside bravo may be shown (unless the caller sent it).
    secrets: set[str] = field(default_factory=set)
    counts: tuple[int, ...] = (BRAVO_TRACES, BRAVO_SPANS)

    def headers(self, key: str) -> dict[str, str]:
        pair = self.keys[key]
        return {"X-Api-Key": pair.api_key, "X-Secret-Key": pair.secret_key}

    def fingerprint(self) -> str:
        """A digest of every stored row: equal before and after means nothing changed."""
        digest = hashlib.sha256()
        with self.database.read() as session:
            for table in Base.metadata.sorted_tables:
                if table.name in UNWATCHED_TABLES:
                    continue
                rows = session.execute(select(table).order_by(*table.primary_key.columns))
                digest.update(f"{table.name}:{rows.all()!r}".encode())
        return digest.hexdigest()


def build_world(database: Database) -> World:
    world = World(database)
    ids = world.ids
    with database.write() as session:
        for name, workspace in (
            ("alpha", "alpha"),
            ("bravo", "bravo"),
            ("bravo_revoked", "bravo"),
            ("bravo_spare", "bravo"),
        ):
            world.keys[name] = keys.create_key_pair(
                session=session, workspace=workspace, name=f"{name} pipeline"
            )
        for email, role, workspace in (
            ("admin@alpha.test", Role.ADMIN, "alpha"),
            ("bravo-admin@bravo.test", Role.ADMIN, "bravo"),
            ("bravo-annotator@bravo.test", Role.ANNOTATOR, "bravo"),
            ("bravo-viewer@bravo.test", Role.VIEWER, "bravo"),
        ):
            user = users.create_user(
                session=session, workspace=workspace, email=email, password=PASSWORD, role=role
            )
            ids[f"{workspace}_{role.value}"] = user.id
            if workspace == "bravo":
                world.secrets |= {user.id, email}
    with database.write() as session:
        for name, email in (
            ("alpha_admin", "admin@alpha.test"),
            ("bravo_admin", "bravo-admin@bravo.test"),
            ("bravo_annotator", "bravo-annotator@bravo.test"),
            ("bravo_viewer", "bravo-viewer@bravo.test"),
        ):
            signed = sessions.sign_in(session=session, email=email, password=PASSWORD)
            assert signed is not None
            token, who = signed
            world.browsers[name] = Browser(email, token, who.csrf_token)
    with database.write() as session:
        alpha, bravo = (_principal(session, world.keys[name]) for name in ("alpha", "bravo"))
        alpha_traces = [make_trace(project="alpha-project") for _ in range(2)]
        store_spans(session=session, principal=alpha, spans=[s for t in alpha_traces for s in t])
        bravo_traces = [make_trace(project="bravo-helpdesk", size=2) for _ in range(BRAVO_TRACES)]
        store_spans(session=session, principal=bravo, spans=[s for t in bravo_traces for s in t])
        keys.revoke_key(
            session=session,
            workspace_rowid=bravo.workspace_rowid,
            key=world.keys["bravo_revoked"].id,
        )
    # The LLM child of each trace, by number: s0, s1, ... with their traces t0, t1, ...
    for index, trace in enumerate(bravo_traces):
        ids[f"s{index}"], ids[f"t{index}"] = trace[1].span.span_id, trace[1].span.trace_id
        world.secrets |= {span.span.span_id for span in trace} | {trace[0].span.trace_id}
    ids["alpha_s0"], ids["alpha_t0"] = (
        alpha_traces[0][1].span.span_id,
        alpha_traces[0][1].span.trace_id,
    )
    with database.write() as session:
        _alpha_objects(session, world, alpha)
        _bravo_objects(session, world, bravo)
    ids["ds"] = _dataset(world, bravo, "bravo-golden")
    ids["ds_doomed"] = _dataset(world, bravo, "bravo-doomed")
    ids["spare_key_id"] = world.keys["bravo_spare"].id
    ids["password"] = PASSWORD
    world.secrets |= {"bravo", "bravo-helpdesk", PASSWORD}
    for name, pair in world.keys.items():
        if name != "alpha":
            world.secrets |= {pair.id, pair.api_key, pair.secret_key, pair.name}
    return world


def _principal(session: Session, pair: CreatedKeyPair) -> Principal:
    return keys.authenticate_key_pair(
        session=session, api_key=pair.api_key, secret_key=pair.secret_key
    )


def _alpha_objects(session: Session, world: World, alpha: Principal) -> None:
    """A label and a queue of alpha's own, for requests that name bravo's objects in them."""
    ids = world.ids
    (project,) = projects.list_projects(session=session, principal=alpha)
    ids["alpha_project"] = project.id
    ids["alpha_label"] = labels.create_label(
        session=session,
        principal=alpha,
        project_id=project.id,
        data=LabelCreate.model_validate({"name": "alpha_ok", "type": "thumbs_up_down"}),
    ).id
    queue = queues.create_queue(
        session=session,
        principal=alpha,
        data=QueueCreate(
            project_id=project.id,
            name="alpha queue",
            labels=[QueueLabelChoice(name="alpha_ok")],
            items=ItemsAdd(span_ids=[ids["alpha_s0"]]),
        ),
    )
    ids["alpha_queue"] = queue.id
    (item,) = queues.list_items(session=session, principal=alpha, queue_id=queue.id).items
    ids["alpha_item"] = item.id


def _bravo_objects(session: Session, world: World, bravo: Principal) -> None:
    ids = world.ids
    admin = sessions.signed_in(session=session, token=world.browsers["bravo_admin"].token)
    assert admin is not None
    by_admin = admin.principal
    (project,) = projects.list_projects(session=session, principal=bravo)
    ids["project"] = project.id
    world.secrets.add(project.id)
    for key, name, kind, settings in (
        ("label", "bravo_verdict", "categorical", {"options": ["good", "bad"]}),
        ("label_tone", "bravo_tone", "categorical", {"options": ["calm", "angry"]}),
        ("label_archive_api", "bravo_archive_api", "thumbs_up_down", {}),
        ("label_archive_page", "bravo_archive_page", "thumbs_up_down", {}),
    ):
        created = labels.create_label(
            session=session,
            principal=bravo,
            project_id=project.id,
            data=LabelCreate.model_validate({"name": name, "type": kind, "settings": settings}),
        )
        ids[key] = created.id
        world.secrets |= {created.id, name}

    def annotation(span: int) -> str:
        created, _ = annotate.create_annotation(
            session=session,
            principal=by_admin,
            span_id=ids[f"s{span}"],
            trace_id=ids[f"t{span}"],
            data=AnnotationCreate(name="bravo_verdict", label="good", reason="bravo reasons"),
            annotator_id=admin.email,
            source="human",
        )
        world.secrets.add(created.id)
        return created.id

    def note(span: int) -> str:
        created, _ = notes.add_note(
            session=session,
            principal=by_admin,
            span_id=ids[f"s{span}"],
            trace_id=ids[f"t{span}"],
            data=NoteCreate(text="bravo note"),
            annotator_id=admin.email,
        )
        world.secrets.add(created.id)
        return created.id

    def correction(span: int) -> None:
        created, _ = corrections.set_correction(
            session=session,
            principal=by_admin,
            span_id=ids[f"s{span}"],
            trace_id=ids[f"t{span}"],
            data=CorrectionWrite(output="bravo corrected output"),
            annotator_id=admin.email,
        )
        world.secrets.add(created.id)

    ids |= {
        "ann_patch": annotation(1),
        "ann_delete": annotation(2),
        "ann_page_update": annotation(3),
        "ann_page_delete": annotation(4),
        "note_delete": note(5),
        "note_page_delete": note(6),
    }
    for span in (7, 8, 9):
        correction(span)
    item_names = [
        "item_context",
        "item_api_submit",
        "item_api_skip",
        "item_page_submit",
        "item_page_skip",
        "item_api_remove",
        "item_page_remove",
        "item_gold_api",
        "item_gold_page",
    ]
    queue = queues.create_queue(
        session=session,
        principal=bravo,
        data=QueueCreate(
            project_id=project.id,
            name="bravo queue",
            labels=[QueueLabelChoice(name="bravo_verdict")],
            items=ItemsAdd(span_ids=[ids[f"s{20 + n}"] for n in range(len(item_names))]),
        ),
    )
    ids["queue"] = queue.id
    items = queues.list_items(session=session, principal=bravo, queue_id=queue.id).items
    by_span = {item.span_id: item.id for item in items}
    for number, name in enumerate(item_names):
        ids[name] = by_span[ids[f"s{20 + number}"]]
    world.secrets |= {queue.id, "bravo queue", *by_span.values()}
    # The admin holds the first item, as if they had opened the review page.
    handed = queue_work.next_item(
        session=session, principal=by_admin, queue_id=queue.id, annotator_id=admin.email
    )
    assert handed.item is not None
    assert handed.item.item.id == ids["item_context"]


def _dataset(world: World, principal: Principal, name: str) -> str:
    saved = datasets.save_dataset(
        database=world.database,
        principal=principal,
        data=DatasetSave(name=name, filter=SpanFilter(project_id=world.ids["project"])),
    )
    world.secrets |= {saved.dataset_id, saved.id, name}
    return saved.dataset_id


def fill(value: Any, ids: dict[str, str]) -> Any:
    """A template (string, list, dict, pair) with `{name}` replaced by the world's ids."""
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {fill(key, ids): fill(item, ids) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fill(item, ids) for item in value)
    return value
