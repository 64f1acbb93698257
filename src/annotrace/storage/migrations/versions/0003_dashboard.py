"""dashboard sessions, sign-in failures, trace annotation counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("sign_in_failure_rowid", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sign_in_failure_rowid", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_failures_email_created_at"),
            ["email", "created_at"],
            unique=False,
        )

    op.create_table(
        "web_sessions",
        sa.Column("web_session_rowid", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=False),
        sa.Column("workspace_rowid", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_web_sessions_user_rowid_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_rowid"],
            ["workspaces.workspace_rowid"],
            name=op.f("fk_web_sessions_workspace_rowid_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("web_session_rowid", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_user_rowid"), ["user_rowid"], unique=False
        )

    with op.batch_alter_table("traces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("annotation_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("eval_count", sa.Integer(), server_default="0", nullable=False)
        )
    # Count what is already annotated.
    op.execute(
        "UPDATE traces SET "
        "annotation_count = (SELECT count(*) FROM annotations JOIN spans "
        "ON spans.span_rowid = annotations.span_rowid WHERE spans.trace_rowid = "
        "traces.trace_rowid AND annotations.source <> 'eval'), "
        "eval_count = (SELECT count(*) FROM annotations JOIN spans "
        "ON spans.span_rowid = annotations.span_rowid WHERE spans.trace_rowid = "
        "traces.trace_rowid AND annotations.source = 'eval')"
    )


def downgrade() -> None:
    with op.batch_alter_table("traces", schema=None) as batch_op:
        batch_op.drop_column("eval_count")
        batch_op.drop_column("annotation_count")

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_rowid"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failures_email_created_at"))

    op.drop_table("sign_in_failures")
