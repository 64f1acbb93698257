"""Migrations build exactly the models' schema, and go down and up again, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from annotrace.storage import migrate
from annotrace.storage.engine import Database
from annotrace.storage.models import Base, include_name

TABLES = {"workspaces", "users", "memberships", "api_keys", "projects", "traces", "spans"}


def test_migrated_schema_matches_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_schema_is_at_head(database: Database) -> None:
    assert migrate.current_revision(database) == migrate.head_revision()


def test_downgrade_to_base_and_upgrade_again(database: Database) -> None:
    migrate.downgrade(database, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(database)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    assert migrate.current_revision(database) == migrate.head_revision()


def test_upgrade_twice_changes_nothing(database: Database) -> None:
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.head_revision()


def test_indexes_for_listing_and_fetching(database: Database) -> None:
    inspector = inspect(database.engine)
    trace_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("traces")}
    span_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("spans")}
    span_uniques = {tuple(uq["column_names"]) for uq in inspector.get_unique_constraints("spans")}
    assert ("project_rowid", "start_time", "trace_id") in trace_indexes
    assert ("trace_rowid", "span_id") in span_uniques
    assert ("span_id",) in span_indexes
