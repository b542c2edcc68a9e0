"""The sync worker against a partner that misbehaves: malformed STIX, markings this node does
not know, items not releasable to it, an oversized envelope, a replayed page, a partner that
is down or drops the connection mid-page. The receiver keeps working, stores nothing
half-written, quarantines each bad object with its reason, and resumes where it stopped.

The partner is a small TAXII server written here (a fake we wrote, on real HTTP)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select, text

from vinculo.exchange.client import PartnerDown
from vinculo.exchange.models import QuarantinedObject, ReceivedObject, SyncCursor
from vinculo.exchange.stix import Scope, StatementIn, entity_object
from vinculo.exchange.worker import CHECK_ELSEWHERE, Checker, Worker, backoff, sync_partner
from vinculo.intel.ftm import statement_key
from vinculo.security.markings import Markings
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, free_port
from exchange_nodes import node_store, wait_for

TAXII = "application/taxii+json;version=2.1"
GREEN_BOTH = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"])
USA_ONLY = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA"])


def person(entity_id: str, name: str, markings: Markings = GREEN_BOTH, **extra: Any) -> dict:
    seen = datetime(2026, 5, 1, 12, 0, 0)
    rows = [
        StatementIn(
            id=f"s-{entity_id}-{prop}",
            entity_id=entity_id,
            schema="Person",
            prop=prop,
            prop_type="id" if prop == "id" else "name",
            value=value,
            lang=None,
            original_value=None,
            dataset="report:abcdef0123456789",
            report_id="abcdef0123456789",
            first_seen=seen,
            last_seen=seen,
            marking_id=1,
            markings=markings,
        )
        for prop, value in (("id", entity_id), ("name", name))
    ]
    obj = entity_object(Scope("us", "c1"), entity_id, rows, {})
    obj.update(extra)
    return obj


@dataclass
class Partner:
    """The scripted partner: objects by date_added, and faults to play."""

    items: list[tuple[str, Any]] = field(default_factory=list)
    down: int = 0  # answer 503 to this many requests
    drop: int = 0  # drop this many object pages mid-body
    replay_from: str | None = None  # serve pages as if added_after were this
    requests: int = 0

    def add(self, obj: Any) -> None:
        stamp = datetime(2026, 6, 1) + timedelta(seconds=len(self.items))
        self.items.append((stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), obj))


def stub_app(partner: Partner) -> FastAPI:
    app = FastAPI()

    def taxii(body: Any, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body), media_type=TAXII, headers=headers)

    @app.get("/taxii2/vinculo/collections/")
    def collections() -> Response:
        partner.requests += 1
        if partner.down > 0:
            partner.down -= 1
            return Response("down", status_code=503)
        return taxii({"collections": [{"id": "c1", "can_read": True, "alias": "stub"}]})

    @app.get("/taxii2/vinculo/collections/c1/objects/")
    def objects(request: Request) -> Response:
        partner.requests += 1
        if partner.down > 0:
            partner.down -= 1
            return Response("down", status_code=503)
        asked = request.query_params.get("added_after") or ""
        after = asked if partner.replay_from is None else partner.replay_from
        limit = int(request.query_params.get("limit", "1000"))
        rows = [(d, o) for d, o in partner.items if d > after]
        page, more = rows[:limit], len(rows) > limit
        headers = {}
        if page:
            headers = {
                "X-TAXII-Date-Added-First": page[0][0],
                "X-TAXII-Date-Added-Last": page[-1][0],
            }
        body = json.dumps({"more": more, "objects": [o for _d, o in page]}).encode()
        if partner.drop > 0:
            partner.drop -= 1

            async def half() -> AsyncIterator[bytes]:
                yield body[: len(body) // 2]
                raise RuntimeError("connection dropped")

            return StreamingResponse(half(), media_type=TAXII, headers=headers)
        return Response(body, media_type=TAXII, headers=headers)

    @app.get("/taxii2/vinculo/stream/")
    def stream() -> Response:
        return Response("no stream", status_code=404)

    return app


class StubServer:
    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> StubServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(params=BACKENDS)
def receiver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    partners = [PartnerConfig(name="us", nation="USA", account="node.us")]
    with node_store(
        request.param,
        tmp_path,
        name="mx",
        nation="MEX",
        partners=partners,
        exchange_max_envelope_bytes=8192,
        sync_backoff_max_seconds=0.2,
    ) as store:
        yield store


def _config(store: Store, server: StubServer) -> PartnerConfig:
    return store.settings.partners[0].model_copy(
        update={"url": f"{server.url}/taxii2/vinculo/", "token": "t"}
    )


def _reasons(store: Store) -> dict[str, str]:
    with store.sessions() as session:
        rows = session.execute(select(QuarantinedObject)).scalars()
        return {r.stix_id: r.reason for r in rows}


def _names(store: Store) -> set[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT value FROM statements WHERE prop = 'name'"))
        return {r[0] for r in rows}


def test_bad_objects_are_quarantined_with_their_reason(receiver: Store) -> None:
    partner = Partner()
    good = person("per-good", "Good Person")
    unknown = person("per-unknown", "Unknown Marking")
    unknown["object_marking_refs"].append(f"marking-definition--{uuid.uuid4()}")
    usa_only = person("per-usa", "Only For Usa", USA_ONLY)
    agency = person("per-agency", "Unknown Agency")
    ext = next(iter(agency["extensions"].values()))
    ext["statements"][1]["markings"]["originator"] = "KGB"
    huge = person("per-huge", "Huge Person", x_padding="x" * 9000)
    partner.add(good)
    partner.add({"type": "identity", "id": "identity--not-a-uuid", "name": "bad"})
    partner.add(unknown)
    partner.add(usa_only)
    partner.add(agency)
    partner.add(huge)
    partner.add(person("per-after", "After The Huge One"))
    with StubServer(stub_app(partner)) as server:
        report = sync_partner(
            sessions=receiver.sessions, settings=receiver.settings, config=_config(receiver, server)
        )
    reasons = _reasons(receiver)
    assert reasons[unknown["id"]] == "unknown marking"
    assert reasons[usa_only["id"]] == "not releasable"
    assert reasons[agency["id"]] == "unknown marking"
    assert reasons["identity--not-a-uuid"] == "invalid"
    assert "oversized envelope" in reasons.values()
    names = _names(receiver)
    assert {"Good Person", "After The Huge One"} <= names
    assert not names & {"Unknown Marking", "Only For Usa", "Unknown Agency", "Huge Person"}
    assert report.outcome.stored == 2
    with receiver.sessions() as session:
        cursor = session.execute(select(SyncCursor)).scalar_one()
        assert cursor.added_after == partner.items[-1][0]


def test_replayed_pages_and_revocations(receiver: Store) -> None:
    partner = Partner()
    first = person("per-one", "First Person")
    partner.add(first)
    partner.add(person("per-two", "Second Person"))
    with StubServer(stub_app(partner)) as server:
        config = _config(receiver, server)
        sync_partner(sessions=receiver.sessions, settings=receiver.settings, config=config)
        # The partner replays everything from the start: nothing changes, nothing doubles.
        partner.replay_from = ""
        again = sync_partner(sessions=receiver.sessions, settings=receiver.settings, config=config)
        partner.replay_from = None
        assert again.outcome.stored == 0 and again.outcome.skipped == 2
        revoked = dict(first, revoked=True, modified="2026-07-01T00:00:00.000Z")
        partner.add(revoked)
        older = dict(first, modified="2026-04-01T00:00:00.000Z")  # out of order: older
        partner.add(older)
        sync_partner(sessions=receiver.sessions, settings=receiver.settings, config=config)
    assert _names(receiver) == {"Second Person"}
    with receiver.sessions() as session:
        row = session.get(ReceivedObject, first["id"])
        assert row is not None and row.revoked
        count = session.execute(select(func.count()).select_from(ReceivedObject)).scalar_one()
        assert count == 2


def test_a_partner_down_or_dropping_mid_page_is_retried(receiver: Store) -> None:
    partner = Partner(down=2, drop=1)
    for index in range(5):
        partner.add(person(f"per-{index}", f"Person {index}"))
    with StubServer(stub_app(partner)) as server:
        config = _config(receiver, server)
        with pytest.raises(PartnerDown):
            sync_partner(sessions=receiver.sessions, settings=receiver.settings, config=config)
        assert _names(receiver) == set()
        settings = receiver.settings.model_copy(update={"partners": [config]})
        worker = Worker(settings, receiver.sessions)
        worker.start()
        try:
            wait_for(lambda: len(_names(receiver)) == 5, timeout=20)
        finally:
            worker.close()
        assert worker.failures["us"] == 0 and worker.synced["us"] >= 1
    assert backoff(1, 60) < backoff(4, 60) * 0.8 <= 60
    assert backoff(30, 5) <= 5 * 1.2


AMBER_FGR = Markings.create(
    tlp="AMBER", originator="DEA", rel_to=["USA", "MEX"], shared_with=["FGR"]
)


def test_a_fact_under_two_markings_is_two_statements(receiver: Store) -> None:
    """The same name said of a person under GREEN and under AMBER shared with the FGR
    arrives as two statements, each with its markings and keyed as local ones are (with
    the markings' signature): neither absorbs the other."""
    seen = datetime(2026, 5, 1, 12, 0, 0)
    said = [("id", "per-twice", GREEN_BOTH), ("name", "Rosa Elena Vargas", GREEN_BOTH)]
    said.append(("name", "Rosa Elena Vargas", AMBER_FGR))
    rows = [
        StatementIn(
            id=f"s-{n}",
            entity_id="per-twice",
            schema="Person",
            prop=prop,
            prop_type="id" if prop == "id" else "name",
            value=value,
            lang=None,
            original_value=None,
            dataset="import:ledger",
            report_id=None,
            first_seen=seen,
            last_seen=seen,
            marking_id=n,
            markings=markings,
        )
        for n, (prop, value, markings) in enumerate(said, start=1)
    ]
    partner = Partner()
    partner.add(entity_object(Scope("us", "c1"), "per-twice", rows, {}))
    with StubServer(stub_app(partner)) as server:
        sync_partner(
            sessions=receiver.sessions, settings=receiver.settings, config=_config(receiver, server)
        )
    assert _reasons(receiver) == {}
    with receiver.engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT s.id, s.dataset, m.signature FROM statements s"
                " JOIN markings m ON m.id = s.marking_id WHERE s.prop = 'name'"
            )
        ).all()
    assert sorted(r.signature for r in stored) == sorted(
        m.signature() for m in (GREEN_BOTH, AMBER_FGR)
    )
    for row in stored:
        key = statement_key(row.dataset, "per-twice", "name", "Rosa Elena Vargas", row.signature)
        assert row.id == key


def test_a_large_page_is_checked_in_a_process_that_stops_with_its_holder(tmp_path: Path) -> None:
    """A page of many objects stix2 must check goes to the checker process while the last is
    stored; the process lives as long as whoever holds it (one sync, or the worker) and no
    longer, and what it decides is what the worker would have decided."""
    partners = [PartnerConfig(name="us", nation="USA", account="node.us")]
    partner = Partner()
    count = CHECK_ELSEWHERE + 10
    for index in range(count):
        partner.add(person(f"per-big-{index}", f"Person {index}", x_note="checked by stix2"))
    bad = person("per-big-bad", "Bad Stamp", x_note="checked by stix2")
    bad["created"] = "2026-13-45T00:00:00.000Z"
    partner.add(bad)
    with (
        node_store("sqlite", tmp_path, name="mx", nation="MEX", partners=partners) as store,
        StubServer(stub_app(partner)) as server,
    ):
        checker = Checker()
        try:
            report = sync_partner(
                sessions=store.sessions,
                settings=store.settings,
                config=_config(store, server),
                checker=checker,
            )
            assert checker.started, "the page was checked in the checker process"
        finally:
            checker.close()
        assert not checker.started and multiprocessing.active_children() == []
        assert report.outcome.stored == count
        assert _reasons(store) == {bad["id"]: "invalid"}
        # Without a checker of its own, a sync starts one and stops it at its end.
        partner.replay_from = ""
        again = sync_partner(
            sessions=store.sessions, settings=store.settings, config=_config(store, server)
        )
        assert (again.outcome.skipped, again.outcome.quarantined) == (count, 1)
        assert multiprocessing.active_children() == []
