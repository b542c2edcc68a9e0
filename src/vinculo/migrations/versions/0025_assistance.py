"""Assistance: assistance_programmes and assistance_transactions (the funding ledger)

Revision ID: 0025
Revises: 0024

Issue 16, item 1. Programmes (bilingual name, Mérida pillar or Bicentennial goal, funding
account, DAC purpose, implementing partner) and ledger transactions (fiscal year, type, USD
and where known MXN and rate, source, release, a stable key per source row), each marked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 2)


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("release", sa.String(100), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "assistance_programmes",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_es", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("pillar", sa.String(32), nullable=True),
        sa.Column("goal", sa.String(32), nullable=True),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("sector", sa.String(8), nullable=False),
        sa.Column("partner", sa.String(300), nullable=False),
        sa.Column("funding_agency", sa.String(200), nullable=False),
        sa.Column("managing_agency", sa.String(200), nullable=False),
        *_common(),
    )
    op.create_index("ix_assistance_programmes_marking_id", "assistance_programmes", ["marking_id"])
    op.create_table(
        "assistance_transactions",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column(
            "programme_id",
            sa.String(32),
            sa.ForeignKey("assistance_programmes.id"),
            nullable=False,
        ),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("transaction_date", sa.Date(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("partner", sa.String(300), nullable=False),
        sa.Column("unit_name", sa.String(300), nullable=False),
        sa.Column("unit_entity_id", sa.String(128), nullable=True),
        sa.Column("usd", MONEY, nullable=False),
        sa.Column("constant_usd", MONEY, nullable=True),
        sa.Column("mxn", MONEY, nullable=True),
        sa.Column("rate", sa.Numeric(14, 6), nullable=True),
        sa.Column("reverses", sa.String(200), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        *_common(),
    )
    for name, columns in (
        ("ix_assistance_transactions_marking_id", ["marking_id"]),
        ("ix_assistance_transactions_programme_id", ["programme_id"]),
        ("ix_assistance_transactions_year", ["fiscal_year", "type"]),
        ("ix_assistance_transactions_partner", ["partner"]),
        ("ix_assistance_transactions_unit", ["unit_name"]),
    ):
        op.create_index(name, "assistance_transactions", columns)


def downgrade() -> None:
    op.drop_table("assistance_transactions")
    op.drop_table("assistance_programmes")
