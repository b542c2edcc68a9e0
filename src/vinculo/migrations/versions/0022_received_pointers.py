"""Target deconfliction across nodes: received_pointers, received_pointer_hashes,
pointer_partners, case_target_key_hashes, case_target_pointers, case_pointer_hits

Revision ID: 0022
Revises: 0021

Issue 15, item 2 (across nodes). What partners' pointers hold (keyed hashes under an
agreement key, a contact, an expiry), each partner's quarantine and flood counters, and on the
registering side each registration's hashes under every agreement key, the pointers published
for it and the partners' pointers it was told of.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _target_id() -> sa.Column[str]:
    return sa.Column(
        "target_id",
        sa.String(32),
        sa.ForeignKey("case_targets.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "received_pointers",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("registering_node", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_agency", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_received_pointers_partner", "received_pointers", ["partner"])
    op.create_table(
        "received_pointer_hashes",
        sa.Column(
            "pointer_id",
            sa.String(100),
            sa.ForeignKey("received_pointers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_received_pointer_hashes_hash", "received_pointer_hashes", ["key_id", "hash"]
    )
    op.create_table(
        "pointer_partners",
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("minute_start", sa.DateTime(), nullable=True),
        sa.Column("minute_count", sa.Integer(), nullable=False),
        sa.Column("hour_start", sa.DateTime(), nullable=True),
        sa.Column("hour_count", sa.Integer(), nullable=False),
        sa.Column("last_received_at", sa.DateTime(), nullable=True),
        sa.Column("last_pulled_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "case_target_key_hashes",
        _target_id(),
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_case_target_key_hashes_hash", "case_target_key_hashes", ["key_id", "hash"])
    op.create_table(
        "case_target_pointers",
        sa.Column("pointer_id", sa.String(100), primary_key=True),
        sa.Column(
            "target_id",
            sa.String(32),
            sa.ForeignKey("case_targets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("partners", sa.String(200), nullable=False),
    )
    op.create_index("ix_case_target_pointers_target", "case_target_pointers", ["target_id"])
    op.create_table(
        "case_pointer_hits",
        _target_id(),
        sa.Column("pointer_id", sa.String(100), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "case_pointer_hits",
        "case_target_pointers",
        "case_target_key_hashes",
        "pointer_partners",
        "received_pointer_hashes",
        "received_pointers",
    ):
        op.drop_table(table)
