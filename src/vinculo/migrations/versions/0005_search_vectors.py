"""PostgreSQL: stored tsvector columns for search

Revision ID: 0005
Revises: 0003

The planner treated `to_tsvector(...)` as cheap and chose sequential scans over the
expression indexes of 0001, re-parsing every body (bench/read_paths.py: search p95 2.6 s at
one million statements). Stored, generated vectors with GIN indexes are matched and ranked
without re-parsing. SQLite keeps its FTS5 tables; nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    "DROP INDEX IF EXISTS ix_statements_norm_fts",
    "DROP INDEX IF EXISTS ix_reports_fts",
    """ALTER TABLE statements ADD COLUMN norm_tsv tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(norm, ''))) STORED""",
    """ALTER TABLE reports ADD COLUMN search_tsv tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED""",
    "CREATE INDEX ix_statements_norm_tsv ON statements USING gin (norm_tsv) WHERE norm IS NOT NULL",
    "CREATE INDEX ix_reports_search_tsv ON reports USING gin (search_tsv)",
]

DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_statements_norm_tsv",
    "DROP INDEX IF EXISTS ix_reports_search_tsv",
    "ALTER TABLE statements DROP COLUMN norm_tsv",
    "ALTER TABLE reports DROP COLUMN search_tsv",
    """CREATE INDEX ix_statements_norm_fts ON statements
        USING gin (to_tsvector('simple', norm)) WHERE norm IS NOT NULL""",
    "CREATE INDEX ix_reports_fts ON reports USING gin (to_tsvector('simple', search_text))",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
