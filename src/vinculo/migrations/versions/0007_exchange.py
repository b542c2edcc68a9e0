"""Exchange: TAXII collections, published objects, release queue, sync cursors, received
objects with provenance, quarantine, status resources

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_collections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_es", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_es", sa.Text(), nullable=False),
        sa.Column("partners", sa.String(length=200), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_collections")),
        sa.UniqueConstraint("alias", name=op.f("uq_exchange_collections_alias")),
    )
    op.create_table(
        "exchange_cursors",
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("added_after", sa.String(length=32), nullable=False),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "collection_id", name=op.f("pk_exchange_cursors")),
    )
    op.create_table(
        "exchange_objects",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("stix_type", sa.String(length=40), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("modified", sa.String(length=32), nullable=False),
        sa.Column("date_added", sa.String(length=32), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("marking_ids", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_objects")),
        sa.UniqueConstraint(
            "collection_id", "stix_id", "modified", name=op.f("uq_exchange_objects_collection_id")
        ),
    )
    op.create_index(
        "ix_exchange_objects_collection_added",
        "exchange_objects",
        ["collection_id", "date_added"],
        unique=False,
    )
    op.create_index(
        "ix_exchange_objects_collection_stix",
        "exchange_objects",
        ["collection_id", "stix_id"],
        unique=False,
    )
    op.create_index(
        "ix_exchange_objects_item", "exchange_objects", ["collection_id", "item_key"], unique=False
    )
    op.create_table(
        "exchange_quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_quarantine")),
    )
    op.create_index(
        "ix_exchange_quarantine_partner",
        "exchange_quarantine",
        ["partner", "collection_id"],
        unique=False,
    )
    op.create_table(
        "exchange_received",
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("stix_type", sa.String(length=40), nullable=False),
        sa.Column("modified", sa.String(length=32), nullable=False),
        sa.Column("origin_node", sa.String(length=64), nullable=False),
        sa.Column("origin_agency", sa.String(length=16), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("markings_received", sa.Text(), nullable=False),
        sa.Column("marking_ids", sa.Text(), nullable=False),
        sa.Column("statement_ids", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stix_id", name=op.f("pk_exchange_received")),
    )
    op.create_index("ix_exchange_received_item", "exchange_received", ["item_key"], unique=False)
    op.create_table(
        "exchange_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=128), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("originator", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_releases")),
        sa.UniqueConstraint("dataset", "partner", name=op.f("uq_exchange_releases_dataset")),
    )
    op.create_table(
        "exchange_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_exchange_state")),
    )
    op.create_table(
        "exchange_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_timestamp", sa.String(length=32), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_status")),
    )


def downgrade() -> None:
    op.drop_table("exchange_status")
    op.drop_table("exchange_state")
    op.drop_table("exchange_releases")
    op.drop_index("ix_exchange_received_item", table_name="exchange_received")
    op.drop_table("exchange_received")
    op.drop_index("ix_exchange_quarantine_partner", table_name="exchange_quarantine")
    op.drop_table("exchange_quarantine")
    op.drop_index("ix_exchange_objects_item", table_name="exchange_objects")
    op.drop_index("ix_exchange_objects_collection_stix", table_name="exchange_objects")
    op.drop_index("ix_exchange_objects_collection_added", table_name="exchange_objects")
    op.drop_table("exchange_objects")
    op.drop_table("exchange_cursors")
    op.drop_table("exchange_collections")
