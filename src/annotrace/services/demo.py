"""The demo workspace: realistic traces, an admin user and a key pair, ready to explore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotrace import security
from annotrace.domain.access import Principal, Role
from annotrace.domain.demo_annotations import DEMO_LABELS, REVIEWERS, demo_annotations
from annotrace.domain.demo_traces import generate_demo_traces
from annotrace.domain.ids import new_id
from annotrace.domain.labels import LabelType
from annotrace.domain.spans import IncomingSpan
from annotrace.schemas.labels import LabelCreate
from annotrace.services.annotate import draft_annotation
from annotrace.services.annotations import NoteDraft, write_annotations, write_notes
from annotrace.services.labels import create_label, labels_by_name
from annotrace.services.projects import ensure_projects
from annotrace.services.traces import find_spans
from annotrace.services.users import create_user
from annotrace.services.workspaces import get_or_create_workspace
from annotrace.storage.models import ApiKey, Project, User

DEMO_WORKSPACE = "demo"
DEMO_EMAIL = "demo@annotrace.local"
DEMO_PASSWORD = "annotrace-demo"  # noqa: S105 (published on purpose, like the keys below)
# Fixed, published credentials: the README's examples run against the demo as written.
DEMO_API_KEY = "atk_demo"
DEMO_SECRET_KEY = "ats_demo"  # noqa: S105


@dataclass(frozen=True, slots=True)
class DemoAccess:
    workspace: str
    email: str
    password: str
    api_key: str
    secret_key: str


def demo_spans(*, now: datetime, traces: int = 300) -> list[IncomingSpan]:
    """The demo's spans; the same ids every time, so loading twice stores them once."""
    return generate_demo_traces(now=now, traces=traces)


def ensure_demo_access(*, session: Session) -> tuple[DemoAccess, Principal]:
    """The demo workspace with its users (an admin and two annotators) and key pair,
    created when missing."""
    workspace = get_or_create_workspace(session=session, name=DEMO_WORKSPACE)
    for email, role in ((DEMO_EMAIL, Role.ADMIN), *((r, Role.ANNOTATOR) for r in REVIEWERS)):
        if session.scalar(select(User.user_rowid).where(User.email == email)) is None:
            create_user(
                session=session,
                workspace=DEMO_WORKSPACE,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
            )
    key = session.scalar(select(ApiKey).where(ApiKey.api_key == DEMO_API_KEY))
    if key is None:
        key = ApiKey(
            id=new_id("key"),
            workspace_rowid=workspace.workspace_rowid,
            api_key=DEMO_API_KEY,
            secret_hash=security.hash_secret(DEMO_SECRET_KEY),
            name="demo",
        )
        session.add(key)
        session.flush()
    access = DemoAccess(
        workspace=DEMO_WORKSPACE,
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        api_key=DEMO_API_KEY,
        secret_key=DEMO_SECRET_KEY,
    )
    principal = Principal(
        workspace_rowid=workspace.workspace_rowid,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        role=Role.ADMIN,
        api_key_rowid=key.api_key_rowid,
    )
    return access, principal


def annotate_demo(*, session: Session, principal: Principal, spans: list[IncomingSpan]) -> int:
    """The demo's labels, reviews, eval scores and notes (idempotent); how many
    annotations there are."""
    _ensure_demo_labels(session, principal)
    annotations, notes = demo_annotations(spans)
    refs = find_spans(
        session=session,
        principal=principal,
        span_ids={a.span_id for a in annotations} | {n.span_id for n in notes},
    )
    labels = labels_by_name(
        session=session,
        project_rowids={ref.project_rowid for found in refs.values() for ref in found},
        names={label.name for label in DEMO_LABELS},
    )
    drafts = []
    for annotation in annotations:
        span = refs[annotation.span_id][0]
        drafts.append(
            draft_annotation(
                span=span,
                label_ref=labels[(span.project_rowid, annotation.name.casefold())],
                name=annotation.name,
                label=annotation.label,
                score=annotation.score,
                reason=annotation.reason,
                annotator_id=annotation.annotator_id,
                source="eval" if annotation.source == "eval" else "human",
            )
        )
    write_annotations(session=session, workspace_rowid=principal.workspace_rowid, drafts=drafts)
    write_notes(
        session=session,
        workspace_rowid=principal.workspace_rowid,
        drafts=[
            NoteDraft(
                span_rowid=refs[note.span_id][0].span_rowid,
                project_rowid=refs[note.span_id][0].project_rowid,
                annotator_id=note.annotator_id,
                text=note.text,
            )
            for note in notes
        ],
    )
    return len(drafts)


def _ensure_demo_labels(session: Session, principal: Principal) -> None:
    projects = ensure_projects(
        session=session,
        workspace_rowid=principal.workspace_rowid,
        names={label.project for label in DEMO_LABELS},
    )
    existing = labels_by_name(
        session=session,
        project_rowids=projects.values(),
        names={label.name for label in DEMO_LABELS},
    )
    for label in DEMO_LABELS:
        if (projects[label.project], label.name.casefold()) in existing:
            continue
        project_id = session.scalar(
            select(Project.id).where(Project.project_rowid == projects[label.project])
        )
        assert project_id is not None
        create_label(
            session=session,
            principal=principal,
            project_id=project_id,
            data=LabelCreate(
                name=label.name,
                type=LabelType(label.type),
                description=label.description,
                settings=label.settings,
            ),
        )
