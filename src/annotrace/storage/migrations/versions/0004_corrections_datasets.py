"""corrections and saved datasets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from annotrace.storage.types import JsonType, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_TYPE = JsonType
# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets 64-bit keys.
ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_datasets_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_rowid", name=op.f("pk_datasets")),
        sa.UniqueConstraint("id", name=op.f("uq_datasets_id")),
        sa.UniqueConstraint(
            "project_rowid", "name_key", name=op.f("uq_datasets_project_rowid_name_key")
        ),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("dataset_version_rowid", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dataset_rowid", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filter", JSON_TYPE, nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("preference_label", sa.String(length=500), nullable=True),
        sa.Column("span_count", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("skipped", JSON_TYPE, nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "format IN ('jsonl', 'csv', 'parquet', 'openai-chat', 'preference-pairs')",
            name=op.f("ck_dataset_versions_format"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_rowid"],
            ["datasets.dataset_rowid"],
            name=op.f("fk_dataset_versions_dataset_rowid_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_dataset_versions_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("dataset_version_rowid", name=op.f("pk_dataset_versions")),
        sa.UniqueConstraint(
            "dataset_rowid", "version", name=op.f("uq_dataset_versions_dataset_rowid_version")
        ),
        sa.UniqueConstraint("id", name=op.f("uq_dataset_versions_id")),
    )
    op.create_table(
        "corrections",
        sa.Column("correction_rowid", ROWID, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("span_rowid", ROWID, nullable=False),
        sa.Column("project_rowid", sa.Integer(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("annotator_id", sa.String(length=255), nullable=False),
        sa.Column("user_rowid", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_corrections_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["span_rowid"],
            ["spans.span_rowid"],
            name=op.f("fk_corrections_span_rowid_spans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_corrections_user_rowid_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("correction_rowid", name=op.f("pk_corrections")),
        sa.UniqueConstraint("id", name=op.f("uq_corrections_id")),
        sa.UniqueConstraint("span_rowid", name=op.f("uq_corrections_span_rowid")),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrections_project_rowid"), ["project_rowid"], unique=False
        )

    op.create_table(
        "dataset_chunks",
        sa.Column("dataset_version_rowid", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_version_rowid"],
            ["dataset_versions.dataset_version_rowid"],
            name=op.f("fk_dataset_chunks_dataset_version_rowid_dataset_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_version_rowid", "seq", name=op.f("pk_dataset_chunks")),
    )


def downgrade() -> None:
    op.drop_table("dataset_chunks")
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_project_rowid"))

    op.drop_table("corrections")
    op.drop_table("dataset_versions")
    op.drop_table("datasets")
