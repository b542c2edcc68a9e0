"""Assistance: training events and their participants; equipment and its end-use checks

Revision ID: 0028
Revises: 0027

Issue 16, item 5. A training event (course, dates, place, human-rights content and hours,
provider, programme) is marked like a programme; each participant seat (a person from a
unit, or a whole unit) keeps the vetting approvals the gate found. An equipment item
(type, serial number, value, recipient unit, delivery, programme, check interval) is marked
the same way; its custody chain and end-use checks are rows of their own. Whether an item is
overdue is computed on read, never stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_events",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("course", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("human_rights", sa.Boolean(), nullable=False),
        sa.Column("human_rights_hours", sa.Numeric(7, 2), nullable=False),
        sa.Column("provider", sa.String(300), nullable=False),
        sa.Column(
            "programme_id",
            sa.String(32),
            sa.ForeignKey("assistance_programmes.id"),
            nullable=True,
        ),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_training_events_marking_id", "training_events", ["marking_id"])
    op.create_index("ix_training_events_programme_id", "training_events", ["programme_id"])
    op.create_index("ix_training_events_starts_on", "training_events", ["starts_on"])
    op.create_table(
        "training_participants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(32),
            sa.ForeignKey("training_events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("person_entity_id", sa.String(128), nullable=True),
        sa.Column("unit_entity_id", sa.String(128), nullable=False),
        sa.Column("person_vetting_id", sa.String(32), nullable=True),
        sa.Column("unit_vetting_id", sa.String(32), nullable=False),
        sa.Column("seated_by", sa.String(64), nullable=False),
        sa.Column("seated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_training_participants_event_id", "training_participants", ["event_id"])
    op.create_index(
        "ix_training_participants_unit_entity_id", "training_participants", ["unit_entity_id"]
    )
    op.create_table(
        "equipment_items",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("serial_number", sa.String(200), nullable=False),
        sa.Column("value_usd", sa.Numeric(18, 2), nullable=False),
        sa.Column("unit_entity_id", sa.String(128), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column(
            "programme_id",
            sa.String(32),
            sa.ForeignKey("assistance_programmes.id"),
            nullable=True,
        ),
        sa.Column("check_interval_days", sa.Integer(), nullable=False),
        sa.Column("vetting_id", sa.String(32), nullable=False),
        sa.Column("marking_id", sa.Integer(), sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_equipment_items_marking_id", "equipment_items", ["marking_id"])
    op.create_index("ix_equipment_items_programme_id", "equipment_items", ["programme_id"])
    op.create_index("ix_equipment_items_unit_entity_id", "equipment_items", ["unit_entity_id"])
    op.create_index("ix_equipment_items_serial", "equipment_items", ["serial_number"])
    op.create_table(
        "equipment_custody",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id",
            sa.String(32),
            sa.ForeignKey("equipment_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("holder_unit_entity_id", sa.String(128), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("vetting_id", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_equipment_custody_item", "equipment_custody", ["item_id", "from_date"])
    op.create_table(
        "equipment_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id",
            sa.String(32),
            sa.ForeignKey("equipment_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("discrepancy", sa.Text(), nullable=False),
        sa.Column("checked_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_equipment_checks_item", "equipment_checks", ["item_id", "checked_on"])


def downgrade() -> None:
    op.drop_table("equipment_checks")
    op.drop_table("equipment_custody")
    op.drop_table("equipment_items")
    op.drop_table("training_participants")
    op.drop_table("training_events")
