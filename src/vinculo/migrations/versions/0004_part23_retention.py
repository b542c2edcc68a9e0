"""28 CFR Part 23: attestation, report reviews; an index of the ids audit rows name

Revision ID: 0004
Revises: 0002

A branch beside 0003 (sign-in hardening); the runner upgrades to "heads".
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch copy: on SQLite a copied `reports` table would lose the
    # triggers that keep its full-text index.
    op.add_column(
        "reports",
        sa.Column(
            "attest_no_protected_views", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    op.create_table(
        "report_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_review_by", sa.Date(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_reviews_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reviews")),
    )
    with op.batch_alter_table("report_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_reviews_report_id"), ["report_id"])

    op.create_table(
        "audit_ids",
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "seq", name=op.f("pk_audit_ids")),
    )
    backfill_audit_ids()
    make_append_only()


def backfill_audit_ids(batch: int = 20_000) -> None:
    """Index the ids of every audit row written before this revision."""
    bind = op.get_bind()
    table = sa.table("audit_ids", sa.column("item_id"), sa.column("seq"))
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT seq, ids FROM audit_log WHERE seq > :last ORDER BY seq LIMIT :n"),
            {"last": last, "n": batch},
        ).all()
        if not rows:
            return
        found = []
        for seq, ids in rows:
            try:
                items = json.loads(ids or "[]")
            except ValueError:
                items = []
            for item in dict.fromkeys(str(i)[:200] for i in items if i):
                found.append({"item_id": item, "seq": seq})
        if found:
            bind.execute(table.insert(), found)
        last = rows[-1][0]


APPEND_ONLY_SQLITE = [
    f"""CREATE TRIGGER audit_ids_no_{verb} BEFORE {verb.upper()} ON audit_ids
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for verb in ("update", "delete")
]

# audit_log_append_only() was made by 0002.
APPEND_ONLY_POSTGRES = [
    """CREATE TRIGGER audit_ids_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_ids
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


def make_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_SQLITE if dialect == "sqlite" else APPEND_ONLY_POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_ids")
    with op.batch_alter_table("report_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_reviews_report_id"))
    op.drop_table("report_reviews")
    op.drop_column("reports", "attest_no_protected_views")
