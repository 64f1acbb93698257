"""Alembic environment: runs on the connection annotrace hands over (see `migrate.py`)."""

from __future__ import annotations

from alembic import context

from annotrace.storage.models import Base, include_name

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
