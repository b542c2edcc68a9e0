"""Search text folded by the rule resolution folds with: an apostrophe joins ("O'Brien" -> obrien)

Revision ID: 0015
Revises: 0014

Search folded with normality, resolution with its own table, and they disagreed: "O'Brien"
was "o brien" to search and "obrien" to resolution, and a few symbols and letters (Ø, ½, $)
differed too (issue 12). Both now fold with vinculo.text.fold. What search stored with the
old rule, statements' `norm` and reports' `search_text`, is folded again here, so a query
folded with the new rule finds it: PostgreSQL's generated search vectors follow by
themselves; SQLite's statement index is rebuilt from its table (reports' has an update
trigger). Only rows whose folding changed are written.
"""

from collections.abc import Callable, Sequence

import normality
import sqlalchemy as sa
from alembic import op

from vinculo.text import fold

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000

STATEMENTS = sa.table(
    "statements", sa.column("seq", sa.Integer), sa.column("value"), sa.column("norm")
)
REPORTS = sa.table(
    "reports",
    sa.column("seq", sa.Integer),
    sa.column("title_en"),
    sa.column("title_es"),
    sa.column("body_en"),
    sa.column("body_es"),
    sa.column("search_text"),
)


def _fold_before(text: str) -> str:
    """The rule search folded with before this revision."""
    return normality.normalize(text, lowercase=True, ascii=True) or ""


def _refold_statements(bind: sa.Connection, fold: Callable[[str], str]) -> int:
    changed = 0
    after = 0
    while True:
        rows = bind.execute(
            sa.select(STATEMENTS.c.seq, STATEMENTS.c.value, STATEMENTS.c.norm)
            .where(STATEMENTS.c.seq > after, STATEMENTS.c.norm.is_not(None))
            .order_by(STATEMENTS.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return changed
        after = rows[-1].seq
        folded = [(row.seq, fold(row.value), row.norm) for row in rows]
        updates = [{"key": seq, "norm": new} for seq, new, old in folded if new != old]
        if updates:
            bind.execute(
                STATEMENTS.update()
                .where(STATEMENTS.c.seq == sa.bindparam("key"))
                .values(norm=sa.bindparam("norm")),
                updates,
            )
            changed += len(updates)


def _refold_reports(bind: sa.Connection, fold: Callable[[str], str]) -> None:
    texts = (REPORTS.c.title_en, REPORTS.c.title_es, REPORTS.c.body_en, REPORTS.c.body_es)
    rows = bind.execute(sa.select(REPORTS.c.seq, REPORTS.c.search_text, *texts)).all()
    updates = []
    for row in rows:
        folded = fold(
            " ".join(t or "" for t in (row.title_en, row.title_es, row.body_en, row.body_es))
        )
        if folded != row.search_text:
            updates.append({"key": row.seq, "search_text": folded})
    if updates:
        bind.execute(
            REPORTS.update()
            .where(REPORTS.c.seq == sa.bindparam("key"))
            .values(search_text=sa.bindparam("search_text")),
            updates,
        )


def _refold(fold: Callable[[str], str]) -> None:
    bind = op.get_bind()
    changed = _refold_statements(bind, fold)
    _refold_reports(bind, fold)
    if changed and bind.dialect.name == "sqlite":
        # statement_fts has no update trigger (norm was never changed before): rebuild it.
        op.execute("INSERT INTO statement_fts(statement_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _refold(fold)


def downgrade() -> None:
    _refold(_fold_before)
