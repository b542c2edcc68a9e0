"""Join the retention (0004) and search-vector (0005) lines into one head again

Revision ID: 0006
Revises: 0004, 0005

Both were written at the same time from different parents; nothing to change, only one head
from here on, so `alembic revision --autogenerate` works again.
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | tuple[str, ...] | None = ("0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
