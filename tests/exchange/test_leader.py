"""One process of a node runs the publisher and the sync worker, however many serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vinculo.db import make_engine
from vinculo.exchange import leader

from conftest import LiveServer, Store

# A process that takes the lease, says whether it got it, and holds it until killed.
HOLDER = """
import sys, time
from vinculo.db import make_engine
from vinculo.exchange import leader
from vinculo.settings import Settings
lease = leader.take(make_engine(Settings(database_url=sys.argv[1])))
print("held" if lease.held else "not held", flush=True)
time.sleep(120)
"""


def holder(url: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def test_one_lease_per_store_until_its_holder_lets_go(store: Store) -> None:
    first = leader.take(store.engine)
    # Another engine is another process as far as the lock can tell.
    other = make_engine(store.settings)
    try:
        assert first.held
        assert not leader.take(other).held
        first.release()
        second = leader.take(other)
        assert second.held
        second.release()
    finally:
        other.dispose()


def test_two_stores_are_two_nodes(store: Store, tmp_path: Path) -> None:
    from conftest import make_store

    mine = leader.take(store.engine)
    for another in make_store(store.backend, tmp_path / "other"):
        theirs = leader.take(another.engine)
        assert mine.held and theirs.held
        theirs.release()
    mine.release()


def finish(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


@pytest.mark.slow
def test_of_two_processes_one_holds_and_a_successor_takes_over_at_once(store: Store) -> None:
    url = store.settings.resolved_database_url
    first, said_first = holder(url)
    second, said_second = holder(url)
    try:
        assert sorted([said_first, said_second]) == ["held", "not held"]
        winner = first if said_first == "held" else second
        finish(winner)
        time.sleep(0.2)
        third, said_third = holder(url)
        finish(third)
        assert said_third == "held"
    finally:
        finish(first)
        finish(second)


def publishing(server: LiveServer) -> bool:
    app = server.server.config.app
    return bool(app.state.publisher.thread.is_alive())


def publishing_within(server: LiveServer, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not publishing(server):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_only_the_lease_holder_of_a_node_starts_the_publisher(store: Store) -> None:
    other = make_engine(store.settings)
    elsewhere = leader.take(other)  # another process of the node holds the lease
    try:
        with LiveServer(store.settings) as server:
            assert not publishing(server)
        elsewhere.release()
        with LiveServer(store.settings) as server:
            assert publishing(server)
    finally:
        elsewhere.release()
        other.dispose()


def test_a_server_without_the_lease_takes_over_when_the_holder_lets_go(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leader, "RETRY_SECONDS", 0.2)
    other = make_engine(store.settings)
    elsewhere = leader.take(other)
    try:
        with LiveServer(store.settings) as server:
            time.sleep(0.5)  # it has asked again, and been refused
            assert not publishing(server)
            elsewhere.release()
            # Within the retry period (and a little), without a new process.
            assert publishing_within(server, 0.2 + 2)
        # A stopped server lets go too: the next one leads from its start.
        with LiveServer(store.settings) as server:
            assert publishing(server)
    finally:
        elsewhere.release()
        other.dispose()


@pytest.mark.slow
def test_when_the_holder_is_killed_a_serving_process_takes_over(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leader, "RETRY_SECONDS", 0.2)
    process, said = holder(store.settings.resolved_database_url)
    try:
        assert said == "held"
        with LiveServer(store.settings) as server:
            assert not publishing(server)
            finish(process)  # kill -9: the operating system or the database frees the lease
            assert publishing_within(server, 0.2 + 5)
    finally:
        finish(process)
