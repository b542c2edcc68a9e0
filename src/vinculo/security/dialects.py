"""What SQL that goes past SQLAlchemy (straight to the driver) must know of its database.

The lowest rung of the store backends: the audit chain uses it directly (security sits below
every domain), and `vinculo.intel.backends.StoreBackend` builds on it, so the domains above
ask one backend object for both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


class Dialect:
    """The SQLite answers; `PostgresDialect` overrides what differs."""

    name = "sqlite"
    mark = "?"  # the driver's parameter placeholder
    row_lock = ""  # SQLite transactions hold the write lock from BEGIN (vinculo.db)
    # Whether reads' audit rows go to the process's audit writer after the read commits
    # (security/audit.py). Not on SQLite: the read's transaction holds the write lock from
    # its BEGIN whatever it appends, so a writer would only add a second turn at the lock
    # (measured: p95 67 -> 241 ms, eight threads).
    audit_reads_later = False

    def marks(self, count: int) -> str:
        """`count` placeholders, comma-separated."""
        return ", ".join([self.mark] * count)

    def stored_time(self, at: datetime) -> Any:
        """A time as the driver is given it: SQLite keeps the text SQLAlchemy writes."""
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")

    def streaming_cursor(self, raw: Any, name: str) -> Any:
        """A driver cursor for a long read; SQLite's steps through rows as they are fetched."""
        return raw.cursor()


class PostgresDialect(Dialect):
    name = "postgresql"
    mark = "%s"
    row_lock = " FOR UPDATE"
    audit_reads_later = True

    def stored_time(self, at: datetime) -> Any:
        return at

    def streaming_cursor(self, raw: Any, name: str) -> Any:
        """A server-side cursor: the rows stay on the server until fetched."""
        return raw.cursor(name=name)


_DIALECTS = {"sqlite": Dialect(), "postgresql": PostgresDialect()}


def dialect_named(name: str) -> Dialect:
    found = _DIALECTS.get(name)
    if found is None:
        raise ValueError(f"unsupported database dialect {name!r}")
    return found


def dialect_of(where: Connection | Session) -> Dialect:
    bind = where.get_bind() if isinstance(where, Session) else where
    return dialect_named(bind.dialect.name)
