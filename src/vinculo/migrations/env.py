"""Alembic environment: runs against the connection handed over by vinculo.migrations.upgrade."""

from __future__ import annotations

from alembic import context

import vinculo.intel.models
import vinculo.security.audit
import vinculo.security.dissemination
import vinculo.security.models
from vinculo.db import Base

_ = (vinculo.intel.models, vinculo.security.audit, vinculo.security.dissemination)
connection = context.config.attributes["connection"]


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    """Search structures are made by hand in migrations; autogenerate must leave them be."""
    if kind == "table" and name is not None and "_fts" in name:
        return False
    # PostgreSQL's stored search vectors (0005) are not in the models.
    return not (kind == "column" and name is not None and name.endswith("_tsv"))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
