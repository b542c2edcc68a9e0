"""Notifications, watchlists and report translations: notifications, notify_state,
watch_items, report_translations

Revision ID: 0017
Revises: 0016

The analyst's workspace (issue 13): the in-app and e-mail notifications, each account's
places (its last visit of the home, how far the watchlist scan has read) and its
watchlist, and translations of single-language reports added by a colleague.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "recipient_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_kind", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("email_state", sa.String(16), nullable=False),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["recipient_id", "read_at"])
    op.create_index("ix_notifications_email", "notifications", ["email_state"])
    op.create_table(
        "notify_state",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("last_visit_seq", sa.Integer(), nullable=False),
        sa.Column("visit_seq", sa.Integer(), nullable=False),
        sa.Column("visit_at", sa.DateTime(), nullable=True),
        sa.Column("scanned_report_seq", sa.Integer(), nullable=False),
        sa.Column("scanned_statement_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "watch_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("norm", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_watch_items_user_id", "watch_items", ["user_id"])
    op.create_table(
        "report_translations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id",
            sa.String(32),
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("translator", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("report_id", "lang", name="uq_report_translation_lang"),
    )


def downgrade() -> None:
    op.drop_table("report_translations")
    op.drop_index("ix_watch_items_user_id", table_name="watch_items")
    op.drop_table("watch_items")
    op.drop_table("notify_state")
    op.drop_index("ix_notifications_email", table_name="notifications")
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_table("notifications")
