"""Outcomes: programme result indicators and their periods, municipal indicators

Revision ID: 0030
Revises: 0028

Issue 16, item 6. A programme's indicators (title in English and Spanish, a count or a
percentage, ascending or not, baseline and target by year), marked like the programme, and
what each measured by period; municipal indicators (an INEGI municipality, an indicator of
vocab/municipal_indicators.yml, a year, a value and the source that published it), public.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALUE = sa.Numeric(20, 4)


def upgrade() -> None:
    op.create_table(
        "assistance_indicators",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "programme_id",
            sa.String(32),
            sa.ForeignKey("assistance_programmes.id"),
            nullable=False,
        ),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("title_es", sa.Text(), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("ascending", sa.Boolean(), nullable=False),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("baseline_value", VALUE, nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("target_value", VALUE, nullable=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("release", sa.String(100), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("programme_id", "code", name="uq_assistance_indicators"),
    )
    op.create_index("ix_assistance_indicators_marking_id", "assistance_indicators", ["marking_id"])
    op.create_table(
        "assistance_indicator_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "indicator_id",
            sa.String(32),
            sa.ForeignKey("assistance_indicators.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("actual", VALUE, nullable=True),
        sa.Column("target", VALUE, nullable=True),
        sa.UniqueConstraint("indicator_id", "period_start", name="uq_assistance_indicator_periods"),
    )
    op.create_table(
        "municipal_indicators",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("municipality", sa.String(5), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", VALUE, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("file", sa.String(300), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "municipality", "code", "year", "source", name="uq_municipal_indicators"
        ),
    )
    op.create_index("ix_municipal_indicators_code", "municipal_indicators", ["code", "year"])
    op.create_index("ix_municipal_indicators_state", "municipal_indicators", ["state"])


def downgrade() -> None:
    op.drop_table("municipal_indicators")
    op.drop_table("assistance_indicator_periods")
    op.drop_table("assistance_indicators")
