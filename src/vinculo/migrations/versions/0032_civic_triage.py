"""Civic channel: submissions pulled from the public site, for triage

Revision ID: 0032
Revises: 0031

Issue 17, item 3. Submissions (marked, read through the access policy), the reporters'
additions, attachments, replies and statuses sent back, and links to entities.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "civic_submissions",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.Column("reply_key", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("occurred_on", sa.String(10), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("received_on", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=True),
        sa.Column("allegation_id", sa.String(32), nullable=True),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_civic_submissions_receipt", "civic_submissions", ["receipt"])
    op.create_index("ix_civic_submissions_category", "civic_submissions", ["category"])
    op.create_index("ix_civic_submissions_status", "civic_submissions", ["status"])
    op.create_index("ix_civic_submissions_marking_id", "civic_submissions", ["marking_id"])
    op.create_table(
        "civic_additions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("civic_submissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_civic_additions_submission_id", "civic_additions", ["submission_id"])
    op.create_table(
        "civic_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("civic_submissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "addition_id",
            sa.Integer(),
            sa.ForeignKey("civic_additions.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_civic_attachments_submission_id", "civic_attachments", ["submission_id"])
    op.create_table(
        "civic_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("civic_submissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_civic_replies_submission_id", "civic_replies", ["submission_id"])
    op.create_table(
        "civic_links",
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("civic_submissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entity_id", sa.String(128), primary_key=True),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("civic_links")
    op.drop_table("civic_replies")
    op.drop_index("ix_civic_attachments_submission_id", table_name="civic_attachments")
    op.drop_table("civic_attachments")
    op.drop_index("ix_civic_additions_submission_id", table_name="civic_additions")
    op.drop_table("civic_additions")
    for name in ("receipt", "category", "status", "marking_id"):
        op.drop_index(f"ix_civic_submissions_{name}", table_name="civic_submissions")
    op.drop_table("civic_submissions")
