"""A shared TAXII object may be stored once per set of markings that uses it:
exchange_objects is unique on (collection, STIX id, modified, marking ids)

Revision ID: 0013
Revises: 0012

A marking definition or an agency's identity was written once per collection, with no
markings, where the first item of any reader that used it was published, so its place told
a reader of items it may not read (issue 11). The publisher now writes a copy of it under
each set of markings that uses it, just before the first version under that set, and a
reader is served the first copy it may read. Existing rows are unique already; the
publisher converts the unmarked ones on its next run.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "uq_exchange_objects_collection_id"


def upgrade() -> None:
    with op.batch_alter_table("exchange_objects") as batch:
        batch.drop_constraint(NAME, type_="unique")
        batch.create_unique_constraint(
            NAME, ["collection_id", "stix_id", "modified", "marking_ids"]
        )


def downgrade() -> None:
    # Keep the first copy of each shared object, as readers were served.
    op.execute(
        "DELETE FROM exchange_objects WHERE seq NOT IN (SELECT MIN(seq) FROM exchange_objects"
        " GROUP BY collection_id, stix_id, modified)"
    )
    with op.batch_alter_table("exchange_objects") as batch:
        batch.drop_constraint(NAME, type_="unique")
        batch.create_unique_constraint(NAME, ["collection_id", "stix_id", "modified"])
