"""The writer that commits many threads' items in one transaction: a bad item fails only the
hand-over that brought it, not the others that shared its batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeState
from vinculo.security.group_commit import GroupCommit, NotCommitted

from conftest import Store


def test_a_failed_batch_is_committed_again_hand_over_by_hand_over(store: Store) -> None:
    with transaction(store.sessions) as session:
        session.add(ExchangeState(key="taken", value="x"))
    gate = threading.Event()
    batches: list[int] = []

    def write(connection: Connection, keys: Sequence[str]) -> None:
        batches.append(len(keys))
        if keys == ["first"]:
            gate.wait(10)  # the others queue up meanwhile, for one batch
        connection.exec_driver_sql(
            "INSERT INTO exchange_state (key, value) VALUES "
            + ", ".join(["(?, 'x')" if store.backend == "sqlite" else "(%s, 'x')"] * len(keys)),
            tuple(keys),
        )

    writer: GroupCommit[str] = GroupCommit(store.engine, write)
    outcomes: dict[str, str] = {}

    def hand_over(*keys: str) -> None:
        try:
            writer.commit(keys)
            outcomes[keys[0]] = "committed"
        except NotCommitted:
            outcomes[keys[0]] = "failed"

    first = threading.Thread(target=hand_over, args=("first",))
    first.start()
    while not batches:
        time.sleep(0.01)
    # Four reads hand over while the writer is busy; one of them brings a key already taken.
    others = [
        threading.Thread(target=hand_over, args=keys)
        for keys in [("a1", "a2"), ("b1",), ("taken", "c1"), ("d1",)]
    ]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 10
    while len(writer._waiting) < 4:  # the four are queued behind the first batch
        assert time.monotonic() < deadline
        time.sleep(0.01)
    gate.set()
    for thread in [first, *others]:
        thread.join(20)
    assert outcomes == {
        "first": "committed",
        "a1": "committed",
        "b1": "committed",
        "taken": "failed",
        "d1": "committed",
    }
    assert batches[:2] == [1, 6]  # the four hand-overs (six rows) went together, and failed
    with store.sessions() as session:
        stored = sorted(session.scalars(select(ExchangeState.key)))
    # The bad hand-over's other row is not stored either: a read's rows stand or fall together.
    assert stored == ["a1", "a2", "b1", "d1", "first", "taken"]


@pytest.mark.parametrize("count", [1, 3])
def test_a_bad_batch_of_its_own_fails_its_hand_over(store: Store, count: int) -> None:
    def write(connection: Connection, keys: Sequence[str]) -> None:
        raise RuntimeError("the store refused the batch")

    writer: GroupCommit[str] = GroupCommit(store.engine, write)
    with pytest.raises(NotCommitted, match="refused the batch"):
        writer.commit([f"k{n}" for n in range(count)])
