"""Event deconfliction across real nodes on loopback: the U.S. node (SQLite), the Mexican
(PostgreSQL when the run has it) and the Guatemalan (SQLite), each its own `vinculo serve`
process, with an agreement key for U.S.–Mexico and one for U.S.–Guatemala.

An operation in Nogales, Arizona (America/Phoenix) on the U.S. node and one in Nogales,
Sonora (America/Hermosillo) on the Mexican node, overlapping in UTC, raise an alert on each
node naming only the other's contact; operations on different days raise none; an operation
of a case not released to Mexico never crosses, and a case REL TO USA, MEX sends nothing to
the Guatemalan node."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.exchange.models import ReceivedObject, ReceivedPointer, ReceivedPointerHash
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, free_port
from exchange_nodes import NodeProcess, accounts, node_env, node_store, partner_token, wait_for

# An answer's own timestamps ("…T13:49:31.304643") can spell a coordinate's first digits.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+")


def _without_times(text: str) -> str:
    return TIMESTAMP.sub("", text)


KEY_MX = {"key_id": "usmx-2026", "secret": "u" * 20 + "m" * 20}
KEY_GT = {"key_id": "usgt-2026", "secret": "u" * 20 + "g" * 20}
US_DESK = "+1 520 555 0147"
MX_DESK = "+52 631 555 0199"
NOGALES_AZ = (31.3404, -110.9343)
NOGALES_SON = (31.3086, -110.9422)
US_TITLE = "Nogales tunnel: controlled delivery of presses"
MX_TITLE = "Operativo Túnel Sonora"


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
        accounts(
            us_store,
            [("dea.agent1", "DEA", ["analyst"], []), ("dea.watch", "DEA", ["supervisor"], [])],
        )
        accounts(
            mx_store,
            [("fgr.mp1", "FGR", ["analyst"], []), ("fgr.watch", "FGR", ["supervisor"], [])],
        )
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


def plan(
    node: Node,
    username: str,
    case_id: str,
    where: tuple[float, float],
    starts: str,
    ends: str,
    desk: str,
) -> dict[str, Any]:
    with node.client(username) as api:
        answer = api.post(
            f"/api/v1/cases/{case_id}/operations",
            json={
                "kind": "controlled_delivery",
                "latitude": where[0],
                "longitude": where[1],
                "radius_m": 2_000,
                "starts_local": starts,
                "ends_local": ends,
                "contact_phone": desk,
            },
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def alerts(node: Node, username: str) -> list[dict[str, Any]]:
    with node.client(username) as api:
        answer = api.get("/api/v1/deconfliction/alerts")
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])


def operation_pointers(store: Store) -> set[str]:
    """The ids of the operation pointers the node holds from its partners."""
    with transaction(store.sessions) as session:
        return set(
            session.execute(
                select(ReceivedPointer.id)
                .join(ReceivedPointerHash, ReceivedPointerHash.pointer_id == ReceivedPointer.id)
                .where(ReceivedPointerHash.kind == "operation")
            ).scalars()
        )


def pulls_since(store: Store, partner: str) -> Any:
    from vinculo.exchange.models import PointerPartner

    with transaction(store.sessions) as session:
        row = session.get(PointerPartner, partner)
        return row.last_pulled_at if row is not None else None


def _theirs(alert: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["agency"], c["phone"]) for c in alert["contacts"] if c["side"] == "theirs"]


def test_an_overlap_across_the_border_alerts_both_nodes_naming_only_the_other(
    nodes: dict[str, Node],
) -> None:
    us, mx = nodes["us"], nodes["mx"]
    us_case = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR"], US_TITLE)
    mx_case = open_case(mx, "fgr.mp1", "FGR", ["FGR", "DEA"], MX_TITLE)
    # 06:00–12:00 in Arizona is 13:00–19:00 UTC; 07:00–10:00 in Sonora is 14:00–17:00 UTC.
    mine = plan(
        us, "dea.agent1", us_case, NOGALES_AZ, "2027-01-20T06:00", "2027-01-20T12:00", US_DESK
    )
    assert mine["operation"]["time_zone"] == "America/Phoenix"
    assert {c["node"] for c in mine["checked"]} == {"us", "mx"}
    theirs = plan(
        mx, "fgr.mp1", mx_case, NOGALES_SON, "2027-01-20T07:00", "2027-01-20T10:00", MX_DESK
    )
    assert theirs["operation"]["time_zone"] == "America/Hermosillo"
    # 90 s, not the bench's two: under the full suite on two cores a pull can wait out a
    # back-off (bench/operations_nodes.py measures the latency).
    wait_for(lambda: len(alerts(mx, "fgr.mp1")) == 1, timeout=90)
    wait_for(lambda: len(alerts(us, "dea.agent1")) == 1, timeout=90)
    (mx_alert,) = alerts(mx, "fgr.mp1")
    (us_alert,) = alerts(us, "dea.agent1")
    assert _theirs(mx_alert) == [("DEA", US_DESK)]
    assert _theirs(us_alert) == [("FGR", MX_DESK)]
    assert mx_alert["case_id"] == mx_case and us_alert["case_id"] == us_case
    # The watch on each node is told too, with both contacts and no case.
    (mx_watch,) = alerts(mx, "fgr.watch")
    assert mx_watch["case_id"] is None
    assert {c["phone"] for c in mx_watch["contacts"]} == {US_DESK, MX_DESK}
    assert len(alerts(us, "dea.watch")) == 1
    # Nothing of the other case in either answer, nothing of it stored as intelligence.
    mx_text = _without_times(json.dumps([mx_alert, mx_watch, theirs]))
    for secret in (us_case, "presses", "Nogales tunnel", "31.34", "-110.93", "Phoenix"):
        assert secret not in mx_text
    us_text = _without_times(json.dumps([us_alert, mine]))
    for secret in (mx_case, "Túnel", "Sonora", "31.30", "Hermosillo"):
        assert secret not in us_text
    with transaction(mx.store.sessions) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(ReceivedObject)
                .where(ReceivedObject.stix_type.like("x-vinculo-deconfliction%"))
            ).scalar_one()
            == 0
        )
    # Acknowledged and resolved on one node, the alert stays open on the other.
    with mx.client("fgr.mp1") as api:
        assert api.post(f"/api/v1/deconfliction/alerts/{mx_alert['id']}/acknowledge").is_success
        done = api.post(
            f"/api/v1/deconfliction/alerts/{mx_alert['id']}/resolve",
            json={"note": "DEA entrega primero; FGR espera en la garita."},
        )
        assert done.status_code == 200, done.text
    assert alerts(us, "dea.agent1")[0]["status"] == "open"


def test_operations_on_different_days_raise_nothing(nodes: dict[str, Node]) -> None:
    us, mx = nodes["us"], nodes["mx"]
    before = {
        n: len(alerts(node, u)) for n, node, u in (("us", us, "dea.agent1"), ("mx", mx, "fgr.mp1"))
    }
    held = {n: operation_pointers(nodes[n].store) for n in ("us", "mx")}
    us_case = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR"], "Nogales, February")
    mx_case = open_case(mx, "fgr.mp1", "FGR", ["FGR", "DEA"], "Nogales, febrero")
    plan(us, "dea.agent1", us_case, NOGALES_AZ, "2027-02-10T06:00", "2027-02-10T12:00", US_DESK)
    plan(mx, "fgr.mp1", mx_case, NOGALES_SON, "2027-02-11T07:00", "2027-02-11T10:00", MX_DESK)
    # Each node holds the other's new pointer, and has checked it.
    wait_for(lambda: len(operation_pointers(mx.store) - held["mx"]) == 1, timeout=90)
    wait_for(lambda: len(operation_pointers(us.store) - held["us"]) == 1, timeout=90)
    assert len(alerts(us, "dea.agent1")) == before["us"]
    assert len(alerts(mx, "fgr.mp1")) == before["mx"]


def test_a_case_not_released_to_a_nation_sends_it_nothing(nodes: dict[str, Node]) -> None:
    us, mx, gt = nodes["us"], nodes["mx"], nodes["gt"]
    held_mx = operation_pointers(mx.store)
    held_gt = operation_pointers(gt.store)
    mx_before = len(alerts(mx, "fgr.mp1"))
    # A DEA-only case (REL TO USA) overlapping the Mexican operation of the first test, and a
    # case REL TO USA, MEX, PNC absent: neither reaches Guatemala; the first not even Mexico.
    hidden = open_case(us, "dea.agent1", "DEA", ["DEA"], "Hidden surveillance of the Nogales port")
    answer = plan(
        us, "dea.agent1", hidden, NOGALES_AZ, "2027-01-20T08:00", "2027-01-20T09:00", US_DESK
    )
    assert answer["alerts"] == [] and [c["node"] for c in answer["checked"]] == ["us"]
    shared = open_case(us, "dea.agent1", "DEA", ["DEA", "FGR"], "Nogales, March")
    plan(us, "dea.agent1", shared, NOGALES_AZ, "2027-03-03T06:00", "2027-03-03T12:00", US_DESK)
    # Mexico receives the shared case's pointer only; Guatemala, after pulls, none at all.
    wait_for(lambda: len(operation_pointers(mx.store) - held_mx) == 1, timeout=90)
    mark = pulls_since(gt.store, "us")
    wait_for(lambda: pulls_since(gt.store, "us") not in (None, mark), timeout=90)
    assert operation_pointers(gt.store) - held_gt == set()
    assert len(operation_pointers(mx.store) - held_mx) == 1
    assert len(alerts(mx, "fgr.mp1")) == mx_before
