"""foundation: workspaces, users, keys, projects, traces, spans

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import JsonType, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_TYPE = JsonType
# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets 64-bit keys.
ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_rowid", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("id", name=op.f("uq_users_id")),
    )
    op.create_table(
        "workspaces",
        sa.Column("workspace_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_rowid", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("id", name=op.f("uq_workspaces_id")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("api_key_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_rowid", sa.Integer(), nullable=False),
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_rowid"],
            ["workspaces.workspace_rowid"],
            name=op.f("fk_api_keys_workspace_rowid_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_rowid", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("api_key", name=op.f("uq_api_keys_api_key")),
        sa.UniqueConstraint("id", name=op.f("uq_api_keys_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_workspace_rowid"), ["workspace_rowid"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column("membership_rowid", sa.Integer(), nullable=False),
        sa.Column("workspace_rowid", sa.Integer(), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'annotator', 'viewer')", name=op.f("ck_memberships_role")
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_memberships_user_rowid_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_rowid"],
            ["workspaces.workspace_rowid"],
            name=op.f("fk_memberships_workspace_rowid_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("membership_rowid", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "workspace_rowid", "user_rowid", name=op.f("uq_memberships_workspace_rowid_user_rowid")
        ),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_user_rowid"), ["user_rowid"], unique=False)

    op.create_table(
        "projects",
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_rowid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_rowid"],
            ["workspaces.workspace_rowid"],
            name=op.f("fk_projects_workspace_rowid_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", name=op.f("pk_projects")),
        sa.UniqueConstraint("id", name=op.f("uq_projects_id")),
        sa.UniqueConstraint(
            "workspace_rowid", "name", name=op.f("uq_projects_workspace_rowid_name")
        ),
    )
    op.create_table(
        "traces",
        sa.Column("trace_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("start_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("span_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("total_tokens", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_traces_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trace_rowid", name=op.f("pk_traces")),
        sa.UniqueConstraint(
            "project_rowid", "trace_id", name=op.f("uq_traces_project_rowid_trace_id")
        ),
    )
    with op.batch_alter_table("traces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_traces_project_rowid_start_time_trace_id"),
            ["project_rowid", "start_time", "trace_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_traces_trace_id"), ["trace_id"], unique=False)

    op.create_table(
        "spans",
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("trace_rowid", ROWID, nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("parent_span_id", sa.String(length=16), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("otel_kind", sa.String(length=20), nullable=False),
        sa.Column("start_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_time", UtcDateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.String(length=10), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("input_value", sa.Text(), nullable=True),
        sa.Column("input_mime_type", sa.String(length=100), nullable=True),
        sa.Column("output_value", sa.Text(), nullable=True),
        sa.Column("output_mime_type", sa.String(length=100), nullable=True),
        sa.Column("model_name", sa.Text(), nullable=True),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=True),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=True),
        sa.Column("total_tokens", sa.BigInteger(), nullable=True),
        sa.Column("attributes", JSON_TYPE, nullable=False),
        sa.Column("events", JSON_TYPE, nullable=False),
        sa.Column("links", JSON_TYPE, nullable=False),
        sa.Column("resource_attributes", JSON_TYPE, nullable=False),
        sa.Column("scope_name", sa.Text(), nullable=True),
        sa.Column("scope_version", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('LLM', 'CHAIN', 'AGENT', 'TOOL', 'RETRIEVER', 'EMBEDDING', 'RERANKER', 'GUARDRAIL', 'EVALUATOR', 'UNKNOWN')",
            name=op.f("ck_spans_kind"),
        ),
        sa.CheckConstraint(
            "status_code IN ('UNSET', 'OK', 'ERROR')", name=op.f("ck_spans_status_code")
        ),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_spans_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trace_rowid"],
            ["traces.trace_rowid"],
            name=op.f("fk_spans_trace_rowid_traces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("span_rowid", name=op.f("pk_spans")),
        sa.UniqueConstraint("trace_rowid", "span_id", name=op.f("uq_spans_trace_rowid_span_id")),
    )
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spans_project_rowid_start_time"),
            ["project_rowid", "start_time"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_spans_span_id"), ["span_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spans_span_id"))
        batch_op.drop_index(batch_op.f("ix_spans_project_rowid_start_time"))

    op.drop_table("spans")
    with op.batch_alter_table("traces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_traces_trace_id"))
        batch_op.drop_index(batch_op.f("ix_traces_project_rowid_start_time_trace_id"))

    op.drop_table("traces")
    op.drop_table("projects")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_rowid"))

    op.drop_table("memberships")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_workspace_rowid"))

    op.drop_table("api_keys")
    op.drop_table("workspaces")
    op.drop_table("users")
