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

from vinculo.db import holds_write_lock, take_write_lock


class Dialect:
    """The SQLite answers; `PostgresDialect` overrides what differs."""

    name = "sqlite"
    mark = "?"  # the driver's parameter placeholder
    row_lock = ""  # SQLite has no row locks: a writing transaction holds the write lock

    def audit_reads_later(self, read_only: bool) -> bool:
        """Whether reads' audit rows go to the process's audit writer after the read commits
        (security/audit.py) rather than into the read's own transaction.

        On SQLite only a read-only unit of work's: it reads a snapshot without the write lock
        and must not take it to append. A writing transaction holds the lock from its BEGIN
        whatever it appends, so a writer would only add a second turn at it (measured: p95
        67 -> 241 ms, eight threads).
        """
        return read_only

    def take_write_lock(self, connection: Connection) -> None:
        """Before reading what is about to be written (the audit head): hold the write lock.
        A read-only SQLite transaction takes it now (`vinculo.db.take_write_lock`)."""
        take_write_lock(connection)

    def holds_write_lock(self, connection: Connection) -> bool:
        """Whether the open transaction could append now without a wait of its own: a
        SQLite transaction that holds the write lock (it began writing, or came to write)."""
        return holds_write_lock(connection)

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

    def audit_reads_later(self, read_only: bool) -> bool:
        # Every read's: the head row would otherwise stay locked until the read commits.
        return True

    def take_write_lock(self, connection: Connection) -> None:
        pass  # the row lock of `row_lock` is enough

    def holds_write_lock(self, connection: Connection) -> bool:
        # Appending in the read's commit would hold the head row through that commit's
        # flush to disk, one reader after another: the writer shares one flush among many.
        return False

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
