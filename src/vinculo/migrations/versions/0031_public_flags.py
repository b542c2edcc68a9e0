"""Assistance: items flagged for public aggregation; the ledger by unit

Revision ID: 0031
Revises: 0030

Issue 16, item 7. A row per item (ledger row, vetting request, allegation) a publisher
flagged to count in the public tables, with the values it counts under, fixed when flagged;
and the ledger indexed by recipient unit with every column the accountability view groups
and sums, so a unit's view is read from the index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_flags",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("facets", sa.JSON(), nullable=False),
        sa.Column("usd", sa.Numeric(18, 2), nullable=True),
        sa.Column("flagged_by", sa.String(64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_assistance_transactions_unit_entity",
        "assistance_transactions",
        ["unit_entity_id", "fiscal_year", "type", "unit_name", "marking_id", "usd"],
    )


def downgrade() -> None:
    op.drop_index("ix_assistance_transactions_unit_entity", "assistance_transactions")
    op.drop_table("public_flags")
