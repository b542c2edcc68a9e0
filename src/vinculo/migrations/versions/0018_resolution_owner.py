"""Resolution pairs belong to the account whose run, decision or assignment made them

Revision ID: 0018
Revises: 0017

Pairs were shared by the view they were judged on, so whether a reader saw a merge depended
on whether another account's run had judged exactly the reader's view, and that depended on
statements the reader may not see (issue 11; resolve.models says more). Each row now has an
`owner`. Stored rows: an analyst's decision goes to the analyst who made it (`decided_by`),
its history with it; the engine's rows (and a decision with no analyst named) are deleted,
since the next run of each account scores its own view again. Colleagues who saw a decision
on the same view keep it only by deciding again, or when its analyst assigns the pair.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _delete_pairs(connection: sa.engine.Connection, ids: str) -> None:
    """Delete the pairs the query `ids` selects, children first: SQLite keeps foreign keys
    off during migrations."""
    for table, column in (
        ("resolution_decisions", "pair_id"),
        ("resolution_evidence", "pair_id"),
        ("resolution_pairs", "id"),
    ):
        connection.execute(sa.text(f"DELETE FROM {table} WHERE {column} IN ({ids})"))


def upgrade() -> None:
    connection = op.get_bind()
    orphaned = (
        "SELECT id FROM resolution_pairs WHERE judgement IN ('auto', 'pending') "
        "OR decided_by IS NULL"
    )
    _delete_pairs(connection, orphaned)
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("assigned_by", sa.String(length=64), nullable=True))
    connection.execute(sa.text("UPDATE resolution_pairs SET owner = decided_by"))
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.alter_column("owner", server_default=None)
        batch_op.drop_constraint("uq_resolution_pair_scope", type_="unique")
        batch_op.create_unique_constraint(
            "uq_resolution_pair_owner_scope", ["left_id", "right_id", "owner", "scope"]
        )
        batch_op.create_index("ix_resolution_pairs_owner", ["owner"], unique=False)


def downgrade() -> None:
    connection = op.get_bind()
    # Rows of one view owned by several accounts would break the old key: keep the first.
    duplicate = (
        "SELECT id FROM resolution_pairs p WHERE EXISTS (SELECT 1 FROM resolution_pairs q "
        "WHERE q.left_id = p.left_id AND q.right_id = p.right_id AND q.scope = p.scope "
        "AND q.id < p.id)"
    )
    _delete_pairs(connection, duplicate)
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_resolution_pairs_owner")
        batch_op.drop_constraint("uq_resolution_pair_owner_scope", type_="unique")
        batch_op.create_unique_constraint(
            "uq_resolution_pair_scope", ["left_id", "right_id", "scope"]
        )
        batch_op.drop_column("assigned_by")
        batch_op.drop_column("owner")
