"""Two real nodes on loopback, each its own `vinculo serve` process and database (the U.S.
node on SQLite, the Mexican on PostgreSQL), federated: what may cross arrives within
seconds with its provenance, what may not never reaches the other node by any path, an ORCON
item waits for its originator, and a purged item is withdrawn on the partner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select, text

from vinculo.exchange.models import ReceivedObject, ReleaseRequest
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store
from exchange_nodes import (
    NodeProcess,
    accounts,
    bilateral,
    file_report,
    node_env,
    node_store,
    partner_token,
    ports,
    wait_for,
)

# What only one nation may hold: none of it may reach the other node.
US_ONLY = ("Tío Pancho", "1979-04-12", "Phoenix payments", "Walter Quinn", "Informant debrief")
MX_ONLY = ("Cuenta Secreta", "Operativo solo México")


@dataclass
class Node:
    store: Store
    process: NodeProcess
    actors: dict[str, Actor] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    us_port, mx_port = ports()
    us_dir, mx_dir = tmp_path_factory.mktemp("us"), tmp_path_factory.mktemp("mx")
    to_mx = PartnerConfig(name="mx", nation="MEX", account="node.mx")
    to_us = PartnerConfig(name="us", nation="USA", account="node.us")
    with (
        node_store("sqlite", us_dir, name="us", nation="USA", partners=[to_mx]) as us_store,
        # The Mexican node on PostgreSQL when the run has it (SQLite alone in `make test-fast`).
        node_store(BACKENDS[-1], mx_dir, name="mx", nation="MEX", partners=[to_us]) as mx_store,
    ):
        us_actors = accounts(
            us_store,
            [
                ("us.analyst", "DEA", ["analyst"], ["tf-sonora"]),
                ("dea.agent1", "DEA", ["analyst"], []),
                ("us.supervisor", "DEA", ["supervisor", "analyst"], []),
            ],
        )
        mx_actors = accounts(
            mx_store,
            [
                ("mx.analyst", "FGR", ["analyst"], ["tf-sonora"]),
                ("fgr.mp1", "FGR", ["analyst"], []),
            ],
        )
        dea, fgr = us_actors["dea.agent1"], mx_actors["fgr.mp1"]
        us_reports = {
            "shared": file_report(
                us_store,
                dea,
                "Shared surveillance of a stash house",
                properties={"name": ["José Ángel García López"]},
            ),
            "us_only": file_report(
                us_store,
                dea,
                "Phoenix payments",
                rel_to=("USA",),
                properties={
                    "name": ["José Ángel García López"],
                    "alias": ["Tío Pancho"],
                    "birthDate": ["1979-04-12"],
                },
            ),
            "strict": file_report(
                us_store,
                dea,
                "Informant debrief",
                tlp="AMBER+STRICT",
                entity_id="per-quinn",
                properties={"name": ["Walter Quinn"]},
            ),
            "orcon": file_report(
                us_store,
                dea,
                "Originator-controlled sighting",
                orcon=True,
                entity_id="per-orcon",
                properties={"name": ["Ramiro Vidal Ochoa"]},
            ),
        }
        mx_reports = {
            "shared": file_report(
                mx_store,
                fgr,
                "Operativo conjunto en Nogales",
                properties={"name": ["José Ángel García López"], "alias": ["El Güero"]},
            ),
            "mx_only": file_report(
                mx_store,
                fgr,
                "Operativo solo México",
                rel_to=("MEX",),
                entity_id="per-cuenta",
                properties={"name": ["Cuenta Secreta"]},
            ),
            "amber_dea": file_report(
                mx_store,
                fgr,
                "Vigilancia compartida con la DEA",
                tlp="AMBER",
                shared_with=("DEA",),
                entity_id="per-marisol",
                properties={"name": ["Marisol Peña Ruiz"]},
            ),
        }
        bilateral(us_store, "mx")
        bilateral(mx_store, "us")
        us_gives_mx = partner_token(us_store, "mx")
        mx_gives_us = partner_token(mx_store, "us")
        us_env = node_env(
            us_store,
            us_port,
            [
                to_mx.model_copy(
                    update={
                        "url": f"http://127.0.0.1:{mx_port}/taxii2/vinculo/",
                        "token": mx_gives_us,
                    }
                )
            ],
            VINCULO_EXCHANGE_SYNC="true",
        )
        mx_env = node_env(
            mx_store,
            mx_port,
            [
                to_us.model_copy(
                    update={
                        "url": f"http://127.0.0.1:{us_port}/taxii2/vinculo/",
                        "token": us_gives_mx,
                    }
                )
            ],
            VINCULO_EXCHANGE_SYNC="true",
        )
        us_process = NodeProcess(us_env, us_dir / "us.log").start()
        mx_process = NodeProcess(mx_env, mx_dir / "mx.log").start()
        try:
            yield (
                Node(us_store, us_process, us_actors, us_reports),
                Node(mx_store, mx_process, mx_actors, mx_reports),
            )
        finally:
            us_process.stop()
            mx_process.stop()


def _visible(node: Node, username: str, report_id: str) -> bool:
    with node.process.client(username) as client:
        return client.get(f"/api/v1/reports/{report_id}").status_code == 200


def _everything(store: Store) -> str:
    """Every row of every table that holds content, as text: what 'reached the node' means."""
    with store.engine.connect() as connection:
        parts = []
        for table in ("statements", "reports", "exchange_received", "exchange_quarantine"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def test_shared_items_cross_both_ways_with_their_provenance(nodes: tuple[Node, Node]) -> None:
    us, mx = nodes
    wait_for(lambda: _visible(mx, "mx.analyst", us.reports["shared"]), timeout=60)
    wait_for(lambda: _visible(us, "us.analyst", mx.reports["shared"]), timeout=60)
    # AMBER shared with DEA reaches the U.S. node, where DEA reads it.
    wait_for(lambda: _visible(us, "us.analyst", mx.reports["amber_dea"]), timeout=30)
    with mx.store.sessions() as session:
        received = session.execute(
            select(ReceivedObject).where(
                ReceivedObject.item_key == f"report:{us.reports['shared']}"
            )
        ).scalar_one()
        assert (received.partner, received.origin_node, received.origin_agency) == (
            "us",
            "us",
            "DEA",
        )
        assert (
            received.marking_ids and json.loads(received.markings_received)["object_marking_refs"]
        )
        datasets = (
            session.execute(
                text("SELECT DISTINCT dataset FROM statements WHERE entity_id = 'per-0001'")
            )
            .scalars()
            .all()
        )
    assert f"via:us:report:{us.reports['shared']}" in datasets
    # The person both nodes know now shows both nations' visible statements on each.
    with mx.process.client("mx.analyst") as client:
        entity = client.get("/api/v1/entities/per-0001").json()
        values = {s["value"] for s in entity["statements"]}
    assert {"José Ángel García López", "El Güero"} <= values


def test_what_may_not_cross_never_reaches_the_other_node(nodes: tuple[Node, Node]) -> None:
    us, mx = nodes
    wait_for(lambda: _visible(mx, "mx.analyst", us.reports["shared"]), timeout=60)
    wait_for(lambda: _visible(us, "us.analyst", mx.reports["shared"]), timeout=60)
    on_mx, on_us = _everything(mx.store), _everything(us.store)
    for secret in (*US_ONLY, us.reports["us_only"], us.reports["strict"], us.reports["orcon"]):
        assert secret not in on_mx, secret
    for secret in (*MX_ONLY, mx.reports["mx_only"]):
        assert secret not in on_us, secret
    with mx.process.client("mx.analyst") as client:
        assert client.get(f"/api/v1/reports/{us.reports['us_only']}").status_code == 404
        hits = client.get("/api/v1/search", params={"q": "Tío Pancho"}).json()
        assert hits["items"] == []


def test_orcon_waits_for_its_originator_then_crosses(nodes: tuple[Node, Node]) -> None:
    us, mx = nodes
    wait_for(lambda: _visible(mx, "mx.analyst", us.reports["shared"]), timeout=60)
    assert not _visible(mx, "mx.analyst", us.reports["orcon"])
    with us.process.client("us.supervisor") as client:
        queue = client.get("/api/v1/exchange/releases").json()["items"]
        request = next(i for i in queue if i["report_id"] == us.reports["orcon"])
        assert request["partner"] == "mx" and request["state"] == "pending"
        with us.process.client("dea.agent1") as analyst:
            refused = analyst.post(
                f"/api/v1/exchange/releases/{request['id']}",
                json={"approve": True, "reason": "not mine to approve"},
            )
            assert refused.status_code == 403
        decided = client.post(
            f"/api/v1/exchange/releases/{request['id']}",
            json={"approve": True, "reason": "cleared for Task Force Sonora partners"},
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "approved"
    wait_for(lambda: _visible(mx, "mx.analyst", us.reports["orcon"]), timeout=30)
    with us.store.sessions() as session:
        row = session.execute(
            select(ReleaseRequest).where(ReleaseRequest.id == request["id"])
        ).scalar_one()
        assert row.decided_by == "us.supervisor"


def test_a_report_filed_on_one_node_is_seen_on_the_other_within_seconds(
    nodes: tuple[Node, Node],
) -> None:
    us, mx = nodes
    wait_for(lambda: _visible(mx, "mx.analyst", us.reports["shared"]), timeout=60)
    report = {
        "title_en": "Pill presses moved to Nogales",
        "body_en": "A second load of pill presses crossed at Nogales.",
        "reliability": "B",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "suspicion": "Subjects are linked to fentanyl trafficking by payments.",
        "attest_no_protected_views": True,
        "review_by": "2027-06-01",
        "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
    }
    with us.process.client("dea.agent1") as client:
        created = client.post("/api/v1/reports", json=report)
        assert created.status_code == 201, created.text
        report_id = created.json()["id"]
    # The sync interval is 30 s: seen within 5 s means the live stream woke the worker.
    seconds = wait_for(lambda: _visible(mx, "mx.analyst", report_id), timeout=10, step=0.02)
    assert seconds < 5, seconds


def test_a_purged_report_is_withdrawn_on_the_partner(nodes: tuple[Node, Node]) -> None:
    us, mx = nodes
    report_id = us.reports["shared"]
    wait_for(lambda: _visible(mx, "mx.analyst", report_id), timeout=60)
    with us.process.client("us.supervisor") as client:
        purged = client.delete(
            f"/api/v1/reports/{report_id}", params={"reason": "source withdrawn its reporting"}
        )
        assert purged.status_code == 200, purged.text
    wait_for(lambda: not _visible(mx, "mx.analyst", report_id), timeout=30)
    with mx.store.sessions() as session:
        withdrawn = (
            session.execute(
                select(AuditRow).where(AuditRow.action == "withdraw", AuditRow.kind == "exchange")
            )
            .scalars()
            .all()
        )
        assert any(report_id in row.ids for row in withdrawn)
        statements = session.execute(
            text("SELECT count(*) FROM statements WHERE report_id = :r"), {"r": report_id}
        ).scalar_one()
        assert statements == 0
    assert Path  # the module's paths live in the fixture's temporary folders
