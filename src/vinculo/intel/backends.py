"""What differs between SQLite and PostgreSQL, behind one small interface (upserts, search)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, final

from sqlalchemy import (
    Boolean,
    DateTime,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vinculo.intel.models import Entity, Report, StatementRow
from vinculo.security.dialects import Dialect, PostgresDialect
from vinculo.text import fold  # not intel.ftm, which imports FtM (0.25 s) for nothing here

_TOKEN = re.compile(r"[a-z0-9]+")


def query_tokens(q: str) -> list[str]:
    """The words of a query, folded the way indexed text is folded."""
    return _TOKEN.findall(fold(q))[:12]


class StoreBackend(Dialect, ABC):
    """Dialect hooks. Everything else in intel/ is plain SQLAlchemy shared by both.

    The driver-level answers (placeholders, row locks, stored times, streaming cursors) come
    from `vinculo.security.dialects`, which the audit chain below intel uses too.
    """

    @abstractmethod
    def insert(self, table: Any) -> Any:
        """A dialect insert that supports on_conflict_do_update/do_nothing."""

    @abstractmethod
    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        """(statement seq, rank) for indexed statements matching every token; lower is better."""

    @abstractmethod
    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        """(report seq, rank) for reports matching every token; lower is better."""

    @abstractmethod
    def match_statements_bound(self) -> Select[Any, Any]:
        """`match_statements` with the search as the bound parameter "search", whose value
        is `search_value(tokens)`: one statement to run for many searches."""

    @abstractmethod
    def search_value(self, tokens: list[str]) -> str:
        """The value of `match_statements_bound`'s "search" parameter for `tokens`."""

    def upsert_statements(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        """Store statements; one seen again only moves its `last_seen`."""
        if not rows:
            return
        stmt = self.insert(StatementRow.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={"last_seen": stmt.excluded.last_seen}
        )
        session.execute(stmt, list(rows))

    @contextmanager
    def bulk_statements(self, session: Session) -> Iterator[None]:
        """Around a large import in one transaction: backends may defer index upkeep."""
        yield

    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys, as fast as the driver allows."""
        if rows:
            session.connection().execute(insert(table), list(rows))

    @final
    def insert_entities(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = self.insert(Entity.__table__).on_conflict_do_nothing(index_elements=["id"])
        session.execute(stmt, list(rows))


_STATEMENT_COLUMNS = [c.name for c in StatementRow.__table__.columns if c.name != "seq"]
_STATEMENT_GETTER = itemgetter(*_STATEMENT_COLUMNS)
_STATEMENT_TIMES = [_STATEMENT_COLUMNS.index(c) for c in ("first_seen", "last_seen")]
_SQLITE_UPSERT = (
    f"INSERT INTO statements ({', '.join(_STATEMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _STATEMENT_COLUMNS)}) "
    "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen"
)


class SQLiteBackend(StoreBackend):
    def insert(self, table: Any) -> Any:
        return sqlite.insert(table)

    def upsert_statements(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        """The same upsert, handed to the driver as plain tuples.

        SQLAlchemy's per-row parameter processing cost a third of an import's time
        (bench/import_ftm.py); the SQL and the stored values are the same.
        """
        if not rows:
            return
        stamps: dict[datetime, str] = {}
        values = []
        for row in rows:
            value = list(_STATEMENT_GETTER(row))
            for index in _STATEMENT_TIMES:
                # The rows of one batch share their timestamps: convert each once.
                when = value[index]
                value[index] = stamps.get(when) or stamps.setdefault(when, self.stored_time(when))
            values.append(tuple(value))
        session.connection().exec_driver_sql(_SQLITE_UPSERT, values)

    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """The same insert, handed to the driver as tuples, the values as SQLAlchemy's SQLite
        types write them: its per-row parameter processing cost more than the insert itself."""
        if not rows:
            return
        columns = list(rows[0])
        times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, DateTime)]
        flags = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Boolean)]
        stamps: dict[datetime, str] = {}
        values = []
        for row in rows:
            value = [row[c] for c in columns]
            for index in times:
                when = value[index]
                if isinstance(when, datetime):
                    value[index] = stamps.get(when) or stamps.setdefault(
                        when, when.strftime("%Y-%m-%d %H:%M:%S.%f")
                    )
            for index in flags:
                if value[index] is not None:
                    value[index] = 1 if value[index] else 0
            values.append(tuple(value))
        session.connection().exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            values,
        )

    @contextmanager
    def bulk_statements(self, session: Session) -> Iterator[None]:
        """Fill the full-text index once at the end instead of by a trigger per row.

        The trigger is dropped and made again from its own stored SQL inside the import's
        transaction, which holds SQLite's write lock from its start (db.py): no other writer
        can slip a statement past the index, and a failed import rolls the DDL back too.
        """
        connection = session.connection()
        trigger = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            ("statements_fts_insert",),
        ).scalar_one()
        first = connection.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM statements")
        start = int(first.scalar_one())
        connection.exec_driver_sql("DROP TRIGGER statements_fts_insert")
        yield
        connection.exec_driver_sql(
            "INSERT INTO statement_fts (rowid, norm) "
            "SELECT seq, norm FROM statements WHERE seq > ? AND norm IS NOT NULL",
            (start,),
        )
        connection.exec_driver_sql(trigger)

    @staticmethod
    def _fts_query(tokens: list[str]) -> str:
        return " ".join(f'"{t}"*' for t in tokens)

    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        return (
            select(literal_column("rowid").label("seq"), literal_column("rank").label("rank"))
            .select_from(text("statement_fts"))
            .where(text("statement_fts MATCH :fts").bindparams(fts=self._fts_query(tokens)))
        )

    def match_statements_bound(self) -> Select[Any, Any]:
        return (
            select(literal_column("rowid").label("seq"), literal_column("rank").label("rank"))
            .select_from(text("statement_fts"))
            .where(text("statement_fts MATCH :search"))
        )

    def search_value(self, tokens: list[str]) -> str:
        return self._fts_query(tokens)

    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        return (
            select(literal_column("rowid").label("seq"), literal_column("rank").label("rank"))
            .select_from(text("report_fts"))
            .where(text("report_fts MATCH :rfts").bindparams(rfts=self._fts_query(tokens)))
        )


class PostgresBackend(StoreBackend, PostgresDialect):
    def insert(self, table: Any) -> Any:
        return postgresql.insert(table)

    @staticmethod
    def _match(vector: Any, tokens: list[str]) -> tuple[Any, Any]:
        # The configuration is a constant, not a parameter, as the stored vectors were made.
        query = func.to_tsquery(literal_column("'simple'"), " & ".join(f"{t}:*" for t in tokens))
        return vector.op("@@")(query), -func.ts_rank(vector, query)

    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        # norm_tsv and search_tsv are stored, generated columns made by migration 0005; they
        # exist on PostgreSQL only, so the models do not declare them.
        condition, rank = self._match(literal_column("statements.norm_tsv"), tokens)
        return select(StatementRow.seq.label("seq"), rank.label("rank")).where(
            StatementRow.norm.is_not(None), condition
        )

    def match_statements_bound(self) -> Select[Any, Any]:
        # As `match_statements`, the search a bound parameter (the same vectors and ranks).
        vector: Any = literal_column("statements.norm_tsv")
        query = func.to_tsquery(literal_column("'simple'"), bindparam("search", type_=String))
        return select(
            StatementRow.seq.label("seq"), (-func.ts_rank(vector, query)).label("rank")
        ).where(StatementRow.norm.is_not(None), vector.op("@@")(query))

    def search_value(self, tokens: list[str]) -> str:
        return " & ".join(f"{t}:*" for t in tokens)

    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        condition, rank = self._match(literal_column("reports.search_tsv"), tokens)
        return select(Report.seq.label("seq"), rank.label("rank")).where(condition)


def backend_for(session: Session) -> StoreBackend:
    name = session.get_bind().dialect.name
    return PostgresBackend() if name == "postgresql" else SQLiteBackend()
