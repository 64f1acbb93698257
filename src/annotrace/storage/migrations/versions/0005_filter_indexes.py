"""indexes for span filters: annotations by label value, option, score, annotator; span text

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT_COLUMNS = ("name", "input_value", "output_value")

# Without statistics SQLite takes an equality on an index's first column to match about
# ten rows: a project would look like ten spans, and the planner would scan its spans
# newest first rather than fetch the few spans that a rare annotation names. These
# figures describe a large project (one of ten, a million spans, two annotations each);
# ANALYZE replaces them with measured ones. (table, index, stat) as sqlite_stat1 holds them.
SQLITE_STATS = (
    ("spans", None, "1000000"),
    ("spans", "ix_spans_project_rowid_start_time_span_id", "1000000 100000 1 1"),
    ("spans", "ix_spans_span_id", "1000000 1"),
    ("spans", "sqlite_autoindex_spans_1", "1000000 10 1"),
    ("annotations", None, "2000000"),
    ("annotations", "ix_annotations_span_rowid", "2000000 2"),
    ("annotations", "ix_annotations_label_rowid", "2000000 40000"),
    ("annotations", "ix_annotations_project_rowid_name_key_label", "2000000 200000 20000 5000"),
    # A shade less selective by label than the index above, which also holds the Label
    # view that conditions on a label without a score read.
    ("annotations", "ix_annotations_project_rowid_name_key_score", "2000000 200000 25000 100"),
    ("annotations", "ix_annotations_project_rowid_annotator_id", "2000000 200000 20000"),
    ("annotations", "uq_annotations_span_label_annotator", "2000000 2 1 1"),
    ("annotations", "uq_annotations_span_name_annotator", "2000000 2 1 1"),
    ("annotations", "sqlite_autoindex_annotations_1", "2000000 1"),
)


def upgrade() -> None:
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spans_project_rowid_start_time"))
        # With span_id, the index is the page order itself, and the cursor a range of it.
        batch_op.create_index(
            batch_op.f("ix_spans_project_rowid_start_time_span_id"),
            ["project_rowid", "start_time", "span_id"],
            unique=False,
        )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        # A prefix of the (project_rowid, name_key, label) index below.
        batch_op.drop_index(batch_op.f("ix_annotations_project_rowid_name_key"))
        batch_op.create_index(
            batch_op.f("ix_annotations_project_rowid_name_key_label"),
            ["project_rowid", "name_key", "label"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_annotations_project_rowid_name_key_score"),
            ["project_rowid", "name_key", "score"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_annotations_project_rowid_annotator_id"),
            ["project_rowid", "annotator_id"],
            unique=False,
        )
    if op.get_context().dialect.name == "sqlite":
        _sqlite_full_text()
        _sqlite_statistics()
    else:
        _postgresql_gin_indexes()


_FTS_INSERT = (
    "INSERT INTO spans_fts(rowid, name, input_value, output_value) "
    "VALUES (new.span_rowid, new.name, new.input_value, new.output_value);"
)
# An external-content FTS table forgets a row by being told its old values.
_FTS_DELETE = (
    "INSERT INTO spans_fts(spans_fts, rowid, name, input_value, output_value) "
    "VALUES ('delete', old.span_rowid, old.name, old.input_value, old.output_value);"
)


def _sqlite_full_text() -> None:
    # The triggers belong to `spans`: a later migration that copies the table (batch
    # mode) must create them again, and the sqlite_stat1 rows.
    # External content: the text stays in `spans`, the FTS table holds only the index.
    # columnsize=0: sizes serve ranking, which substring search does not do.
    op.execute(
        "CREATE VIRTUAL TABLE spans_fts USING fts5(name, input_value, output_value, "
        "content='spans', content_rowid='span_rowid', tokenize='trigram', columnsize=0)"
    )
    op.execute(f"CREATE TRIGGER spans_fts_insert AFTER INSERT ON spans BEGIN {_FTS_INSERT} END")
    op.execute(f"CREATE TRIGGER spans_fts_delete AFTER DELETE ON spans BEGIN {_FTS_DELETE} END")
    op.execute(
        "CREATE TRIGGER spans_fts_update AFTER UPDATE OF name, input_value, output_value "
        f"ON spans BEGIN {_FTS_DELETE} {_FTS_INSERT} END"
    )
    op.execute("INSERT INTO spans_fts(spans_fts) VALUES ('rebuild')")


def _sqlite_statistics() -> None:
    # Creates sqlite_stat1 when missing, without measuring any table.
    op.execute("ANALYZE sqlite_schema")
    op.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('spans', 'annotations')")
    op.get_bind().execute(
        sa.text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:table, :index, :stat)"),
        [{"table": table, "index": index, "stat": stat} for table, index, stat in SQLITE_STATS],
    )
    # Loads them into this connection's schema; other connections read them on opening.
    op.execute("ANALYZE sqlite_schema")


def _postgresql_gin_indexes() -> None:
    # pg_trgm ships with PostgreSQL and is a trusted extension: a database owner may
    # create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TEXT_COLUMNS:
        # On PostgreSQL SQLAlchemy's icontains is ILIKE, which gin_trgm_ops serves.
        op.execute(
            f"CREATE INDEX ix_spans_{column}_trgm ON spans USING gin ({column} gin_trgm_ops)"
        )
    # Only JSON lists (categorical values): "contains an option" asks nothing of others.
    op.execute(
        "CREATE INDEX ix_annotations_value_options ON annotations "
        "USING gin (value jsonb_path_ops) WHERE jsonb_typeof(value) = 'array'"
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('spans', 'annotations')")
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER spans_fts_{trigger}")
        op.execute("DROP TABLE spans_fts")
    else:
        # The extension stays: dropping it fails if anything else in the database uses it.
        op.execute("DROP INDEX ix_annotations_value_options")
        for column in TEXT_COLUMNS:
            op.execute(f"DROP INDEX ix_spans_{column}_trgm")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotations_project_rowid_annotator_id"))
        batch_op.drop_index(batch_op.f("ix_annotations_project_rowid_name_key_score"))
        batch_op.drop_index(batch_op.f("ix_annotations_project_rowid_name_key_label"))
        batch_op.create_index(
            batch_op.f("ix_annotations_project_rowid_name_key"),
            ["project_rowid", "name_key"],
            unique=False,
        )
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spans_project_rowid_start_time_span_id"))
        batch_op.create_index(
            batch_op.f("ix_spans_project_rowid_start_time"),
            ["project_rowid", "start_time"],
            unique=False,
        )
