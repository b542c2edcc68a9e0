"""What-if variants of library code, patched in-process for measurement only.

None of this ships: each context manager swaps one library function for the change the bench
report recommends, so the figure for "after the change" is measured on the same data, in the
same run, next to the figure for the shipped code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

from vinculo.intel import search as search_module
from vinculo.intel import service
from vinculo.intel.models import Report
from vinculo.intel.schemas import SearchHit
from vinculo.security.markings import Actor, can_see
from vinculo.security.models import MarkingRow

# Rank only this many of the newest visible matches (the full-text index walked newest first).
WINDOW = 1000

SQLITE_ENTITY = """
SELECT entity_id FROM (
    SELECT s.entity_id AS entity_id, f.rank AS rank
    FROM statement_fts f JOIN statements s ON s.seq = f.rowid
    WHERE statement_fts MATCH :q AND s.marking_id IN :visible
    ORDER BY f.rowid DESC LIMIT :window)
GROUP BY entity_id ORDER BY min(rank), entity_id LIMIT :limit OFFSET :offset"""

SQLITE_REPORT = """
SELECT seq FROM (
    SELECT r.seq AS seq, f.rank AS rank
    FROM report_fts f JOIN reports r ON r.seq = f.rowid
    WHERE report_fts MATCH :q AND r.marking_id IN :visible
    ORDER BY f.rowid DESC LIMIT :window)
ORDER BY rank, seq DESC LIMIT :limit OFFSET :offset"""

PG_ENTITY = """
SELECT entity_id FROM (
    SELECT s.entity_id AS entity_id, -ts_rank(s.norm_tsv, to_tsquery('simple', :q)) AS rank
    FROM statements s
    WHERE s.norm IS NOT NULL AND s.norm_tsv @@ to_tsquery('simple', :q)
      AND s.marking_id IN :visible
    ORDER BY s.seq DESC LIMIT :window) w
GROUP BY entity_id ORDER BY min(rank), entity_id LIMIT :limit OFFSET :offset"""

PG_REPORT = """
SELECT seq FROM (
    SELECT r.seq AS seq, -ts_rank(r.search_tsv, to_tsquery('simple', :q)) AS rank
    FROM reports r
    WHERE r.search_tsv @@ to_tsquery('simple', :q) AND r.marking_id IN :visible
    ORDER BY r.seq DESC LIMIT :window) w
ORDER BY rank, seq DESC LIMIT :limit OFFSET :offset"""


def _query(session: Session, tokens: list[str]) -> tuple[bool, str]:
    if session.get_bind().dialect.name == "sqlite":
        return True, " ".join(f'"{t}"*' for t in tokens)
    return False, " & ".join(f"{t}:*" for t in tokens)


@contextmanager
def ranked_window(window: int = WINDOW) -> Iterator[None]:
    """search: rank (bm25 / ts_rank) only the newest `window` visible matches, found by walking
    the index newest first and stopping, then fetch whole rows for the page only. Selective
    queries (fewer matches than the window) are ranked exactly as today. On PostgreSQL this
    needs the stored tsvector columns of `pg_stored_tsvector`."""

    def ids(session: Session, sql: str, q: str, visible: list[int], offset: int, limit: int) -> Any:
        stmt = text(sql).bindparams(bindparam("visible", expanding=True))
        params = {"q": q, "visible": visible, "window": window, "limit": limit, "offset": offset}
        return list(session.execute(stmt, params).scalars())

    def new_report_hits(
        session: Session,
        tokens: list[str],
        visible: list[int],
        locale: str,
        offset: int,
        limit: int,
    ) -> list[SearchHit]:
        sqlite, q = _query(session, tokens)
        seqs = ids(session, SQLITE_REPORT if sqlite else PG_REPORT, q, visible, offset, limit)
        found = session.execute(select(Report).where(Report.seq.in_(seqs))).scalars()
        rows = {r.seq: r for r in found}
        return [
            SearchHit(kind="report", id=r.id, title=r.title(locale), snippet=r.body(locale)[:240])
            for r in (rows[s] for s in seqs)
        ]

    def new_entity_hits(
        session: Session, tokens: list[str], visible: list[int], offset: int, limit: int
    ) -> list[SearchHit]:
        sqlite, q = _query(session, tokens)
        entity_ids = ids(session, SQLITE_ENTITY if sqlite else PG_ENTITY, q, visible, offset, limit)
        caps = service.captions(session=session, entity_ids=entity_ids, visible=visible)
        return [
            SearchHit(kind="entity", id=i, title=caps[i][1], schema_=caps[i][0])
            for i in entity_ids
            if i in caps
        ]

    with (
        mock.patch.object(search_module, "_report_hits", new_report_hits),
        mock.patch.object(search_module, "_entity_hits", new_entity_hits),
    ):
        yield


@contextmanager
def cached_policy() -> Iterator[None]:
    """visible_marking_ids, memoised: marking rows are insert-only, so per request only a
    narrow `SELECT id, signature` is read and `can_see` runs once per (actor, signature)."""
    decided: dict[tuple[Actor, str], bool] = {}

    def visible(*, session: Session, actor: Actor) -> list[int]:
        rows = session.execute(select(MarkingRow.id, MarkingRow.signature)).all()
        out = []
        missing = [r for r in rows if (actor, r.signature) not in decided]
        if missing:
            full = session.execute(
                select(MarkingRow).where(MarkingRow.id.in_([r.id for r in missing]))
            ).scalars()
            for row in full:
                decided[(actor, row.signature)] = can_see(actor, row.to_markings())
        for row in rows:
            if decided[(actor, row.signature)]:
                out.append(row.id)
        return sorted(out)

    with (
        mock.patch.object(search_module, "visible_marking_ids", visible),
        mock.patch.object(service, "visible_marking_ids", visible),
    ):
        yield


@contextmanager
def pg_stored_tsvector(engine: Any) -> Iterator[sessionmaker[Session]]:
    """PostgreSQL: a stored tsvector column per searched text, GIN-indexed, searched and ranked
    instead of to_tsvector(...) recomputed per row. Made inside one transaction that is rolled
    back afterwards, so the bench database is left as the migrations made it."""
    from sqlalchemy import column, func, literal_column

    from vinculo.intel.backends import PostgresBackend
    from vinculo.intel.models import StatementRow

    connection = engine.connect()
    outer = connection.begin()
    try:
        for sql in (
            "ALTER TABLE reports ADD COLUMN search_tsv tsvector"
            " GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
            "CREATE INDEX ix_reports_search_tsv ON reports USING gin (search_tsv)",
            "ALTER TABLE statements ADD COLUMN norm_tsv tsvector"
            " GENERATED ALWAYS AS (to_tsvector('simple', norm)) STORED",
            "CREATE INDEX ix_statements_norm_tsv ON statements USING gin (norm_tsv)"
            " WHERE norm IS NOT NULL",
            "ANALYZE reports",
            "ANALYZE statements",
        ):
            connection.exec_driver_sql(sql)

        def query(tokens: list[str]) -> Any:
            return func.to_tsquery(literal_column("'simple'"), " & ".join(f"{t}:*" for t in tokens))

        def match_statements(self: Any, tokens: list[str]) -> Any:
            vector, q = column("norm_tsv"), query(tokens)
            return select(
                StatementRow.seq.label("seq"), (-func.ts_rank(vector, q)).label("rank")
            ).where(StatementRow.norm.is_not(None), vector.op("@@")(q))

        def match_reports(self: Any, tokens: list[str]) -> Any:
            vector, q = column("search_tsv"), query(tokens)
            return select(Report.seq.label("seq"), (-func.ts_rank(vector, q)).label("rank")).where(
                vector.op("@@")(q)
            )

        sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        with (
            mock.patch.object(PostgresBackend, "match_statements", match_statements),
            mock.patch.object(PostgresBackend, "match_reports", match_reports),
        ):
            yield sessions
    finally:
        outer.rollback()
        connection.close()


# --- import ---------------------------------------------------------------------------------

STATEMENT_COLUMNS = (
    "id",
    "entity_id",
    "canonical_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "lang",
    "original_value",
    "dataset",
    "report_id",
    "marking_id",
    "norm",
    "first_seen",
    "last_seen",
)


@contextmanager
def driver_upsert() -> Iterator[None]:
    """upsert_statements on SQLite: one driver-level executemany of plain tuples (the two
    timestamps formatted once per batch, as SQLAlchemy stores them), instead of SQLAlchemy
    compiling and type-processing fifteen parameters for every row."""
    from datetime import datetime
    from operator import itemgetter

    from vinculo.intel.backends import StoreBackend

    original = StoreBackend.upsert_statements
    columns = ", ".join(STATEMENT_COLUMNS)
    sql = (
        f"INSERT INTO statements ({columns}) VALUES ({', '.join('?' * len(STATEMENT_COLUMNS))})"
        " ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen"
    )
    head = itemgetter(*STATEMENT_COLUMNS[:-2])

    def upsert(self: Any, session: Session, rows: Any) -> None:
        if not rows:
            return
        if session.get_bind().dialect.name != "sqlite":
            original(self, session, rows)
            return
        stamps: dict[datetime, str] = {}

        def stamp(value: datetime) -> str:
            text_value = stamps.get(value)
            if text_value is None:
                text_value = stamps[value] = value.strftime("%Y-%m-%d %H:%M:%S.%f")
            return text_value

        params = [(*head(r), stamp(r["first_seen"]), stamp(r["last_seen"])) for r in rows]
        session.connection().exec_driver_sql(sql, params)

    with mock.patch.object(StoreBackend, "upsert_statements", upsert):
        yield


@contextmanager
def fts_once_per_import(session: Session) -> Iterator[None]:
    """SQLite: while the block runs, statements skip the per-row FTS trigger; at the end one
    INSERT … SELECT indexes every new row, and the trigger is put back — all in the caller's
    transaction (a no-op UPDATE opens it first, since pysqlite does not BEGIN before DDL)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    connection.exec_driver_sql("UPDATE markings SET id = id WHERE 0")  # opens the transaction
    last = connection.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM statements").scalar()
    trigger = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'statements_fts_insert'"
    ).scalar()
    connection.exec_driver_sql("DROP TRIGGER statements_fts_insert")
    yield
    connection.exec_driver_sql(
        "INSERT INTO statement_fts (rowid, norm)"
        " SELECT seq, norm FROM statements WHERE seq > ? AND norm IS NOT NULL",
        (last,),
    )
    connection.exec_driver_sql(str(trigger))
