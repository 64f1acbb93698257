"""labels, label versions, annotations, notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import JsonType, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_TYPE = JsonType
# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets 64-bit keys.
ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("label_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("settings", JSON_TYPE, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "type IN ('text', 'numeric', 'categorical', 'star', 'thumbs_up_down')",
            name=op.f("ck_labels_type"),
        ),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_labels_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("label_rowid", name=op.f("pk_labels")),
        sa.UniqueConstraint("id", name=op.f("uq_labels_id")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_labels_project_rowid_name_key"),
            ["project_rowid", "name_key"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "label_versions",
        sa.Column("label_version_rowid", sa.Integer(), nullable=False),
        sa.Column("label_rowid", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("settings", JSON_TYPE, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('text', 'numeric', 'categorical', 'star', 'thumbs_up_down')",
            name=op.f("ck_label_versions_type"),
        ),
        sa.ForeignKeyConstraint(
            ["label_rowid"],
            ["labels.label_rowid"],
            name=op.f("fk_label_versions_label_rowid_labels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("label_version_rowid", name=op.f("pk_label_versions")),
        sa.UniqueConstraint(
            "label_rowid", "version", name=op.f("uq_label_versions_label_rowid_version")
        ),
    )
    op.create_table(
        "annotations",
        sa.Column("annotation_rowid", ROWID, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("label_rowid", sa.Integer(), nullable=True),
        sa.Column("label_version", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("annotator_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("value", JSON_TYPE, nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('human', 'api', 'eval')", name=op.f("ck_annotations_source")
        ),
        sa.ForeignKeyConstraint(
            ["label_rowid"],
            ["labels.label_rowid"],
            name=op.f("fk_annotations_label_rowid_labels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_annotations_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["span_rowid"],
            ["spans.span_rowid"],
            name=op.f("fk_annotations_span_rowid_spans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_annotations_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("annotation_rowid", name=op.f("pk_annotations")),
        sa.UniqueConstraint("id", name=op.f("uq_annotations_id")),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotations_span_rowid"), ["span_rowid"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_annotations_label_rowid"), ["label_rowid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_annotations_project_rowid_name_key"),
            ["project_rowid", "name_key"],
            unique=False,
        )
        batch_op.create_index(
            "uq_annotations_span_label_annotator",
            ["span_rowid", "label_rowid", "annotator_id"],
            unique=True,
            sqlite_where=sa.text("label_rowid IS NOT NULL"),
            postgresql_where=sa.text("label_rowid IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_annotations_span_name_annotator",
            ["span_rowid", "name_key", "annotator_id"],
            unique=True,
            sqlite_where=sa.text("label_rowid IS NULL"),
            postgresql_where=sa.text("label_rowid IS NULL"),
        )

    op.create_table(
        "notes",
        sa.Column("note_rowid", ROWID, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_notes_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["span_rowid"],
            ["spans.span_rowid"],
            name=op.f("fk_notes_span_rowid_spans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_notes_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("note_rowid", name=op.f("pk_notes")),
        sa.UniqueConstraint("id", name=op.f("uq_notes_id")),
        sa.UniqueConstraint(
            "span_rowid",
            "annotator_id",
            "text_hash",
            name=op.f("uq_notes_span_rowid_annotator_id_text_hash"),
        ),
    )


def downgrade() -> None:
    op.drop_table("notes")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_annotations_span_name_annotator",
            sqlite_where=sa.text("label_rowid IS NULL"),
            postgresql_where=sa.text("label_rowid IS NULL"),
        )
        batch_op.drop_index(
            "uq_annotations_span_label_annotator",
            sqlite_where=sa.text("label_rowid IS NOT NULL"),
            postgresql_where=sa.text("label_rowid IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_annotations_project_rowid_name_key"))
        batch_op.drop_index(batch_op.f("ix_annotations_label_rowid"))
        batch_op.drop_index(batch_op.f("ix_annotations_span_rowid"))

    op.drop_table("annotations")
    op.drop_table("label_versions")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_labels_project_rowid_name_key"),
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.drop_table("labels")
