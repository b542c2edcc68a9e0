"""Sign-in under attack, over real HTTP on both backends: a name that exists and one that does
not take the same time; a storm of bad sign-ins does not stall other users (the password
check runs outside any transaction); the rate limits answer 429, in both languages, audited,
and alike for names that exist and names that do not."""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from vinculo.security.audit import AuditRow
from vinculo.settings import Settings

from conftest import BACKENDS, LiveServer, Store, make_store
from worlds import World, build_world


@pytest.fixture(params=BACKENDS)
def unlimited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """The small world; the sign-in limits are out of the way of a timing measurement."""
    for store in make_store(request.param, tmp_path, demo=True):
        build_world(store, real_password_cost=True)
        with LiveServer(store.settings) as server:
            yield server


@pytest.fixture(params=BACKENDS)
def limited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, LiveServer]]:
    """The small world under the default sign-in limits."""
    defaults = {
        name: Settings.model_fields[name].default
        for name in ("sign_in_limit_per_account", "sign_in_limit_per_client")
    }
    for store in make_store(request.param, tmp_path, demo=True, **defaults):
        world = build_world(store, real_password_cost=True)
        with LiveServer(store.settings) as server:
            yield world, server


def refusals(store: Store, outcome: str) -> list[AuditRow]:
    with store.sessions() as session:
        query = select(AuditRow).where(AuditRow.action == "refused", AuditRow.outcome == outcome)
        return list(session.execute(query).scalars())


def attempt(client: httpx.Client, username: str, password: str = "Wrong-pass-1234") -> float:
    started = time.perf_counter()
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 401, answer.text
    return elapsed


@pytest.mark.slow
def test_a_name_that_exists_and_one_that_does_not_take_the_same_time(
    unlimited: LiveServer,
) -> None:
    known_names = ["us.analyst", "mx.analyst", "dea.agent1", "fgr.mp1"]
    known: list[float] = []
    unknown: list[float] = []
    with httpx.Client(base_url=unlimited.url, timeout=60) as client:
        attempt(client, "warm.up")  # the first check of a name no account has makes its hash
        # Interleaved, so that the machine's load falls on both alike. Twenty of each: a
        # check costs a quarter of a second of argon2, which a name without its dummy hash
        # would skip, so the medians of twenty tell the two apart many times over.
        for i in range(20):
            unknown.append(attempt(client, f"nobody.{i}"))
            known.append(attempt(client, known_names[i % len(known_names)]))
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert abs(known_median - unknown_median) <= 0.2 * max(known_median, unknown_median), (
        known_median,
        unknown_median,
    )


def test_a_storm_of_bad_sign_ins_does_not_stall_other_users(
    limited: tuple[World, LiveServer],
) -> None:
    world, server = limited
    answers: list[httpx.Response] = []
    with server.client("us.analyst") as analyst:
        assert analyst.get("/api/v1/reports").status_code == 200
        names = ["mx.analyst", "dea.agent1", "fgr.mp1"] + [f"nobody.{i}" for i in range(37)]
        start = threading.Barrier(len(names) + 1)

        def bad_sign_in(name: str) -> None:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                start.wait()
                answers.append(
                    client.post(
                        "/api/v1/auth/token",
                        data={"username": name, "password": "Wrong-pass-1234"},
                        headers={"Accept-Language": "es"},
                    )
                )

        threads = [threading.Thread(target=bad_sign_in, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        start.wait()
        time.sleep(0.3)  # in the thick of it
        waits = []
        for _ in range(3):
            began = time.perf_counter()
            assert analyst.get("/api/v1/reports").status_code == 200
            waits.append(time.perf_counter() - began)
        storm_still_on = sum(thread.is_alive() for thread in threads)
        for thread in threads:
            thread.join(timeout=120)
    assert storm_still_on > 0  # the normal requests ran during the storm
    # The median of three: on two cores shared with another test worker one request can
    # meet that worker's burst (1.1 s seen once); a stall behind the storm delays all three.
    assert sorted(waits)[1] < 1.0, waits
    statuses = sorted(a.status_code for a in answers)
    # 30 attempts a minute from one address (the token above was one of them).
    assert statuses.count(401) == 29 and statuses.count(429) == 11, statuses
    limited_answer = next(a for a in answers if a.status_code == 429)
    assert "demasiados intentos" in limited_answer.json()["detail"]
    assert int(limited_answer.headers["retry-after"]) >= 1
    assert len(refusals(world.store, "429")) == 11


def test_the_limit_on_a_name_answers_alike_whether_the_account_exists(tmp_path: Path) -> None:
    limits = {"sign_in_limit_per_account": 3, "sign_in_limit_per_client": 30}
    for store in make_store("sqlite", tmp_path, demo=True, **limits):
        build_world(store, real_password_cost=True)
        with LiveServer(store.settings) as server, httpx.Client(base_url=server.url) as client:
            last = {}
            for name in ("us.analyst", "no.such.analyst"):
                for _ in range(3):
                    attempt(client, name)
                last[name] = client.post(
                    "/api/v1/auth/token", data={"username": name, "password": "demo"}
                )
            # Another name from the same address is not held back by the first two.
            with server.client("mx.analyst") as other:
                assert other.get("/api/v1/me").status_code == 200
        assert {a.status_code for a in last.values()} == {429}
        # The same answer, but for the seconds to wait, which the clock moves on.
        bodies = {re.sub(r"\d+", "N", a.text) for a in last.values()}
        assert len(bodies) == 1, bodies
        rows = refusals(store, "429")
        assert [json.loads(r.detail)["client"] for r in rows] == ["127.0.0.1"] * 2
