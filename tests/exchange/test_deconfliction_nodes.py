"""Target deconfliction across real nodes on loopback: the U.S. node (SQLite), the Mexican
(PostgreSQL when the run has it) and the Guatemalan (SQLite), each its own `vinculo serve`
process, with an agreement key for U.S.–Mexico and one for U.S.–Guatemala.

A subject registered on both sides of the U.S.–Mexico agreement gives each side one notice
holding the other's contact and nothing else; a registration on a case REL TO USA, MEX never
reaches the Guatemalan node while one REL TO USA, GTM does; a partner that is down reads as
not checked since its last pull, never as "no conflict"."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.exchange.models import (
    ExchangeCollection,
    ReceivedObject,
    ReceivedPointer,
    SyncCursor,
)
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, free_port
from exchange_nodes import NodeProcess, accounts, node_env, node_store, partner_token, wait_for

KEY_MX = {"key_id": "usmx-2026", "secret": "u" * 20 + "m" * 20}
KEY_GT = {"key_id": "usgt-2026", "secret": "u" * 20 + "g" * 20}
PHONE = "+52 33 3614 2000"
US_DESK = "+1 602 334 1234"
MX_DESK = "+52 55 5346 0000"
US_TITLE = "Phoenix cell: fentanyl presses"
US_CAPTION_WORD = "presses"


@dataclass
class Node:
    name: str
    store: Store
    process: NodeProcess

    def client(self, username: str) -> httpx.Client:
        return self.process.client(username)


def _keys(*pairs: tuple[dict[str, str], list[str]]) -> str:
    return json.dumps([dict(key, partners=partners) for key, partners in pairs])


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    port = {n: free_port() for n in ("us", "mx", "gt")}
    while len(set(port.values())) < 3:
        port["gt"] = free_port()
    dirs = {n: tmp_path_factory.mktemp(n) for n in port}
    to = {
        "us": PartnerConfig(name="us", nation="USA", account="node.us"),
        "mx": PartnerConfig(name="mx", nation="MEX", account="node.mx"),
        "gt": PartnerConfig(name="gt", nation="GTM", account="node.gt"),
    }
    with (
        node_store(
            "sqlite", dirs["us"], name="us", nation="USA", partners=[to["mx"], to["gt"]]
        ) as us_store,
        node_store(
            BACKENDS[-1], dirs["mx"], name="mx", nation="MEX", partners=[to["us"]]
        ) as mx_store,
        node_store("sqlite", dirs["gt"], name="gt", nation="GTM", partners=[to["us"]]) as gt_store,
    ):
        stores = {"us": us_store, "mx": mx_store, "gt": gt_store}
        accounts(us_store, [("dea.agent1", "DEA", ["analyst"], [])])
        accounts(mx_store, [("fgr.mp1", "FGR", ["analyst"], [])])
        accounts(gt_store, [("pnc.agent1", "PNC", ["analyst"], [])])
        tokens = {
            ("us", "mx"): partner_token(us_store, "mx"),
            ("us", "gt"): partner_token(us_store, "gt"),
            ("mx", "us"): partner_token(mx_store, "us"),
            ("gt", "us"): partner_token(gt_store, "us"),
        }

        def partner(me: str, other: str) -> PartnerConfig:
            return to[other].model_copy(
                update={
                    "url": f"http://127.0.0.1:{port[other]}/taxii2/vinculo/",
                    "token": tokens[(other, me)],
                }
            )

        keys = {
            "us": _keys((KEY_MX, ["mx"]), (KEY_GT, ["gt"])),
            "mx": _keys((KEY_MX, ["us"])),
            "gt": _keys((KEY_GT, ["us"])),
        }
        partners = {"us": ["mx", "gt"], "mx": ["us"], "gt": ["us"]}
        processes = {
            n: NodeProcess(
                node_env(
                    stores[n],
                    port[n],
                    [partner(n, o) for o in partners[n]],
                    VINCULO_EXCHANGE_SYNC="true",
                    VINCULO_SYNC_INTERVAL_SECONDS="2",
                    VINCULO_SYNC_BACKOFF_MAX_SECONDS="2",
                    VINCULO_DECONFLICTION_KEYS=keys[n],
                ),
                dirs[n] / f"{n}.log",
            ).launch()
            for n in port
        }
        try:
            for process in processes.values():
                process.ready()
            yield {n: Node(n, stores[n], processes[n]) for n in port}
        finally:
            for process in processes.values():
                process.stop()


def open_case(node: Node, username: str, lead: str, agencies: list[str], title: str) -> str:
    with node.client(username) as api:
        answer = api.post(
            "/api/v1/cases", json={"title_en": title, "lead_agency": lead, "agencies": agencies}
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])


def register(node: Node, username: str, case_id: str, phone: str, desk: str) -> dict[str, Any]:
    with node.client(username) as api:
        answer = api.post(
            f"/api/v1/cases/{case_id}/targets",
            json={"kind": "phone", "phones": [phone], "contact_phone": desk},
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def notices(node: Node, username: str, case_id: str) -> list[dict[str, Any]]:
    with node.client(username) as api:
        answer = api.get(f"/api/v1/cases/{case_id}/targets")
        assert answer.status_code == 200, answer.text
        return list(answer.json()["notices"])


def received(store: Store) -> list[ReceivedPointer]:
    with transaction(store.sessions) as session:
        rows = list(session.execute(select(ReceivedPointer)).scalars())
        for row in rows:
            session.expunge(row)
        return rows


def pulled_at(store: Store, partner: str) -> Any:
    with transaction(store.sessions) as session:
        return session.execute(
            select(func.max(SyncCursor.updated_at)).where(SyncCursor.partner == partner)
        ).scalar()


def test_a_hit_tells_both_sides_only_whom_to_call(nodes: dict[str, Node]) -> None:
    us, mx = nodes["us"], nodes["mx"]
    us_case = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR"], US_TITLE)
    mine = register(us, "dea.agent1", us_case, PHONE, US_DESK)
    assert mine["notices"] == []
    # The U.S. pointer reaches the Mexican node (through the live stream and a pull).
    wait_for(lambda: len(received(mx.store)) == 1, timeout=30)
    mx_case = open_case(mx, "fgr.mp1", "FGR", ["FGR", "DEA"], "Operativo Halcón")
    # The same phone written the Mexican way: its national digits.
    theirs = register(mx, "fgr.mp1", mx_case, "33 3614 2000", MX_DESK)
    assert [(n["contact_agency"], n["contact_phone"]) for n in theirs["notices"]] == [
        ("DEA", US_DESK)
    ]
    # Only the contact: nothing of the U.S. case in the Mexican node's answer or store.
    text = json.dumps(theirs)
    assert us_case not in text and US_CAPTION_WORD not in text and "Phoenix" not in text
    assert set(theirs["notices"][0]) == {
        "target_id",
        "contact_name",
        "contact_agency",
        "contact_phone",
        "at",
    }
    with transaction(mx.store.sessions) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(ReceivedObject)
                .where(ReceivedObject.stix_type.like("x-vinculo-deconfliction%"))
            ).scalar_one()
            == 0
        )
    # The U.S. side learns the Mexican contact when the Mexican pointer arrives.
    wait_for(lambda: len(notices(us, "dea.agent1", us_case)) == 1, timeout=30)
    told = notices(us, "dea.agent1", us_case)[0]
    assert (told["contact_agency"], told["contact_phone"]) == ("FGR", MX_DESK)
    # Told once each, however often the pointers are pulled again.
    time.sleep(3)
    assert len(notices(us, "dea.agent1", us_case)) == 1
    assert len(notices(mx, "fgr.mp1", mx_case)) == 1
    # The partner is named in the check with when its pointers were last received.
    checked = {c["node"]: c for c in mine["checked"]}
    assert set(checked) == {"us", "mx"}
    again = register(us, "dea.agent1", us_case, "+52 33 3614 2999", US_DESK)
    mx_checked = next(c for c in again["checked"] if c["node"] == "mx")
    assert mx_checked["at"] is not None and not mx_checked["stale"]


def test_a_usa_mex_registration_never_reaches_guatemala(nodes: dict[str, Node]) -> None:
    us, gt = nodes["us"], nodes["gt"]
    before = {p.id for p in received(gt.store)}
    us_case = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR"], "Nogales crossing")
    register(us, "dea.agent1", us_case, "+52 33 1111 2222", US_DESK)
    # A registration on a case REL TO USA, GTM does reach it: the Guatemalan node pulls.
    gt_case = open_case(us, "dea.agent1", "DEA", ["DEA", "PNC"], "Tecún Umán route")
    register(us, "dea.agent1", gt_case, "+502 2411 8000", US_DESK)
    wait_for(lambda: len({p.id for p in received(gt.store)} - before) == 1, timeout=30)
    # After pulls that came later, still only that one: the USA, MEX pointer never came.
    mark = pulled_at(gt.store, "us")
    wait_for(lambda: pulled_at(gt.store, "us") > mark, timeout=30)
    fresh = [p for p in received(gt.store) if p.id not in before]
    assert [p.key_id for p in fresh] == ["usgt-2026"]
    # Nor is there anything of it on the U.S. node's side for Guatemala to read.
    with transaction(us.store.sessions) as session:
        aliases = set(session.execute(select(ExchangeCollection.alias)).scalars())
    assert {"deconfliction-mx", "deconfliction-gt"} <= aliases
    with httpx.Client(base_url=us.process.url, timeout=30) as api:
        token = partner_token(us.store, "gt")
        listed = api.get(
            "/taxii2/vinculo/collections/",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/taxii+json;version=2.1",
            },
        ).json()
    assert [c["title"] for c in listed.get("collections", [])] == [
        "Deconfliction pointers for node gt"
    ]


def test_a_partner_that_is_down_reads_as_not_checked(nodes: dict[str, Node]) -> None:
    us, gt = nodes["us"], nodes["gt"]
    gt.process.stop()
    # Past three sync intervals' floor with no pull from Guatemala.
    last = pulled_at(us.store, "gt")
    time.sleep(11)
    us_case = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR", "PNC"], "Task force route")
    check = register(us, "dea.agent1", us_case, "+52 33 4444 5555", US_DESK)
    checked = {c["node"]: c for c in check["checked"]}
    assert set(checked) == {"us", "mx", "gt"}
    assert checked["gt"]["stale"] is True
    assert checked["mx"]["stale"] is False
    if last is not None:
        assert checked["gt"]["at"].startswith(last.isoformat()[:16])
