"""Notifications by signed webhook: an account's webhook and each notification's call

Revision ID: 0023
Revises: 0022

Issue 15, item 4. An account may name a webhook (on a host the operator allows) and gets a
secret that signs every call; each notification records its call's state and tries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("webhook_url", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("webhook_secret", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hook_state", sa.String(length=16), nullable=False, server_default="none")
        )
        batch_op.add_column(
            sa.Column("hook_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("hook_after", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_notifications_hook", ["hook_state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_hook")
        batch_op.drop_column("hook_after")
        batch_op.drop_column("hook_attempts")
        batch_op.drop_column("hook_state")
    with op.batch_alter_table("notify_state", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("webhook_url")
