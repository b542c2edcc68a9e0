"""Engine and session factory: a SQLite file (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    ORMExecuteState,
    Session,
    sessionmaker,
)

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # Let SQLAlchemy's "begin" event below decide how a transaction starts.
    dbapi_conn.isolation_level = None


# The execution option (and session option) of a read-only unit of work: see `transaction`.
READ_ONLY = "vinculo_read_only"
_DEFERRED = "vinculo.sqlite.deferred"  # connection.info: a read transaction, no write lock yet
_WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b"
    r"|^\s*WITH\b.*\b(INSERT|UPDATE|DELETE|REPLACE)\b",
    re.IGNORECASE | re.DOTALL,
)


def _sqlite_begin(connection: Any) -> None:
    """A write transaction takes the write lock at its start; a read-only one does not.

    A deferred SQLite transaction that reads and then writes fails at once when another
    writer committed in between (its snapshot is stale, and waiting cannot help), so a unit
    of work that may write takes the lock first and queues for it (busy_timeout). A read-only
    one (`transaction(..., read_only=True)`) begins deferred: it reads a WAL snapshot beside
    the writer and the other readers, and takes the lock only if it comes to write
    (`take_write_lock`).
    """
    deferred = bool(connection.get_execution_options().get(READ_ONLY))
    connection.info[_DEFERRED] = deferred
    connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _sqlite_end(connection: Any) -> None:
    connection.info.pop(_DEFERRED, None)


def take_write_lock(connection: Connection) -> None:
    """Make the open transaction a writing one, if it began as a read (SQLite only).

    A snapshot cannot become a writer once another has committed, so the read part ends
    (it wrote nothing) and the transaction goes on under the write lock: what is written
    from here on sees the store as it now is; rows read before were the snapshot's. A
    read-only unit of work writes only what does not depend on what it read (a token's last
    use, its audit rows) or reads again after this (the audit head, rows locked FOR UPDATE).
    Nothing to do on PostgreSQL, nor in a transaction that holds the lock already. Inside a
    savepoint the transaction cannot end: the write then asks SQLite to promote the snapshot,
    which it refuses (database is locked) if another writer has committed since it began.
    """
    if not connection.info.get(_DEFERRED):
        return
    connection.info[_DEFERRED] = False
    if connection.in_nested_transaction():
        return
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")


def holds_write_lock(connection: Connection) -> bool:
    """Whether the open SQLite transaction holds the write lock (began so, or took it)."""
    return connection.info.get(_DEFERRED) is False


def _sqlite_lock_before_write(
    conn: Connection, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    """A read-only transaction that comes to write takes the write lock first."""
    if conn.info.get(_DEFERRED) and _WRITES.match(statement):
        take_write_lock(conn)


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """Refuse text holding the NUL character before it reaches the database.

    PostgreSQL cannot store it in text (the driver fails: a 500), SQLite can; every way in
    (a form field, a JSON value, a path, a query, an imported file) meets this one check, so
    both backends answer alike: bad input, nothing stored.
    """
    refuse_nul(_flat(parameters))


def _flat(parameters: Any) -> Iterator[Any]:
    """Every value among a statement's parameters, whatever their shape: one row or many, a
    tuple or a mapping each, or (SQLAlchemy's batched insert of several rows) one flat row of
    all of them, which the `executemany` flag does not tell apart."""
    if isinstance(parameters, Mapping):
        parameters = parameters.values()
    elif not isinstance(parameters, (list, tuple)):
        yield parameters
        return
    for value in parameters:
        if isinstance(value, (Mapping, list, tuple)):
            yield from _flat(value)
        else:
            yield value


def refuse_nul(values: Iterable[Any]) -> None:
    """Bad input if any text among `values` holds the NUL character."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput(N_("the text holds a NUL character (code 0), which is refused"))


def make_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        event.listen(engine, "before_cursor_execute", _sqlite_lock_before_write)
    else:
        # Server-side prepared statements switch to a generic plan after a few runs, and a
        # generic plan cannot see how selective a search is (search p50 46 -> 18 ms).
        engine = create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None})
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_read_only(session: Session) -> bool:
    """Whether `session` is a read-only unit of work (`transaction(..., read_only=True)`)."""
    return bool(session.execution_options.get(READ_ONLY))


@event.listens_for(Session, "do_orm_execute")
def _lock_rows_for_update(state: ORMExecuteState) -> None:
    """Rows read FOR UPDATE in a read-only unit of work are read under the write lock
    (SQLite has no row locks: the statement runs without FOR UPDATE)."""
    locks = getattr(state.statement, "_for_update_arg", None) is not None
    if locks and state.is_select and is_read_only(state.session):
        take_write_lock(state.session.connection())


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error.

    `read_only`: the work is a reader's (a GET): on SQLite it reads a snapshot beside other
    readers and the writer instead of queueing for the write lock, and whatever it writes
    waits for the commit (no autoflush), when it takes the lock for that write alone; its
    reads' audit rows are appended after it (security/audit.py). The same on PostgreSQL,
    where only the autoflush differs.
    """
    if read_only:
        session = factory(execution_options={READ_ONLY: True}, autoflush=False)
    else:
        session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# The largest id an INTEGER column holds on both backends.
MAX_ROW_ID = 2**31 - 1


def fresh_ids(session: Session, column: InstrumentedAttribute[int], count: int) -> list[int]:
    """`count` random row ids in [1, MAX_ROW_ID] that `column` does not hold yet.

    For rows a reader is shown by number (their resolution pairs, their API tokens): the
    next number of a sequence tells how many rows others made in between, hidden ones too
    (MARKINGS.md: counts); a random number tells nothing. Every insert into such a table
    names its id, so no sequence is ever drawn on.
    """
    found: list[int] = []
    while len(found) < count:
        wanted = {secrets.randbelow(MAX_ROW_ID) + 1 for _ in range(count - len(found))}
        wanted -= set(found)
        taken: set[int] = set()
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 500):
            part = ordered[start : start + 500]
            taken.update(session.scalars(select(column).where(column.in_(part))))
        found += [i for i in wanted if i not in taken]
    return found[:count]
