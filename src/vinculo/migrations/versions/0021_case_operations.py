"""Event deconfliction on the node: case_operations, case_operation_cells,
deconfliction_alerts, deconfliction_alert_parties

Revision ID: 0021
Revises: 0020

Issue 15, item 3 (same node). A planned operation's circle is indexed by grid cell with its
window, so an overlap check reads only the cells the circle touches.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_operations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_agency", sa.String(16), nullable=False),
        sa.Column("contact_phone", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_case_operations_case_id", "case_operations", ["case_id"])
    op.create_table(
        "case_operation_cells",
        sa.Column("cell", sa.String(16), primary_key=True),
        sa.Column(
            "operation_id",
            sa.String(32),
            sa.ForeignKey("case_operations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_case_operation_cells_window",
        "case_operation_cells",
        ["cell", "ends_at", "starts_at"],
    )
    op.create_table(
        "deconfliction_alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "operation_a",
            sa.String(32),
            sa.ForeignKey("case_operations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "operation_b",
            sa.String(32),
            sa.ForeignKey("case_operations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_deconfliction_alerts_operation_a", "deconfliction_alerts", ["operation_a"])
    op.create_index("ix_deconfliction_alerts_operation_b", "deconfliction_alerts", ["operation_b"])
    op.create_table(
        "deconfliction_alert_parties",
        sa.Column(
            "alert_id",
            sa.String(32),
            sa.ForeignKey("deconfliction_alerts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_deconfliction_alert_parties_user_id", "deconfliction_alert_parties", ["user_id"]
    )


def downgrade() -> None:
    for table in (
        "deconfliction_alert_parties",
        "deconfliction_alerts",
        "case_operation_cells",
        "case_operations",
    ):
        op.drop_table(table)
