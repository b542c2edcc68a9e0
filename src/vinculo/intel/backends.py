"""What differs between SQLite and PostgreSQL, behind one small interface (upserts, search)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, final

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vinculo.intel.ftm import fold
from vinculo.intel.models import Entity, Report, StatementRow

_TOKEN = re.compile(r"[a-z0-9]+")


def query_tokens(q: str) -> list[str]:
    """The words of a query, folded the way indexed text is folded."""
    return _TOKEN.findall(fold(q))[:12]


class StoreBackend(ABC):
    """Dialect hooks. Everything else in intel/ is plain SQLAlchemy shared by both."""

    @abstractmethod
    def insert(self, table: Any) -> Any:
        """A dialect insert that supports on_conflict_do_update/do_nothing."""

    @abstractmethod
    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        """(statement seq, rank) for indexed statements matching every token; lower is better."""

    @abstractmethod
    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        """(report seq, rank) for reports matching every token; lower is better."""

    @final
    def upsert_statements(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = self.insert(StatementRow.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={"last_seen": stmt.excluded.last_seen}
        )
        session.execute(stmt, list(rows))

    @final
    def insert_entities(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = self.insert(Entity.__table__).on_conflict_do_nothing(index_elements=["id"])
        session.execute(stmt, list(rows))


class SQLiteBackend(StoreBackend):
    def insert(self, table: Any) -> Any:
        return sqlite.insert(table)

    @staticmethod
    def _fts_query(tokens: list[str]) -> str:
        return " ".join(f'"{t}"*' for t in tokens)

    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        return (
            select(literal_column("rowid").label("seq"), literal_column("rank").label("rank"))
            .select_from(text("statement_fts"))
            .where(text("statement_fts MATCH :fts").bindparams(fts=self._fts_query(tokens)))
        )

    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        return (
            select(literal_column("rowid").label("seq"), literal_column("rank").label("rank"))
            .select_from(text("report_fts"))
            .where(text("report_fts MATCH :rfts").bindparams(rfts=self._fts_query(tokens)))
        )


class PostgresBackend(StoreBackend):
    def insert(self, table: Any) -> Any:
        return postgresql.insert(table)

    @staticmethod
    def _match(column: Any, tokens: list[str]) -> tuple[Any, Any]:
        # The configuration is a constant, not a parameter, so the planner uses the GIN index.
        simple: Any = literal_column("'simple'")
        vector = func.to_tsvector(simple, column)
        query = func.to_tsquery(simple, " & ".join(f"{t}:*" for t in tokens))
        return vector.op("@@")(query), -func.ts_rank(vector, query)

    def match_statements(self, tokens: list[str]) -> Select[Any, Any]:
        condition, rank = self._match(StatementRow.norm, tokens)
        return select(StatementRow.seq.label("seq"), rank.label("rank")).where(
            StatementRow.norm.is_not(None), condition
        )

    def match_reports(self, tokens: list[str]) -> Select[Any, Any]:
        condition, rank = self._match(Report.search_text, tokens)
        return select(Report.seq.label("seq"), rank.label("rank")).where(condition)


def backend_for(session: Session) -> StoreBackend:
    name = session.get_bind().dialect.name
    return PostgresBackend() if name == "postgresql" else SQLiteBackend()
