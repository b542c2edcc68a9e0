"""Reads' audit rows are durable before the read answers: committed in batches by one writer
per process after the read commits (on PostgreSQL every read's; on SQLite a read-only unit of
work's, which holds no write lock), else in the read's own transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.exchange.models import ExchangeState
from vinculo.security.audit import AuditItem, AuditRow, record, verify
from vinculo.security.markings import Actor

from conftest import Store, free_port
from worlds import World

ANA = Actor(username="ana", nation="MEX", agency="FGR", roles=frozenset({"analyst"}))


def count(store: Store, **where: str) -> int:
    with store.sessions() as session:
        query = select(func.count()).select_from(AuditRow)
        for column, value in where.items():
            query = query.where(getattr(AuditRow, column) == value)
        return int(session.execute(query).scalar_one())


def read(store: Store, number: int, *, read_only: bool = False) -> None:
    with transaction(store.sessions, read_only=read_only) as session:
        record(session=session, actor=ANA, action="read", kind="report", ids=[f"r{number}"])


@pytest.mark.parametrize("read_only", [False, True], ids=["writing", "read-only"])
def test_a_read_is_on_the_chain_when_its_commit_returns(store: Store, read_only: bool) -> None:
    read(store, 1, read_only=read_only)
    # Another connection sees it at once: the commit waited for the writer's.
    assert count(store, action="read") == 1
    with store.sessions() as session:
        assert session.get(AuditItem, ("r1", 1)) is not None


def test_a_read_rolled_back_is_not_recorded(store: Store) -> None:
    with pytest.raises(RuntimeError), transaction(store.sessions) as session:
        record(session=session, actor=ANA, action="list", kind="report", ids=["r1"])
        raise RuntimeError("the read failed before answering")
    read(store, 2)
    assert count(store, action="list") == 0
    assert count(store, action="read") == 1


def test_reads_and_writes_from_many_threads_make_one_verified_chain(store: Store) -> None:
    def reader(first: int) -> None:
        for number in range(first, first + 15):
            read(store, number, read_only=number % 2 == 0)
            if number % 5 == 0:
                with transaction(store.sessions) as session:
                    record(session=session, actor=ANA, action="write", kind="report")

    threads = [threading.Thread(target=reader, args=(n * 100,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(store, action="read") == 90
    assert count(store, action="write") == 6 * 3
    with store.engine.connect() as connection:
        report = verify(connection)
    assert (report.rows, report.problem) == (90 + 18, None)


def test_a_read_only_read_does_not_wait_for_a_reader_still_open(store: Store) -> None:
    with transaction(store.sessions, read_only=True) as reading:
        record(session=reading, actor=ANA, action="list", kind="report", ids=["r1"])
        assert count(store) == 0  # the open reader's row waits for its commit
        finished = threading.Event()

        def other() -> None:
            read(store, 2, read_only=True)
            finished.set()

        threading.Thread(target=other, daemon=True).start()
        # On SQLite a reader that took the write lock at BEGIN held up every other (30 s).
        assert finished.wait(10), "the second reader waited for the first"
        assert count(store, action="read") == 1
        # The open reader comes to write after the other's row was committed: the chain
        # takes both in order all the same.
        record(session=reading, actor=ANA, action="export", kind="report", ids=["r1"])
    assert count(store) == 3
    with store.engine.connect() as connection:
        assert verify(connection).problem is None


def test_a_read_only_read_that_writes_appends_its_rows_in_its_own_commit(store: Store) -> None:
    # A token's last use is such a write: the read's rows go with it, one turn at the lock.
    with transaction(store.sessions, read_only=True) as session:
        record(session=session, actor=ANA, action="search", kind="all", target="garcia")
        session.add(ExchangeState(key="touched", value="x"))
    assert count(store, action="search") == 1
    with store.sessions() as session:
        assert session.get(ExchangeState, "touched") is not None
    with store.engine.connect() as connection:
        assert verify(connection).problem is None


def test_the_first_appends_of_a_store_may_race(store: Store) -> None:
    start = threading.Barrier(6)

    def writer() -> None:
        start.wait()
        with transaction(store.sessions) as session:
            record(session=session, actor=ANA, action="write", kind="report")

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.engine.connect() as connection:
        assert (verify(connection).rows, verify(connection).problem) == (6, None)


@pytest.mark.parametrize("read_only", [False, True], ids=["writing", "read-only"])
def test_a_row_that_cannot_be_stored_fails_its_read_only(store: Store, read_only: bool) -> None:
    # Text the store refuses is refused in the read on both backends (checked before the
    # row is handed to the writer), so no other reader's batch fails with it.
    with pytest.raises(InvalidInput), transaction(store.sessions, read_only=read_only) as session:
        record(session=session, actor=ANA, action="search", kind="all", target="a\x00b")
    read(store, 3)
    assert count(store, action="search") == 0
    assert count(store, action="read") == 1


def serve(store: Store, directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "VINCULO_DATABASE_URL": store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(directory),
        "VINCULO_DEMO": "true",
        "VINCULO_PORT": str(port),
        "VINCULO_SIGN_IN_LIMIT_PER_CLIENT": "1000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "vinculo", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "the server exited"
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return process, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)


@pytest.mark.slow
def test_a_killed_server_lost_no_row_of_an_answer_it_sent(
    fresh_world: World, tmp_path: Path
) -> None:
    store = fresh_world.store
    process, base = serve(store, tmp_path)
    answered = [0] * 4
    try:
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "mx.analyst", "password": "demo"},
            timeout=30,
        ).json()["access_token"]

        def reader(slot: int) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                while True:
                    try:
                        response = client.get("/api/v1/reports?limit=5")
                    except httpx.TransportError:
                        return
                    if response.status_code == 200:
                        answered[slot] += 1

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(answered) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert sum(answered) >= 40
    assert count(store, actor="mx.analyst", action="list", kind="report") >= sum(answered)
    with store.engine.connect() as connection:
        assert verify(connection).problem is None
