"""One writer per database and process that commits what many threads hand it, in batches.

A thread hands over its items and waits until the transaction holding them has committed,
so what it does next (send an answer) happens only once they are durable. Meanwhile other
threads' items pile up and go into the next transaction together: a hundred waiting readers
cost one lock of the audit head and one commit, not a hundred of each in a queue.

If a batch's transaction fails, nothing of it is stored, and each hand-over in it is
committed again in a transaction of its own: only the hand-over that brought the bad item
(one read's rows) fails, the others are committed and their readers answered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

Item = TypeVar("Item")
IDLE_SECONDS = 5.0  # a writer with nothing to do for this long ends; the next hand-over starts one
# A hand-over not committed by then fails its caller (whose work is then not answered), so a
# caller holding the lock the writer waits for is not stuck with it for ever.
WAIT_SECONDS = 120.0


class NotCommitted(Exception):
    """The items handed over could not be committed."""


@dataclass
class _Handover(Generic[Item]):
    items: Sequence[Item]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommit(Generic[Item]):
    """The writer of one engine: `write` puts a batch into an open transaction."""

    def __init__(self, engine: Engine, write: Callable[[Connection, Sequence[Item]], None]) -> None:
        self._engine = engine
        self._write = write
        self._waiting: list[_Handover[Item]] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._running = False

    def commit(self, items: Sequence[Item]) -> None:
        """Return once `items` are committed; raise NotCommitted if they could not be."""
        handover: _Handover[Item] = _Handover(items)
        with self._lock:
            self._waiting.append(handover)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="vinculo-group-commit", daemon=True).start()
            self._wake.notify()
        if not handover.done.wait(WAIT_SECONDS):
            raise NotCommitted(f"not committed within {WAIT_SECONDS:g} s")
        if handover.error is not None:
            raise NotCommitted(str(handover.error)) from handover.error

    def _next_batch(self) -> list[_Handover[Item]]:
        with self._lock:
            while not self._waiting:
                if not self._wake.wait(timeout=IDLE_SECONDS) and not self._waiting:
                    self._running = False
                    return []
            batch, self._waiting = self._waiting, []
            return batch

    def _run(self) -> None:
        while batch := self._next_batch():
            try:
                self._commit_batch(batch)
            finally:
                for handover in batch:
                    handover.done.set()

    def _commit_batch(self, batch: list[_Handover[Item]]) -> None:
        try:
            self._commit_items([item for handover in batch for item in handover.items])
            return
        except Exception as error:
            if len(batch) == 1:
                log.exception("group commit failed")
                batch[0].error = error
                return
        # One bad hand-over must not fail the others: each goes again on its own.
        for handover in batch:
            try:
                self._commit_items(handover.items)
            except Exception as error:
                log.exception("group commit failed for one hand-over")
                handover.error = error

    def _commit_items(self, items: Sequence[Item]) -> None:
        with self._engine.begin() as connection:
            self._write(connection, items)
