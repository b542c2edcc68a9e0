"""Resolved identities: scored pairs, the markings of their evidence, analyst decisions

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resolution_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("left_id", sa.String(length=128), nullable=False),
        sa.Column("right_id", sa.String(length=128), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("judgement", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_pairs")),
        sa.UniqueConstraint("left_id", "right_id", name="uq_resolution_pair"),
    )
    op.create_index("ix_resolution_pairs_right", "resolution_pairs", ["right_id"])
    op.create_index("ix_resolution_pairs_judgement", "resolution_pairs", ["judgement"])
    op.create_table(
        "resolution_evidence",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("marking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["resolution_pairs.id"],
            name=op.f("fk_resolution_evidence_pair_id_resolution_pairs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marking_id"],
            ["markings.id"],
            name=op.f("fk_resolution_evidence_marking_id_markings"),
        ),
        sa.PrimaryKeyConstraint("pair_id", "marking_id", name=op.f("pk_resolution_evidence")),
    )
    op.create_table(
        "resolution_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=False),
        sa.Column("judgement", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["resolution_pairs.id"],
            name=op.f("fk_resolution_decisions_pair_id_resolution_pairs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_decisions")),
    )
    op.create_index(op.f("ix_resolution_decisions_pair_id"), "resolution_decisions", ["pair_id"])


def downgrade() -> None:
    op.drop_table("resolution_decisions")
    op.drop_table("resolution_evidence")
    op.drop_table("resolution_pairs")
