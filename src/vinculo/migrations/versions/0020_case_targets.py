"""Target deconfliction on the node: case_targets, case_target_hashes, case_notices

Revision ID: 0020
Revises: 0019

Issue 15, item 2 (same node). A registration's keys are kept only as keyed hashes under the
node-local key, indexed by hash for the check.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_targets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=True),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_agency", sa.String(16), nullable=False),
        sa.Column("contact_phone", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_case_targets_case_id", "case_targets", ["case_id"])
    op.create_table(
        "case_target_hashes",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column(
            "target_id",
            sa.String(32),
            sa.ForeignKey("case_targets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "target_id",
            sa.String(32),
            sa.ForeignKey("case_targets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_agency", sa.String(16), nullable=False),
        sa.Column("contact_phone", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_notices_case_id", "case_notices", ["case_id"])


def downgrade() -> None:
    for table in ("case_notices", "case_target_hashes", "case_targets"):
        op.drop_table(table)
