"""Which process of a node runs its background work: the publisher and the sync worker.

`vinculo serve --workers N` runs N processes over one store; each would start its own
publisher and sync worker. The one that takes the node's background lease runs them; the
others only answer requests. The lease is held by the operating system or the database
for the life of the process, so a killed process frees it at once, and a process started
afterwards (uvicorn starts a new worker in place of a dead one) takes it:

- PostgreSQL: a session-level advisory lock, keyed by the schema the store lives in (two
  stores in two schemas of one database are two nodes), held on a connection kept open;
- SQLite: an exclusive `flock` on a file beside the database file.

A process that did not get the lease keeps asking for it (`Campaign`, every
`RETRY_SECONDS`), so when the holder dies or lets go, one of the processes still serving
takes over within that time; it does not wait for a new process to be started.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# Salts the advisory lock key, so it does not meet another program's locks on the database.
_LEASE = "vinculo.exchange.background"
# How often a process without the lease asks for it again.
RETRY_SECONDS = 5.0


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
    return Lease(holder=_HeldConnection(connection, key))


class _HeldConnection:
    def __init__(self, connection: Connection, key: int) -> None:
        self._connection = connection
        self._key = key

    def close(self) -> None:
        # Unlocked first: the server frees a closed connection's locks only once its backend
        # has gone, a moment later, and another process asking then would be refused.
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._connection.commit()
        except Exception:  # the connection may be gone already, and its lock with it
            log.warning("the background lease could not be given back; closing its connection")
        # Closed for good, not given back to the pool, where it would keep the lock.
        self._connection.invalidate()
        self._connection.close()


class Campaign:
    """Takes the node's lease as soon as it is free and then runs `lead` once.

    `start` asks at once (a lone process leads from its start, as before); a process that
    did not get the lease asks again every `retry_seconds` in a thread of its own, until it
    gets it or `stop` is called. The holder keeps the lease until `release`: stop the work
    `lead` started first, so two processes never run it at once.
    """

    def __init__(
        self,
        engine: Engine,
        lead: Callable[[], None],
        *,
        retry_seconds: float | None = None,
    ) -> None:
        self._engine = engine
        self._lead = lead
        self._retry = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lease = Lease()

    @property
    def held(self) -> bool:
        return self.lease.held

    def start(self) -> None:
        if self._try():
            return
        self._thread = threading.Thread(target=self._run, name="vinculo-lease", daemon=True)
        self._thread.start()

    def _try(self) -> bool:
        try:
            lease = take(self._engine)
        except Exception:  # the store may be unreachable for a moment: ask again later
            log.exception("asking for the background lease of process %s failed", os.getpid())
            return False
        if not lease.held:
            return False
        self.lease = lease
        self._lead()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self._retry):
            if self._try():
                log.info("process %s took over the background work", os.getpid())
                return

    def stop(self) -> None:
        """Ask no more; once this returns, `lead` is not running and will not start."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def release(self) -> None:
        self.lease.release()
