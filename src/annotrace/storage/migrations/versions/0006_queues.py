"""annotation queues, assignments and gold values

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import JsonType, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets 64-bit keys.
ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("queue_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("annotators_per_item", sa.Integer(), nullable=False),
        sa.Column("reservation_seconds", sa.Integer(), nullable=False),
        sa.Column("open_to_all", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'archived')", name=op.f("ck_queues_status")
        ),
        sa.CheckConstraint("annotators_per_item >= 1", name=op.f("ck_queues_annotators_per_item")),
        sa.CheckConstraint("reservation_seconds >= 1", name=op.f("ck_queues_reservation_seconds")),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_queues_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_queues_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("queue_rowid", name=op.f("pk_queues")),
        sa.UniqueConstraint("id", name=op.f("uq_queues_id")),
        sa.UniqueConstraint(
            "project_rowid", "name_key", name=op.f("uq_queues_project_rowid_name_key")
        ),
    )
    op.create_table(
        "queue_labels",
        sa.Column("queue_rowid", sa.Integer(), nullable=False),
        sa.Column("label_rowid", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_rowid"],
            ["labels.label_rowid"],
            name=op.f("fk_queue_labels_label_rowid_labels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_rowid"],
            ["queues.queue_rowid"],
            name=op.f("fk_queue_labels_queue_rowid_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue_rowid", "label_rowid", name=op.f("pk_queue_labels")),
    )
    op.create_table(
        "queue_members",
        sa.Column("queue_rowid", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint("role IN ('annotator', 'reviewer')", name=op.f("ck_queue_members_role")),
        sa.ForeignKeyConstraint(
            ["queue_rowid"],
            ["queues.queue_rowid"],
            name=op.f("fk_queue_members_queue_rowid_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "queue_rowid", "annotator_id", "role", name=op.f("pk_queue_members")
        ),
    )
    op.create_table(
        "gold_values",
        sa.Column("gold_value_rowid", ROWID, nullable=False),
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("label_rowid", sa.Integer(), nullable=False),
        sa.Column("label_version", sa.Integer(), nullable=False),
        sa.Column("value", JsonType, nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("queue_rowid", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_rowid"],
            ["labels.label_rowid"],
            name=op.f("fk_gold_values_label_rowid_labels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_gold_values_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_rowid"],
            ["queues.queue_rowid"],
            name=op.f("fk_gold_values_queue_rowid_queues"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["span_rowid"],
            ["spans.span_rowid"],
            name=op.f("fk_gold_values_span_rowid_spans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_gold_values_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("gold_value_rowid", name=op.f("pk_gold_values")),
        sa.UniqueConstraint(
            "span_rowid", "label_rowid", name=op.f("uq_gold_values_span_rowid_label_rowid")
        ),
    )
    op.create_index(
        op.f("ix_gold_values_project_rowid"), "gold_values", ["project_rowid"], unique=False
    )

    op.create_table(
        "queue_items",
        sa.Column("queue_item_rowid", ROWID, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("queue_rowid", sa.Integer(), nullable=False),
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("gold", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        sa.Column("added_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["queue_rowid"],
            ["queues.queue_rowid"],
            name=op.f("fk_queue_items_queue_rowid_queues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["span_rowid"],
            ["spans.span_rowid"],
            name=op.f("fk_queue_items_span_rowid_spans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue_item_rowid", name=op.f("pk_queue_items")),
        sa.UniqueConstraint("id", name=op.f("uq_queue_items_id")),
        sa.UniqueConstraint(
            "queue_rowid", "span_rowid", name=op.f("uq_queue_items_queue_rowid_span_rowid")
        ),
    )
    op.create_index(
        "ix_queue_items_pending",
        "queue_items",
        ["queue_rowid", "position", "queue_item_rowid"],
        unique=False,
        sqlite_where=sa.text("completed_at IS NULL"),
        postgresql_where=sa.text("completed_at IS NULL"),
    )
    op.create_index(
        op.f("ix_queue_items_queue_rowid_position_queue_item_rowid"),
        "queue_items",
        ["queue_rowid", "position", "queue_item_rowid"],
        unique=False,
    )
    op.create_index(
        op.f("ix_queue_items_queue_rowid_gold_completed_at"),
        "queue_items",
        ["queue_rowid", "gold", "completed_at"],
        unique=False,
    )
    op.create_index(op.f("ix_queue_items_span_rowid"), "queue_items", ["span_rowid"], unique=False)

    op.create_table(
        "queue_assignments",
        sa.Column("queue_assignment_rowid", ROWID, nullable=False),
        sa.Column("queue_item_rowid", ROWID, nullable=False),
        sa.Column("queue_rowid", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reserved_until", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('reserved', 'completed', 'skipped')",
            name=op.f("ck_queue_assignments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["queue_item_rowid"],
            ["queue_items.queue_item_rowid"],
            name=op.f("fk_queue_assignments_queue_item_rowid_queue_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_rowid"],
            ["queues.queue_rowid"],
            name=op.f("fk_queue_assignments_queue_rowid_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue_assignment_rowid", name=op.f("pk_queue_assignments")),
        sa.UniqueConstraint(
            "queue_item_rowid",
            "annotator_id",
            name=op.f("uq_queue_assignments_queue_item_rowid_annotator_id"),
        ),
    )
    op.create_index(
        op.f("ix_queue_assignments_queue_rowid_annotator_id_status"),
        "queue_assignments",
        ["queue_rowid", "annotator_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_queue_assignments_queue_rowid_annotator_id_status"), table_name="queue_assignments"
    )

    op.drop_table("queue_assignments")
    op.drop_index(op.f("ix_queue_items_span_rowid"), table_name="queue_items")
    op.drop_index(op.f("ix_queue_items_queue_rowid_gold_completed_at"), table_name="queue_items")
    op.drop_index(
        op.f("ix_queue_items_queue_rowid_position_queue_item_rowid"), table_name="queue_items"
    )
    op.drop_index("ix_queue_items_pending", table_name="queue_items")

    op.drop_table("queue_items")
    op.drop_index(op.f("ix_gold_values_project_rowid"), table_name="gold_values")

    op.drop_table("gold_values")
    op.drop_table("queue_members")
    op.drop_table("queue_labels")
    op.drop_table("queues")
