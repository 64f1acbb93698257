"""failed key checks and sign-ins per client address, for throttling

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_failures",
        sa.Column("auth_failure_rowid", sa.Integer(), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("auth_failure_rowid", name=op.f("pk_auth_failures")),
    )
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_failures_client_address_created_at"),
            ["client_address", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_auth_failures_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("auth_failures")
