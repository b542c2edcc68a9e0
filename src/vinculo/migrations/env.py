"""Alembic environment: runs against the connection handed over by vinculo.migrations.upgrade."""

from __future__ import annotations

from alembic import context

from vinculo.migrations.target import include_object, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
