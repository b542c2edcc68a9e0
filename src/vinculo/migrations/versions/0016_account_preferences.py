"""Account preferences: each account's time zone; each page session's browser

Revision ID: 0016
Revises: 0015

Dates and times are shown in the reader's time zone (issue 13), an IANA name chosen on the
account page. Existing accounts get their nation's usual one: America/Mexico_City for Mexican
accounts, America/New_York for American ones (where most federal agencies sit), UTC for any
other. Page sessions remember the browser they were started from (its User-Agent, shortened),
so the account page can tell one session from another.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here as it was when written: the code's table (security/preferences.py) may change.
NATION_TIME_ZONES = {"MEX": "America/Mexico_City", "USA": "America/New_York"}

USERS = sa.table("users", sa.column("nation", sa.String), sa.column("time_zone", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
        )
    for nation, zone in NATION_TIME_ZONES.items():
        op.execute(USERS.update().where(USERS.c.nation == nation).values(time_zone=zone))
    with op.batch_alter_table("page_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both databases (SQLite has it since 3.35): a batch
    # operation would copy and drop `users`, which the rows of other tables refer to.
    op.execute("ALTER TABLE page_sessions DROP COLUMN user_agent")
    op.execute("ALTER TABLE users DROP COLUMN time_zone")
