"""Alembic environment: runs against the connection handed over by vinculo.migrations.upgrade."""

from __future__ import annotations

from alembic import context

import vinculo.intel.models
import vinculo.security.models
from vinculo.db import Base

_ = vinculo.intel.models
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
