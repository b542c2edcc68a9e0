"""Oversight: Leahy vetting requests and their decisions

Revision ID: 0027
Revises: 0026

Issue 16, item 3. A vetting request (a person or a unit, by entity id or by name, the
purpose, the requesting programme officer, status and validity) is marked like an
allegation; every decision on it is a row of its own (who, when, why, validity, duty to
inform, remediation), kept as history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vetting_requests",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("subject_kind", sa.String(8), nullable=False),
        sa.Column("subject_entity_id", sa.String(128), nullable=True),
        sa.Column("subject_name", sa.String(500), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("programme_officer", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_vetting_requests_marking_id", "vetting_requests", ["marking_id"])
    op.create_index(
        "ix_vetting_requests_subject", "vetting_requests", ["subject_entity_id", "purpose"]
    )
    op.create_table(
        "vetting_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.String(32),
            sa.ForeignKey("vetting_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("duty_to_inform", sa.Text(), nullable=False),
        sa.Column("remediation", sa.Text(), nullable=False),
    )
    op.create_index("ix_vetting_decisions_request", "vetting_decisions", ["request_id", "id"])


def downgrade() -> None:
    op.drop_table("vetting_decisions")
    op.drop_table("vetting_requests")
