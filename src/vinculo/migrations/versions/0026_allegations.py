"""Oversight: allegations of human-rights violations, their violations, alleged perpetrators,
sources, status history and protected parties

Revision ID: 0026
Revises: 0025

Issue 16, item 4. An allegation (bilingual summary, dates, place, alleged unit, status) is
marked like a case; its victims and witnesses (`allegation_parties`) each carry a marking of
their own, so that a reader outside their need-to-know group is never shown them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _allegation_id() -> sa.Column[str]:
    return sa.Column(
        "allegation_id",
        sa.String(32),
        sa.ForeignKey("allegations.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "allegations",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("summary_es", sa.Text(), nullable=False),
        sa.Column("occurred_from", sa.Date(), nullable=False),
        sa.Column("occurred_to", sa.Date(), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("unit_entity_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_allegations_marking_id", "allegations", ["marking_id"])
    op.create_index("ix_allegations_unit_entity_id", "allegations", ["unit_entity_id"])
    op.create_table(
        "allegation_violations",
        sa.Column(
            "allegation_id",
            sa.String(32),
            sa.ForeignKey("allegations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(48), primary_key=True),
    )
    op.create_index("ix_allegation_violations_code", "allegation_violations", ["code"])
    op.create_table(
        "allegation_perpetrators",
        sa.Column(
            "allegation_id",
            sa.String(32),
            sa.ForeignKey("allegations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entity_id", sa.String(128), primary_key=True),
    )
    op.create_table(
        "allegation_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        _allegation_id(),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.Integer(), nullable=False),
    )
    op.create_index("ix_allegation_sources_allegation_id", "allegation_sources", ["allegation_id"])
    op.create_table(
        "allegation_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _allegation_id(),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_allegation_status_changes_allegation",
        "allegation_status_changes",
        ["allegation_id", "id"],
    )
    op.create_table(
        "allegation_parties",
        sa.Column("id", sa.Integer(), primary_key=True),
        _allegation_id(),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
    )
    op.create_index("ix_allegation_parties_allegation_id", "allegation_parties", ["allegation_id"])
    op.create_index("ix_allegation_parties_marking_id", "allegation_parties", ["marking_id"])


def downgrade() -> None:
    op.drop_table("allegation_parties")
    op.drop_table("allegation_status_changes")
    op.drop_table("allegation_sources")
    op.drop_table("allegation_perpetrators")
    op.drop_table("allegation_violations")
    op.drop_table("allegations")
