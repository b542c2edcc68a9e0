"""Event deconfliction across nodes: case_operation_key_hashes, case_operation_pointers,
deconfliction_alert_partners; an alert's second operation may be a partner's

Revision ID: 0024
Revises: 0023

Issue 15, item 3 (across nodes). Each planned operation's keyed hashes of (grid cell, UTC
day) under every agreement key, the pointers published for it, and for an alert raised by a
partner's pointer the partner, its pointer and its contact (the alert then has no local
second operation).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _operation_id(primary_key: bool) -> sa.Column[str]:
    return sa.Column(
        "operation_id",
        sa.String(32),
        sa.ForeignKey("case_operations.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "case_operation_key_hashes",
        _operation_id(True),
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("hash", sa.String(64), primary_key=True),
    )
    op.create_index(
        "ix_case_operation_key_hashes_hash", "case_operation_key_hashes", ["key_id", "hash"]
    )
    op.create_table(
        "case_operation_pointers",
        sa.Column("pointer_id", sa.String(100), primary_key=True),
        _operation_id(False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("partners", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_case_operation_pointers_operation", "case_operation_pointers", ["operation_id"]
    )
    op.create_table(
        "deconfliction_alert_partners",
        sa.Column(
            "alert_id",
            sa.String(32),
            sa.ForeignKey("deconfliction_alerts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _operation_id(False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("pointer_id", sa.String(100), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_agency", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
    )
    op.create_index(
        "ix_deconfliction_alert_partners_pair",
        "deconfliction_alert_partners",
        ["operation_id", "pointer_id"],
    )
    with op.batch_alter_table("deconfliction_alerts", schema=None) as batch_op:
        batch_op.alter_column("operation_b", existing_type=sa.String(32), nullable=True)


def downgrade() -> None:
    op.execute(
        "DELETE FROM deconfliction_alerts WHERE id IN "
        "(SELECT alert_id FROM deconfliction_alert_partners)"
    )
    with op.batch_alter_table("deconfliction_alerts", schema=None) as batch_op:
        batch_op.alter_column("operation_b", existing_type=sa.String(32), nullable=False)
    op.drop_table("deconfliction_alert_partners")
    op.drop_table("case_operation_pointers")
    op.drop_table("case_operation_key_hashes")
