"""Tables. Database keys are `*_rowid` integers; public ids are random prefixed strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from annotrace.domain.export_formats import FORMATS
from annotrace.domain.ids import ID_LENGTH
from annotrace.domain.labels import LabelType
from annotrace.domain.spans import SpanKind, StatusCode
from annotrace.storage.types import JsonType, UtcDateTime, utcnow

# 64-bit keys on PostgreSQL for the big tables; SQLite's INTEGER PRIMARY KEY is already
# 64-bit and must be spelled INTEGER to stay the rowid alias that autoincrements.
RowId = BigInteger().with_variant(Integer, "sqlite")

# Stable constraint names, so Alembic migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("owner", "admin", "annotator", "viewer")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JsonType}


class Workspace(Base):
    __tablename__ = "workspaces"

    workspace_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    user_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    # Stored lower-cased, so sign-in and uniqueness ignore case.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """A user's role in a workspace."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("workspace_rowid", "user_rowid"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    membership_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_rowid: Mapped[int] = mapped_column(
        ForeignKey("workspaces.workspace_rowid", ondelete="CASCADE")
    )
    user_rowid: Mapped[int] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A key pair: the public `api_key` names it, only a hash of the secret is kept."""

    __tablename__ = "api_keys"

    api_key_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    workspace_rowid: Mapped[int] = mapped_column(
        ForeignKey("workspaces.workspace_rowid", ondelete="CASCADE"), index=True
    )
    api_key: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the secret: the secret has 256 random bits, so a slow hash adds nothing
    # but latency to every request. Unique, because a bearer token is looked up by it.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("workspace_rowid", "name"),)

    project_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    workspace_rowid: Mapped[int] = mapped_column(
        ForeignKey("workspaces.workspace_rowid", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Trace(Base):
    """A trace within one project, with totals kept up to date by ingest.

    The totals are derivable from the spans, but listing 100,000 traces newest first
    must not aggregate millions of spans per page.
    """

    __tablename__ = "traces"
    __table_args__ = (
        UniqueConstraint("project_rowid", "trace_id"),
        # Newest-first listing of a project's traces, and its cursor.
        Index(None, "project_rowid", "start_time", "trace_id"),
        Index(None, "trace_id"),
    )

    trace_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    trace_id: Mapped[str] = mapped_column(String(32))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    span_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    # Kept by the annotation write path, so the trace list can show and filter them.
    annotation_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    eval_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Span(Base):
    __tablename__ = "spans"
    __table_args__ = (
        # One row per span of a trace: a span sent twice is stored once.
        UniqueConstraint("trace_rowid", "span_id"),
        Index(None, "span_id"),
        # Newest-first pages of a project's spans, and their cursor. Text search has
        # indexes outside the models: see storage/fulltext.py.
        Index(None, "project_rowid", "start_time", "span_id"),
        CheckConstraint(_in("kind", tuple(SpanKind)), name="kind"),
        CheckConstraint(_in("status_code", tuple(StatusCode)), name="status_code"),
    )

    span_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    trace_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("traces.trace_rowid", ondelete="CASCADE")
    )
    span_id: Mapped[str] = mapped_column(String(16))
    parent_span_id: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    otel_kind: Mapped[str] = mapped_column(String(20))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    status_code: Mapped[str] = mapped_column(String(10))
    status_message: Mapped[str] = mapped_column(Text)
    input_value: Mapped[str | None] = mapped_column(Text)
    input_mime_type: Mapped[str | None] = mapped_column(String(100))
    output_value: Mapped[str | None] = mapped_column(Text)
    output_mime_type: Mapped[str | None] = mapped_column(String(100))
    model_name: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None] = mapped_column(BigInteger)
    completion_tokens: Mapped[int | None] = mapped_column(BigInteger)
    total_tokens: Mapped[int | None] = mapped_column(BigInteger)
    attributes: Mapped[dict[str, Any]]
    events: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    resource_attributes: Mapped[dict[str, Any]]
    scope_name: Mapped[str | None] = mapped_column(Text)
    scope_version: Mapped[str | None] = mapped_column(Text)


SOURCES = ("human", "api", "eval")
MAX_ANNOTATOR_ID = 255


class Label(Base):
    """An annotation label of a project. Its current meaning is `version`; every change of
    type or settings adds a LabelVersion, so values keep the meaning they were given under.
    """

    __tablename__ = "labels"
    __table_args__ = (
        # Names are unique ignoring case among the labels in use; an archived label's
        # name can be taken again.
        Index(
            None,
            "project_rowid",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        CheckConstraint(_in("type", tuple(LabelType)), name="type"),
    )

    label_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class LabelVersion(Base):
    __tablename__ = "label_versions"
    __table_args__ = (
        UniqueConstraint("label_rowid", "version"),
        CheckConstraint(_in("type", tuple(LabelType)), name="type"),
    )

    label_version_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    label_rowid: Mapped[int] = mapped_column(ForeignKey("labels.label_rowid", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Annotation(Base):
    """A value of one label (or of a free-form name) on one span, by one annotator.

    `value` is the typed value (null for free-form annotations); `label`, `score` and
    `reason` are the AgentMark view, kept as columns so that filters treat every type
    alike.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        # One annotation per (span, label, annotator): sending it again updates it.
        Index(
            "uq_annotations_span_label_annotator",
            "span_rowid",
            "label_rowid",
            "annotator_id",
            unique=True,
            sqlite_where=text("label_rowid IS NOT NULL"),
            postgresql_where=text("label_rowid IS NOT NULL"),
        ),
        # Free-form annotations (no label) are matched by name instead.
        Index(
            "uq_annotations_span_name_annotator",
            "span_rowid",
            "name_key",
            "annotator_id",
            unique=True,
            sqlite_where=text("label_rowid IS NULL"),
            postgresql_where=text("label_rowid IS NULL"),
        ),
        Index(None, "span_rowid"),
        Index(None, "label_rowid"),
        # Span filters read a project's matching annotations from these when they are few
        # (services/search.py): by Label view, by score, by annotator.
        Index(None, "project_rowid", "name_key", "label"),
        Index(None, "project_rowid", "name_key", "score"),
        Index(None, "project_rowid", "annotator_id"),
        CheckConstraint(_in("source", SOURCES), name="source"),
    )

    annotation_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    span_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("spans.span_rowid", ondelete="CASCADE")
    )
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    label_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("labels.label_rowid", ondelete="CASCADE")
    )
    label_version: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    annotator_id: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    source: Mapped[str] = mapped_column(String(10))
    value: Mapped[Any | None] = mapped_column(JsonType)
    label: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(200))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(Base):
    """Free text on a span. The same text from the same annotator is stored once."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("span_rowid", "annotator_id", "text_hash"),)

    note_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    span_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("spans.span_rowid", ondelete="CASCADE")
    )
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    annotator_id: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    text: Mapped[str] = mapped_column(Text)
    # SHA-256 of the text: the uniqueness key, since the text itself may be long.
    text_hash: Mapped[str] = mapped_column(String(64))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in dashboard user. The cookie holds a random token; only its hash is here,
    so sessions survive restarts and work across server processes."""

    __tablename__ = "web_sessions"

    web_session_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_rowid: Mapped[int] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="CASCADE"), index=True
    )
    workspace_rowid: Mapped[int] = mapped_column(
        ForeignKey("workspaces.workspace_rowid", ondelete="CASCADE")
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SignInFailure(Base):
    """One failed sign-in, counted to throttle guessing (kept in the database, so every
    server process sees the same count)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index(None, "email", "created_at"),)

    sign_in_failure_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthFailure(Base):
    """One failed key check or sign-in from a client address, counted to throttle
    guessing from that address (in the database, so every server process shares it)."""

    __tablename__ = "auth_failures"
    __table_args__ = (Index(None, "client_address", "created_at"), Index(None, "created_at"))

    auth_failure_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(Base):
    """The output a reviewer says a span should have given: the expected output of golden
    datasets. One per span; a new correction replaces the last one (author and time
    follow it)."""

    __tablename__ = "corrections"
    __table_args__ = (Index(None, "project_rowid"),)

    correction_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    span_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("spans.span_rowid", ondelete="CASCADE"), unique=True
    )
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    output: Mapped[str] = mapped_column(Text)
    annotator_id: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dataset(Base):
    """A named golden set of a project; each save adds a DatasetVersion."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("project_rowid", "name_key"),)

    dataset_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetVersion(Base):
    """One saved export: the filter and format it was made with, who made it and when,
    and the file itself (in DatasetChunk rows), so a download gives the same bytes later
    whatever has changed since."""

    __tablename__ = "dataset_versions"
    __table_args__ = (
        UniqueConstraint("dataset_rowid", "version"),
        CheckConstraint(_in("format", FORMATS), name="format"),
    )

    dataset_version_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    dataset_rowid: Mapped[int] = mapped_column(
        ForeignKey("datasets.dataset_rowid", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    filter: Mapped[dict[str, Any]]
    format: Mapped[str] = mapped_column(String(20))
    preference_label: Mapped[str | None] = mapped_column(String(500))
    span_count: Mapped[int] = mapped_column(Integer)
    record_count: Mapped[int] = mapped_column(Integer)
    # Spans that could not become a record, counted by reason.
    skipped: Mapped[dict[str, Any]]
    byte_size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetChunk(Base):
    """A piece of a saved file, in order; pieces keep memory flat while saving and
    downloading, and live in the database so every server process can serve them."""

    __tablename__ = "dataset_chunks"

    dataset_version_rowid: Mapped[int] = mapped_column(
        ForeignKey("dataset_versions.dataset_version_rowid", ondelete="CASCADE"),
        primary_key=True,
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


QUEUE_STATUSES = ("active", "paused", "archived")
QUEUE_ROLES = ("annotator", "reviewer")
ASSIGNMENT_STATUSES = ("reserved", "completed", "skipped")


class Queue(Base):
    """A managed review of a project's spans: the labels to fill, who fills them, and how
    many people each item needs."""

    __tablename__ = "queues"
    __table_args__ = (
        UniqueConstraint("project_rowid", "name_key"),
        CheckConstraint(_in("status", QUEUE_STATUSES), name="status"),
        CheckConstraint("annotators_per_item >= 1", name="annotators_per_item"),
        CheckConstraint("reservation_seconds >= 1", name="reservation_seconds"),
    )

    queue_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    annotators_per_item: Mapped[int] = mapped_column(Integer, default=1)
    reservation_seconds: Mapped[int] = mapped_column(Integer, default=600)
    # True: everyone who may annotate in the workspace; False: the queue's members only.
    open_to_all: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueueLabel(Base):
    """A label the queue's annotators fill, in the order the form shows them."""

    __tablename__ = "queue_labels"

    queue_rowid: Mapped[int] = mapped_column(
        ForeignKey("queues.queue_rowid", ondelete="CASCADE"), primary_key=True
    )
    label_rowid: Mapped[int] = mapped_column(
        ForeignKey("labels.label_rowid", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(default=True)


class QueueMember(Base):
    """An annotator assigned to a queue, or a reviewer who may adjudicate it (by annotator
    id: a dashboard user's email, or any id an API client names)."""

    __tablename__ = "queue_members"
    __table_args__ = (CheckConstraint(_in("role", QUEUE_ROLES), name="role"),)

    queue_rowid: Mapped[int] = mapped_column(
        ForeignKey("queues.queue_rowid", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class QueueItem(Base):
    """A span in a queue. Handed out in `position` order; `completed_at` is set once
    enough annotators have completed it (so finding the next item reads an index)."""

    __tablename__ = "queue_items"
    __table_args__ = (
        # A span is never in one queue twice.
        UniqueConstraint("queue_rowid", "span_rowid"),
        # The items still to hand out, in order: the next item is the first of these an
        # annotator may take (an index of every item would make PostgreSQL sort them all).
        Index(
            "ix_queue_items_pending",
            "queue_rowid",
            "position",
            "queue_item_rowid",
            sqlite_where=text("completed_at IS NULL"),
            postgresql_where=text("completed_at IS NULL"),
        ),
        # Pages of a queue's items in order; counts of its items by kind and completion.
        Index(None, "queue_rowid", "position", "queue_item_rowid"),
        Index(None, "queue_rowid", "gold", "completed_at"),
        Index(None, "span_rowid"),
    )

    queue_item_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    queue_rowid: Mapped[int] = mapped_column(ForeignKey("queues.queue_rowid", ondelete="CASCADE"))
    span_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("spans.span_rowid", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(BigInteger)
    # A gold item has known answers (GoldValue rows): every annotator gets it once, unaware,
    # and it measures their accuracy instead of counting towards the queue's progress.
    gold: Mapped[bool] = mapped_column(default=False)
    added_by: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class QueueAssignment(Base):
    """One annotator's turn at an item: reserved (until `reserved_until`), completed or
    skipped. One per item and annotator."""

    __tablename__ = "queue_assignments"
    __table_args__ = (
        UniqueConstraint("queue_item_rowid", "annotator_id"),
        Index(None, "queue_rowid", "annotator_id", "status"),
        CheckConstraint(_in("status", ASSIGNMENT_STATUSES), name="status"),
    )

    queue_assignment_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    queue_item_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("queue_items.queue_item_rowid", ondelete="CASCADE")
    )
    queue_rowid: Mapped[int] = mapped_column(ForeignKey("queues.queue_rowid", ondelete="CASCADE"))
    annotator_id: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    status: Mapped[str] = mapped_column(String(20))
    reserved_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the annotator last completed or skipped it: the order of their history.
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class GoldValue(Base):
    """The agreed value of a label on a span: recorded by an adjudicator where annotators
    disagree, or given with a gold item. Kept apart from the annotations it settles."""

    __tablename__ = "gold_values"
    __table_args__ = (UniqueConstraint("span_rowid", "label_rowid"), Index(None, "project_rowid"))

    gold_value_rowid: Mapped[int] = mapped_column(RowId, primary_key=True)
    span_rowid: Mapped[int] = mapped_column(
        RowId, ForeignKey("spans.span_rowid", ondelete="CASCADE")
    )
    project_rowid: Mapped[int] = mapped_column(
        ForeignKey("projects.project_rowid", ondelete="CASCADE")
    )
    label_rowid: Mapped[int] = mapped_column(ForeignKey("labels.label_rowid", ondelete="CASCADE"))
    label_version: Mapped[int] = mapped_column(Integer)
    value: Mapped[Any] = mapped_column(JsonType)
    label: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    queue_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("queues.queue_rowid", ondelete="SET NULL")
    )
    decided_by: Mapped[str] = mapped_column(String(MAX_ANNOTATOR_ID))
    user_rowid: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_rowid", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# Made by migration 0005 on one database only, so not declared above (SQLAlchemy has no
# FTS5 table, and Alembic compares an index on every database or on none): schema
# comparisons pass over them (`include_name`). See storage/fulltext.py.
FTS_TABLE = "spans_fts"
TRIGRAM_INDEXES = {
    "name": "ix_spans_name_trgm",
    "input_value": "ix_spans_input_value_trgm",
    "output_value": "ix_spans_output_value_trgm",
}
# PostgreSQL: GIN over categorical values (JSON lists), for "value contains an option".
OPTIONS_INDEX = "ix_annotations_value_options"
DIALECT_OBJECTS = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "docsize", "config", "content")),
        *TRIGRAM_INDEXES.values(),
        OPTIONS_INDEX,
    }
)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's comparisons: every object but those of DIALECT_OBJECTS."""
    return name not in DIALECT_OBJECTS
