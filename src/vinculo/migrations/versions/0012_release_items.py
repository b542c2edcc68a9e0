"""Releases name their originating agency's items: exchange_releases.items, no longer one
request per (source, partner)

Revision ID: 0012
Revises: 0011

A release was keyed by the source name alone, so approving one agency's ORCON items of a
source released another agency's under the same name (issue 11). A request now stays with
its originator and names the items it covers; another agency's items, or later ones, get a
request of their own. Existing requests are given the items their originator's statements
of the source are about today (and the report, for a report's source), so every decision
already taken keeps covering what it was taken on, and nothing of another agency.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _items(connection: sa.Connection, dataset: str, originator: str) -> list[str]:
    found = [dataset.split(":", 1)[1]] if dataset.startswith("report:") else []
    rows = connection.execute(
        sa.text(
            "SELECT DISTINCT s.entity_id FROM statements s JOIN markings m ON m.id = s.marking_id"
            " WHERE s.dataset = :dataset AND m.originator = :originator AND m.orcon"
            " ORDER BY s.entity_id"
        ),
        {"dataset": dataset, "originator": originator},
    )
    found.extend(r.entity_id for r in rows)
    return found


def upgrade() -> None:
    with op.batch_alter_table("exchange_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items", sa.Text(), nullable=False, server_default="[]"))
        batch_op.drop_constraint("uq_exchange_releases_dataset", type_="unique")
        batch_op.create_index(
            "ix_exchange_releases_source", ["dataset", "partner", "originator"], unique=False
        )
    connection = op.get_bind()
    requests = connection.execute(
        sa.text("SELECT id, dataset, originator FROM exchange_releases")
    ).all()
    for row in requests:
        connection.execute(
            sa.text("UPDATE exchange_releases SET items = :items WHERE id = :id"),
            {"items": json.dumps(_items(connection, row.dataset, row.originator)), "id": row.id},
        )


def downgrade() -> None:
    with op.batch_alter_table("exchange_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_releases_source")
        batch_op.create_unique_constraint("uq_exchange_releases_dataset", ["dataset", "partner"])
        batch_op.drop_column("items")
