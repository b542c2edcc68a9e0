"""Screening: the statements' birth dates indexed by entity

Revision ID: 0034
Revises: 0033

Issue 16 (vetting screening of 1,000 names against 1,000,000 persons). Screening with a
birth date keeps a name token's matches whose entity's birth date, as the reader may see it,
agrees with the query's: it reads the birth dates of the matches' entities. A partial index
of the birthDate statements by entity and marking, holding the value, answers an entity's in
one look-up (instead of reading every statement of the entity) and all of them in one scan of
the index. Made from the rows already stored, on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_statements_birth_dates",
        "statements",
        ["entity_id", "marking_id", "value"],
        sqlite_where=sa.text("prop = 'birthDate'"),
        postgresql_where=sa.text("prop = 'birthDate'"),
    )


def downgrade() -> None:
    op.drop_index("ix_statements_birth_dates", "statements")
