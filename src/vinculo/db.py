"""Engine and session factory: a SQLite file (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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


def _sqlite_begin_immediate(connection: Any) -> None:
    """Every transaction takes the write lock at its start.

    Nearly every request writes (at least its audit row) after reading; a deferred SQLite
    transaction that reads and then writes fails at once when another writer committed in
    between. Taking the lock first makes them queue instead (busy_timeout).
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """Refuse text holding the NUL character before it reaches the database.

    PostgreSQL cannot store it in text (the driver fails: a 500), SQLite can; every way in
    (a form field, a JSON value, a path, a query, an imported file) meets this one check, so
    both backends answer alike: bad input, nothing stored.
    """
    for row in parameters if executemany else (parameters,):
        refuse_nul(row.values() if isinstance(row, Mapping) else row or ())


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
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        # Server-side prepared statements switch to a generic plan after a few runs, and a
        # generic plan cannot see how selective a search is (search p50 46 -> 18 ms).
        engine = create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None})
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
