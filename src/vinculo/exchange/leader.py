"""Which process of a node runs its background work: the publisher and the sync worker.

`vinculo serve --workers N` runs N processes over one store; each would start its own
publisher and sync worker. The one that takes the node's background lease runs them; the
others only answer requests. The lease is held by the operating system or the database
for the life of the process, so a killed process frees it at once, and a process started
afterwards (uvicorn starts a new worker in place of a dead one) takes it:

- PostgreSQL: a session-level advisory lock, keyed by the schema the store lives in (two
  stores in two schemas of one database are two nodes), held on a connection kept open;
- SQLite: an exclusive `flock` on a file beside the database file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# Salts the advisory lock key, so it does not meet another program's locks on the database.
_LEASE = "vinculo.exchange.background"


class Lease:
    """The node's background lease, if this process holds it (`held`)."""

    def __init__(self, holder: Any = None) -> None:
        self._holder = holder

    @property
    def held(self) -> bool:
        return self._holder is not None

    def release(self) -> None:
        holder, self._holder = self._holder, None
        if holder is not None:
            holder.close()  # a file closed or a connection closed frees its lock


def take(engine: Engine) -> Lease:
    """Take the node's background lease if no other process holds it; never waits."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return _take_advisory(engine)
    database = url.database
    if not database or database == ":memory:":
        return Lease(holder=_Nothing())  # no other process can share this store
    return _take_file(Path(f"{database}.background.lock"))


class _Nothing:
    def close(self) -> None:
        pass


def _take_file(path: Path) -> Lease:
    handle: IO[bytes] = open(path, "ab")  # noqa: SIM115 (held open as the lock)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return Lease()
    except BaseException:
        handle.close()
        raise
    log.info("process %s runs the background work (lock %s)", os.getpid(), path)
    return Lease(holder=handle)


def _take_advisory(engine: Engine) -> Lease:
    connection = engine.connect()
    try:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        key = zlib.crc32(f"{_LEASE}:{schema}".encode()) - 2**31  # a signed 32-bit key
        won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        taken = bool(won.scalar_one())
        connection.commit()  # the lock is the session's, not the transaction's
    except BaseException:
        connection.close()
        raise
    if not taken:
        connection.close()
        return Lease()
    log.info("process %s runs the background work (advisory lock %s)", os.getpid(), key)
    return Lease(holder=_HeldConnection(connection))


class _HeldConnection:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def close(self) -> None:
        # Closed for good, not given back to the pool, where it would keep the lock.
        self._connection.invalidate()
        self._connection.close()
