"""Three real nodes on loopback — the U.S. and Guatemalan ones on SQLite, the Mexican one on
PostgreSQL when the run has it — each its own `vinculo serve` process and database, each the
partner of the other two: an item REL TO USA, MEX, GTM reaches all three; an item REL TO MEX,
GTM reaches Mexico and Guatemala and never the United States; and an item REL TO USA, MEX
changes nothing the Guatemalan node answers, by any path, though both other nodes pull it.

One world for the module: the three processes start once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from vinculo.db import transaction
from vinculo.exchange import partners as exchange_partners
from vinculo.exchange.models import ReceivedObject, SyncCursor
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, free_port
from exchange_nodes import (
    NodeProcess,
    accounts,
    bilateral,
    file_report,
    node_env,
    node_store,
    partner_token,
    wait_for,
)

GROUP = "tf-multinational"
# (name, nation, backend, accounts: user name, agency, roles, groups)
NODES = (
    (
        "us",
        "USA",
        "sqlite",
        [("dea.agent1", "DEA", ["analyst"], [GROUP]), ("us.analyst", "DEA", ["analyst"], [])],
    ),
    (
        "mx",
        "MEX",
        BACKENDS[-1],
        [("fgr.mp1", "FGR", ["analyst"], [GROUP]), ("mx.analyst", "FGR", ["analyst"], [])],
    ),
    (
        "gt",
        "GTM",
        "sqlite",
        [("gt.analyst", "PNC", ["analyst"], [GROUP]), ("mp.fiscal1", "MP", ["analyst"], [])],
    ),
)
# What the United States and Mexico alone may hold: none of it may reach Guatemala.
US_MX_ONLY = ("Tío Pancho", "Bodega Ensenada", "per-usmx", "per-mxus")
# What Mexico and Guatemala alone may hold: none of it may reach the United States.
MX_GT_ONLY = ("Lancha del Suchiate", "Cuenta Chiapaneca", "per-gtmx")
NEVER = "0" * 32  # a report id that was never used


@dataclass
class Node:
    name: str
    store: Store
    process: NodeProcess
    actors: dict[str, Actor] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(NODES):
        ports = {name: free_port() for name, *_ in NODES}
    configs = {
        name: PartnerConfig(name=name, nation=nation, account=f"node.{name}")
        for name, nation, *_ in NODES
    }
    stores: dict[str, Store] = {}
    actors: dict[str, dict[str, Actor]] = {}
    contexts = []
    try:
        for name, nation, backend, specs in NODES:
            others = [configs[o] for o in configs if o != name]
            context = node_store(
                backend,
                tmp_path_factory.mktemp(name),
                name=name,
                nation=nation,
                partners=others,
            )
            stores[name] = context.__enter__()
            contexts.append(context)
            actors[name] = accounts(stores[name], specs)
        tokens: dict[tuple[str, str], str] = {}
        for name, store in stores.items():
            partner_names = [o for o in stores if o != name]
            for other in partner_names:
                bilateral(store, other)
                tokens[(name, other)] = partner_token(store, other)
            with transaction(store.sessions) as session:
                exchange_partners.create_collection(
                    session=session,
                    settings=store.settings,
                    alias=f"{name}-{GROUP}",
                    title_en="Multinational task force",
                    title_es="Fuerza de tarea multinacional",
                    partners=partner_names,
                    groups=[GROUP],
                )
        reports = {
            "us": {
                "three": file_report(
                    stores["us"],
                    actors["us"]["dea.agent1"],
                    "Guide of the Suchiate ring paid from Houston",
                    rel_to=("USA", "MEX", "GTM"),
                    groups=(GROUP,),
                    entity_id="per-three",
                    properties={"name": ["Edgar Rolando Chután Morales"]},
                ),
            },
            "mx": {},
            "gt": {
                "three": file_report(
                    stores["gt"],
                    actors["gt"]["gt.analyst"],
                    "Casa de seguridad en Tecún Umán",
                    rel_to=("USA", "MEX", "GTM"),
                    groups=(GROUP,),
                    entity_id="per-gt-three",
                    properties={"name": ["Lucas Ajcip Tzoc"]},
                ),
                # Mexico and Guatemala only: never the United States.
                "mx_gt": file_report(
                    stores["gt"],
                    actors["gt"]["gt.analyst"],
                    "Lancha del Suchiate",
                    rel_to=("MEX",),
                    entity_id="per-gtmx",
                    properties={"name": ["Cuenta Chiapaneca"]},
                ),
            },
        }
        processes: dict[str, NodeProcess] = {}
        for name, store in stores.items():
            partners = [
                configs[other].model_copy(
                    update={
                        "url": f"http://127.0.0.1:{ports[other]}/taxii2/vinculo/",
                        "token": tokens[(other, name)],
                    }
                )
                for other in stores
                if other != name
            ]
            env = node_env(
                store,
                ports[name],
                partners,
                VINCULO_EXCHANGE_SYNC="true",
                # A pull of every partner at least this often: the proof that the Guatemalan
                # node asked after an item it must never get was published.
                VINCULO_SYNC_INTERVAL_SECONDS="1",
            )
            log = Path(str(store.settings.data_dir)) / f"{name}.log"
            processes[name] = NodeProcess(env, log)
        try:
            # Started side by side: each process spends its first seconds importing, and
            # three importing at once on a busy machine take longer than one.
            for process in processes.values():
                process.launch()
            for process in processes.values():
                process.ready(timeout=180)
            yield {
                name: Node(name, stores[name], processes[name], actors[name], reports[name])
                for name in stores
            }
        finally:
            # Stopped side by side too: each waits for its partners' live streams to end.
            with ThreadPoolExecutor(len(processes)) as pool:
                list(pool.map(NodeProcess.stop, processes.values()))
    finally:
        for context in reversed(contexts):
            context.__exit__(None, None, None)


def _visible(node: Node, username: str, report_id: str) -> bool:
    with node.process.client(username) as client:
        return client.get(f"/api/v1/reports/{report_id}").status_code == 200


def _everything(store: Store) -> str:
    """Every row of every table that holds content, as text: what 'reached the node' means."""
    with store.engine.connect() as connection:
        parts = []
        for table in ("statements", "reports", "exchange_received", "exchange_quarantine"):
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(sorted(parts))


def _pulled_since(node: Node, moment: datetime) -> bool:
    """Whether the node has pulled every collection of every partner since `moment`."""
    with node.store.sessions() as session:
        cursors = session.execute(select(SyncCursor)).scalars().all()
        seen = {c.partner for c in cursors}
        return seen == {"us", "mx", "gt"} - {node.name} and all(
            c.updated_at > moment and not c.last_error for c in cursors
        )


def _answers(node: Node, probes: dict[str, str]) -> list[Any]:
    """What each account of the node is told, by every read path an account has: report and
    entity lists, search, the probe items' pages, the network graph, and TAXII (collections,
    every object's versions, manifests)."""
    told: list[Any] = []
    for username in node.actors:
        with node.process.client(username) as api:
            told.append(api.get("/api/v1/reports", params={"limit": 100}).json())
            told.append(api.get("/api/v1/entities", params={"limit": 100}).json())
            for words in ("Tío Pancho", "Bodega", "García", "Subject", "Houston"):
                told.append(api.get("/api/v1/search", params={"q": words}).json())
                told.append(api.get("/api/v1/entities", params={"q": words}).json())
            for kind, value in probes.items():
                found = api.get(f"/api/v1/{kind}/{value}")
                told.append((kind, value, found.status_code, found.json()))
            graph = api.get("/api/v1/network/graph")
            told.append((graph.status_code, graph.json()))
        base = "/taxii2/vinculo/collections"
        with httpx.Client(base_url=node.process.url, auth=(username, "demo"), timeout=30) as taxii:
            listed = taxii.get(f"{base}/").json()
            told.append(listed)
            for collection in listed.get("collections", []):
                where = f"{base}/{collection['id']}"
                every = taxii.get(f"{where}/objects/", params={"match[version]": "all"}).json()
                told.append(every)
                told.append(taxii.get(f"{where}/manifest/").json())
    return told


def _missing(api: httpx.Client, kind: str, item_id: str) -> tuple[int, str]:
    found = api.get(f"/api/v1/{kind}/{item_id}")
    return found.status_code, found.text.replace(item_id, "ID")


def test_an_item_for_the_three_nations_reaches_every_node(world: dict[str, Node]) -> None:
    us, mx, gt = world["us"], world["mx"], world["gt"]
    for origin, readers in ((us, (mx, gt)), (gt, (us, mx))):
        report_id = origin.reports["three"]
        for node in readers:
            member = next(u for u, a in node.actors.items() if GROUP in a.groups)
            outsider = next(u for u, a in node.actors.items() if GROUP not in a.groups)
            wait_for(lambda n=node, m=member, r=report_id: _visible(n, m, r), timeout=60)
            # The task force's need-to-know holds on every node it reaches.
            assert not _visible(node, outsider, report_id)
            with node.store.sessions() as session:
                received = session.execute(
                    select(ReceivedObject).where(ReceivedObject.item_key == f"report:{report_id}")
                ).scalar_one()
            assert received.partner == received.origin_node == origin.name


def test_an_item_for_mexico_and_guatemala_never_reaches_the_united_states(
    world: dict[str, Node],
) -> None:
    us, mx, gt = world["us"], world["mx"], world["gt"]
    report_id = gt.reports["mx_gt"]
    wait_for(lambda: _visible(mx, "mx.analyst", report_id), timeout=60)
    # Mexico holds it now; the U.S. node then pulls Guatemala and Mexico again.
    moment = utcnow()
    wait_for(lambda: _pulled_since(us, moment), timeout=60)
    on_us = _everything(us.store)
    for secret in (*MX_GT_ONLY, report_id):
        assert secret not in on_us, secret
    for username in us.actors:
        assert not _visible(us, username, report_id)
    with us.process.client("us.analyst") as client:
        assert client.get("/api/v1/search", params={"q": "Lancha"}).json()["items"] == []


def test_an_item_for_the_united_states_and_mexico_changes_nothing_guatemala_answers(
    world: dict[str, Node],
) -> None:
    us, mx, gt = world["us"], world["mx"], world["gt"]
    # Guatemala holds what it will hold before the probe is filed.
    for report_id in (us.reports["three"], gt.reports["three"]):
        wait_for(lambda r=report_id: _visible(mx, "fgr.mp1", r), timeout=60)
    wait_for(lambda: _visible(gt, "gt.analyst", us.reports["three"]), timeout=60)
    settled = utcnow()
    wait_for(lambda: _pulled_since(gt, settled), timeout=60)
    probes = {"entities": "per-usmx", "reports": NEVER}
    before_rows, before = _everything(gt.store), _answers(gt, probes)
    # The probe, from each side: a U.S. report for the task force and the agreement, and a
    # Mexican one, both REL TO USA, MEX, naming a person Guatemala already knows.
    usmx = {
        "us_group": file_report(
            us.store,
            us.actors["dea.agent1"],
            "Tío Pancho at the Houston money transmitter",
            groups=(GROUP,),
            entity_id="per-three",
            properties={"name": ["Edgar Rolando Chután Morales"], "alias": ["Tío Pancho"]},
        ),
        "us": file_report(
            us.store,
            us.actors["dea.agent1"],
            "Bodega Ensenada payments",
            entity_id="per-usmx",
            properties={"name": ["Tío Pancho"]},
        ),
        "mx": file_report(
            mx.store,
            mx.actors["fgr.mp1"],
            "Bodega Ensenada, operativo binacional",
            entity_id="per-mxus",
            properties={"name": ["Tío Pancho"], "alias": ["Bodega Ensenada"]},
        ),
    }
    # (The task force's collection is served to Mexico and Guatemala at once, so its item
    # for two nations stays home: it only has to stay away from Guatemala.)
    for key, other, reader in (("us", mx, "mx.analyst"), ("mx", us, "us.analyst")):
        wait_for(lambda o=other, r=reader, k=key: _visible(o, r, usmx[k]), timeout=60)
    # Both other nodes hold the probe; Guatemala has since pulled every partner again.
    moment = utcnow()
    wait_for(lambda: _pulled_since(gt, moment), timeout=60)
    after_rows = _everything(gt.store)
    for secret in (*US_MX_ONLY, *usmx.values()):
        assert secret not in after_rows, secret
    assert after_rows == before_rows
    assert _answers(gt, probes) == before
    # The probe's own ids answer on Guatemala exactly as ids that never existed.
    for username in gt.actors:
        with gt.process.client(username) as api:
            for report_id in usmx.values():
                assert _missing(api, "reports", report_id) == _missing(api, "reports", NEVER)
            for entity_id in ("per-usmx", "per-mxus"):
                assert _missing(api, "entities", entity_id) == _missing(api, "entities", "per-x")
