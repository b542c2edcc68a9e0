"""Resolution pairs keyed by the view they were judged on: (left_id, right_id, scope)

Revision ID: 0009
Revises: 0008

A pair row was unique per two entity ids, shared by readers who may see different statements
of them; a run on what one reader sees then collided with a row judged on statements it may
not see (issue 11). `scope` is the SHA-256 of the pair's evidence marking ids, sorted and
joined by commas (resolve.models.scope_key); existing rows get theirs from
`resolution_evidence`, so every stored pair and decision stays as it was.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _scope(marking_ids: set[int]) -> str:
    # A copy of resolve.models.scope_key: a migration must not change when the code does.
    text = ",".join(str(m) for m in sorted(marking_ids))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=64), nullable=False, server_default="")
        )
    connection = op.get_bind()
    marks: dict[int, set[int]] = defaultdict(set)
    for pair_id, marking_id in connection.execute(
        sa.text("SELECT pair_id, marking_id FROM resolution_evidence")
    ):
        marks[pair_id].add(marking_id)
    pair_ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM resolution_pairs"))]
    update = sa.text("UPDATE resolution_pairs SET scope = :scope WHERE id = :id")
    for pair_id in pair_ids:
        connection.execute(update, {"scope": _scope(marks.get(pair_id, set())), "id": pair_id})
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.alter_column("scope", server_default=None)
        batch_op.drop_constraint("uq_resolution_pair", type_="unique")
        batch_op.create_unique_constraint(
            "uq_resolution_pair_scope", ["left_id", "right_id", "scope"]
        )


def downgrade() -> None:
    with op.batch_alter_table("resolution_pairs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_resolution_pair_scope", type_="unique")
        batch_op.create_unique_constraint("uq_resolution_pair", ["left_id", "right_id"])
        batch_op.drop_column("scope")
