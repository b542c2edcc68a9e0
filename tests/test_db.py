"""Units of work: a read-only one reads beside other readers and the writer (on SQLite a
WAL snapshot instead of a turn at the write lock), and what it comes to write still lands."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from vinculo.db import holds_write_lock, transaction
from vinculo.exchange.models import ExchangeState

from conftest import Store


def keys(store: Store) -> list[str]:
    with store.sessions() as session:
        return sorted(session.scalars(select(ExchangeState.key)))


def within(seconds: float, *work: Callable[[], None]) -> None:
    """Run `work` in a thread of its own; fail if it has not finished in `seconds`."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for step in work:
                step()
        except BaseException as error:  # handed to the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds:g} s"
    assert not errors, errors


def put(store: Store, key: str, *, read_only: bool) -> None:
    with transaction(store.sessions, read_only=read_only) as session:
        session.execute(select(func.count()).select_from(ExchangeState)).scalar_one()
        session.add(ExchangeState(key=key, value="x"))


def test_a_reader_does_not_wait_for_another_reader_nor_holds_up_a_writer(store: Store) -> None:
    with transaction(store.sessions, read_only=True) as reading:
        # The reader has read (SQLite: its snapshot is taken) and is still open.
        assert reading.execute(select(func.count()).select_from(ExchangeState)).scalar_one() == 0
        assert not holds_write_lock(reading.connection())

        def other_reader() -> None:
            with transaction(store.sessions, read_only=True) as session:
                session.execute(select(ExchangeState)).all()

        # A writing transaction would have waited for the open one (busy_timeout: 30 s).
        within(10, other_reader, lambda: put(store, "written", read_only=False))
        # What the reader writes after another writer has committed still lands: it takes
        # the write lock for it (a stale SQLite snapshot cannot be promoted in place).
        reading.add(ExchangeState(key="read-then-written", value="x"))
    assert keys(store) == ["read-then-written", "written"]


def test_readers_that_write_in_many_threads_all_land(store: Store) -> None:
    start = threading.Barrier(6)

    def worker(number: int) -> None:
        start.wait()
        for turn in range(10):
            put(store, f"k{number}-{turn}", read_only=turn % 2 == 0)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys(store)) == 60


def test_a_read_only_unit_of_work_writes_at_its_commit(store: Store) -> None:
    # No autoflush: a change waits for the commit, so the reads before it hold no lock.
    with transaction(store.sessions, read_only=True) as session:
        session.add(ExchangeState(key="late", value="x"))
        session.execute(select(ExchangeState)).all()
        assert not holds_write_lock(session.connection())
    assert keys(store) == ["late"]


def test_rows_read_for_update_are_read_under_the_write_lock(store: Store) -> None:
    put(store, "lock", read_only=False)
    with transaction(store.sessions, read_only=True) as session:
        row = session.execute(
            select(ExchangeState).where(ExchangeState.key == "lock").with_for_update()
        ).scalar_one()
        if store.backend == "sqlite":
            assert holds_write_lock(session.connection())
        row.value = "y"
    with store.sessions() as session:
        assert session.get(ExchangeState, "lock").value == "y"  # type: ignore[union-attr]


def test_fresh_ids_are_random_and_unused(store: Store, monkeypatch: object) -> None:
    """Ids a reader is shown are drawn at random and never one a row already holds, even
    when the first draw hits one."""
    import pytest

    from vinculo import db
    from vinculo.db import MAX_ROW_ID, fresh_ids
    from vinculo.resolve.models import ResolutionPair

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    with transaction(store.sessions) as session:
        session.add(
            ResolutionPair(
                id=7, left_id="a", right_id="b", owner="x", scope="", score=0.5, judgement="auto"
            )
        )
    draws = iter([6, 40, 2])  # randbelow's answers: the first names the row above (id 7)
    monkeypatch.setattr(db.secrets, "randbelow", lambda _n: next(draws))
    with store.sessions() as session:
        assert sorted(fresh_ids(session, ResolutionPair.id, 2)) == [3, 41]
    monkeypatch.undo()
    with store.sessions() as session:
        many = fresh_ids(session, ResolutionPair.id, 200)
    assert len(set(many)) == 200 and 7 not in many
    assert all(1 <= i <= MAX_ROW_ID for i in many)
    # Not a run of consecutive numbers, as a sequence would give.
    assert sorted(many) != list(range(min(many), min(many) + 200))
