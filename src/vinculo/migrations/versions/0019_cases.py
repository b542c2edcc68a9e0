"""Joint cases and task forces: task_forces, task_force_agencies, cases, case_agencies,
case_members, case_subjects, case_reports, case_tasks, case_events

Revision ID: 0019
Revises: 0018

Issue 15, item 1. A case and a task force point at a marking set, as a report does, so the
one policy decides who reads them; their members join a need-to-know group in `groups`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_forces",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_es", sa.String(200), nullable=False),
        sa.Column("group_code", sa.String(64), sa.ForeignKey("groups.code"), nullable=False),
        sa.Column("collection_alias", sa.String(64), nullable=True),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_task_forces_marking_id", "task_forces", ["marking_id"])
    op.create_table(
        "task_force_agencies",
        sa.Column(
            "task_force_id",
            sa.String(32),
            sa.ForeignKey("task_forces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("agency", sa.String(16), primary_key=True),
    )
    op.create_table(
        "cases",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("title_es", sa.Text(), nullable=False),
        sa.Column("lead_agency", sa.String(16), nullable=False),
        sa.Column("group_code", sa.String(64), sa.ForeignKey("groups.code"), nullable=False),
        sa.Column("task_force_id", sa.String(32), sa.ForeignKey("task_forces.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closing_reason", sa.Text(), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_cases_marking_id", "cases", ["marking_id"])
    op.create_index("ix_cases_task_force_id", "cases", ["task_force_id"])
    op.create_table(
        "case_agencies",
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("agency", sa.String(16), primary_key=True),
    )
    op.create_table(
        "case_members",
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_subjects",
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entity_id", sa.String(128), primary_key=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_reports",
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("report_id", sa.String(32), primary_key=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_tasks_case_id", "case_tasks", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"])


def downgrade() -> None:
    for table in (
        "case_events",
        "case_tasks",
        "case_reports",
        "case_subjects",
        "case_members",
        "case_agencies",
        "cases",
        "task_force_agencies",
        "task_forces",
    ):
        op.drop_table(table)
