"""Civic channel: outcomes of closed submissions, written by staff

Revision ID: 0033
Revises: 0032

Issue 17, item 4 ("you said, we did"): one outcome a submission, in English and Spanish,
with who wrote it and when; published only for closed submissions flagged public.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "civic_outcomes",
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("civic_submissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("text_es", sa.Text(), nullable=False),
        sa.Column("written_by", sa.String(64), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("civic_outcomes")
