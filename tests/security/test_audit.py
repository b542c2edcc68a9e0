"""The audit chain: what is recorded, that it cannot be edited, and that tampering is found."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select, text

from vinculo.db import transaction
from vinculo.security.audit import AuditRow, record, verify, verify_parallel
from vinculo.security.dissemination import Dissemination, disseminate
from vinculo.security.markings import Actor

from conftest import LiveServer, Store
from worlds import World

ANA = Actor(username="ana", nation="MEX", agency="FGR", roles=frozenset({"analyst"}))


def rows(store: Store) -> list[AuditRow]:
    with store.sessions() as session:
        return list(session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars())


def chain_of(store: Store, count: int) -> None:
    for number in range(count):
        with transaction(store.sessions) as session:
            record(
                session=session,
                actor=ANA,
                action="read",
                kind="report",
                target=f"r{number}",
                ids=[f"r{number}"],
            )


def verdict(store: Store) -> tuple[int, str] | None:
    """Verified in one pass and in parallel stretches of two rows: both must agree."""
    with store.engine.connect() as connection:
        problem = verify(connection).problem
    url = store.settings.resolved_database_url
    parallel = verify_parallel(url, workers=3, min_stretch=2).problem
    assert parallel == problem
    return (problem.seq, problem.reason) if problem else None


def tamper(store: Store, *statements: str) -> None:
    """What someone with the database file could do once the guard triggers are gone."""
    with store.engine.begin() as connection:
        if store.backend == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        for statement in statements:
            connection.execute(text(statement))


def test_a_clean_chain_verifies(store: Store) -> None:
    chain_of(store, 5)
    with store.engine.connect() as connection:
        report = verify(connection)
    assert (report.rows, report.problem) == (5, None)
    links = rows(store)
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(links))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
    ],
)
def test_the_log_is_append_only_for_everyone(store: Store, statement: str) -> None:
    chain_of(store, 3)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(statement))
    assert verdict(store) is None


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE audit_log SET ids = '[]' WHERE seq = 3"], (3, "changed")),
        (["DELETE FROM audit_log WHERE seq = 2"], (2, "missing")),
        (["DELETE FROM audit_log WHERE seq = 5"], (5, "missing")),
        (
            [
                "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4",
                "INSERT INTO audit_log "
                "(seq, at, action, kind, ids, detail, outcome, prev_hash, hash) "
                "SELECT 4, at, action, kind, ids, detail, outcome, hash, hash FROM audit_log "
                "WHERE seq = 3",
            ],
            (4, "changed"),
        ),
    ],
)
def test_tampering_is_found_and_named(
    store: Store, statements: list[str], expected: tuple[int, str]
) -> None:
    chain_of(store, 5)
    tamper(store, *statements)
    assert verdict(store) == expected


def test_reads_writes_and_refusals_are_recorded_with_ids(world: World) -> None:
    before = len(rows(world.store))
    with LiveServer(world.store.settings) as server:
        with server.client("mx.analyst") as client:
            client.get("/api/v1/reports").raise_for_status()
            client.get("/api/v1/search", params={"q": "garcia"}).raise_for_status()
            client.get("/api/v1/entities/per-0001").raise_for_status()
            assert client.get(f"/api/v1/reports/{world.reports['usa_only']}").status_code == 404
        with server.client() as anonymous:
            anonymous.post(
                "/api/v1/auth/token", data={"username": "mx.analyst", "password": "wrong"}
            )
    new = rows(world.store)[before:]
    by_action = {(r.action, r.kind): r for r in new}
    assert by_action[("sign_in", "account")].actor == "mx.analyst"
    listed = json.loads(by_action[("list", "report")].ids)
    assert world.reports["fgr_amber"] in listed and world.reports["usa_only"] not in listed
    assert by_action[("search", "all")].target == "garcia"
    assert "per-0001" in json.loads(by_action[("search", "all")].ids)
    assert by_action[("read", "entity")].target == "per-0001"
    refused = [r for r in new if r.action == "refused"]
    assert {r.outcome for r in refused} == {"404", "401"}
    failed = next(r for r in refused if r.outcome == "401")
    assert json.loads(failed.detail)["username"] == "mx.analyst"
    assert verdict(world.store) is None


def test_dissemination_is_recorded_with_recipient_and_purpose(store: Store) -> None:
    with transaction(store.sessions) as session:
        disseminate(
            session=session,
            actor=ANA,
            recipient="DEA Phoenix FD",
            purpose="joint case Frontera",
            channel="export",
            kind="entity",
            ids=["per-1", "per-2"],
        )
    with store.sessions() as session:
        row = session.execute(select(Dissemination)).scalar_one()
    assert (row.sender, row.recipient, json.loads(row.ids)) == (
        "ana",
        "DEA Phoenix FD",
        ["per-1", "per-2"],
    )
    last = rows(store)[-1]
    assert (last.action, last.target) == ("disseminate", "DEA Phoenix FD")
