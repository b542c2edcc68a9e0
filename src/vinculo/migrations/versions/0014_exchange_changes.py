"""The publisher's own change feed: exchange_changes

Revision ID: 0014
Revises: 0013

The publisher learnt of purges, withdrawals and releases by reading the audit chain for
those action names (issue 12). It now reads a table of its own, written where each happens.
The audit rows it had not yet read become rows of the table, so nothing waiting to be
published is lost, and its position in the audit chain is forgotten.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    changes = op.create_table(
        "exchange_changes",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("report", sa.Boolean(), nullable=False),
    )
    connection = op.get_bind()
    position = connection.execute(
        sa.text("SELECT value FROM exchange_state WHERE key = 'pos:audit'")
    ).scalar()
    if position is None:
        return  # never published: the first run publishes everything
    rows = connection.execute(
        sa.text(
            "SELECT action, ids, target FROM audit_log WHERE seq > :position"
            " AND action IN ('purge', 'release', 'withdraw') ORDER BY seq"
        ),
        {"position": int(position or 0)},
    )
    found: list[dict[str, object]] = []
    for action, ids, target in rows:
        purge = action == "purge"
        for item in json.loads(ids or "[]"):
            found.append({"item_id": str(item)[:128], "deleted": purge, "report": False})
        if purge and target:
            found.append({"item_id": str(target)[:128], "deleted": True, "report": True})
    if found:
        op.bulk_insert(changes, found)
    connection.execute(sa.text("DELETE FROM exchange_state WHERE key = 'pos:audit'"))


def downgrade() -> None:
    # The publisher of the earlier release reads the audit chain from its end: what the
    # table still held is published by the next change to the same items, not at once.
    connection = op.get_bind()
    last = connection.execute(sa.text("SELECT MAX(seq) FROM audit_log")).scalar() or 0
    connection.execute(sa.text("DELETE FROM exchange_state WHERE key = 'pos:audit'"))
    connection.execute(
        sa.text("INSERT INTO exchange_state (key, value) VALUES ('pos:audit', :value)"),
        {"value": str(last)},
    )
    op.drop_table("exchange_changes")
