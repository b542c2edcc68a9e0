"""Event deconfliction and what a reader may not see: a planned operation on a hidden case
changes nothing a reader observes until the reader plans one that meets it, and then only
by one alert holding the hidden operation's contact."""

from __future__ import annotations

import json
import re

import httpx
from test_leaks import CASE_MISSING, _csrf, _observe_cases

from vinculo.cases.places import local_in

from conftest import LiveServer
from worlds import World as ConftestWorld

# Yuma, Arizona and Los Algodones, Baja California: about 10 km apart.
YUMA = {"latitude": 32.6927, "longitude": -114.6277}
ALGODONES = {"latitude": 32.7153, "longitude": -114.7286}


def _same_but_ids(text: str) -> str:
    text = re.sub(r"[0-9a-f]{16}", "ID", text)
    return re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+", "TIME", text)


def test_a_hidden_operation_reveals_only_its_contact(fresh_world: ConftestWorld) -> None:
    """us.analyst plans a raid on a case mx.analyst may not see. Nothing mx.analyst observes
    changes, until mx.analyst plans an operation meeting it in place and time: then the
    answer differs from one that meets nothing (same place, another day) by exactly one
    alert naming the hidden operation's contact — not its case, title, kind or place — and
    that alert is on mx.analyst's case timeline and alerts list only."""
    contact = {"contact_name": "Agent K. Ramos", "contact_phone": "+1 602 334 1234"}
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.analyst") as reader,
        server.client("us.analyst") as writer,
        httpx.Client(base_url=server.url, timeout=30) as page,
    ):
        signed_in = page.post(
            "/login",
            data={
                "username": "mx.analyst",
                "password": "demo",
                "next": "/",
                "csrf_token": _csrf(page, "/login"),
            },
        )
        assert signed_in.status_code == 303
        own = [
            reader.post("/api/v1/cases", json={"title_es": t, "lead_agency": "FGR"}).json()["id"]
            for t in ("Control", "Coincidencia")
        ]
        strip = re.compile(r'name="csrf_token" value="[^"]+"')

        def observe() -> dict[str, tuple[int, str]]:
            seen = _observe_cases(reader, page)
            for case_id in own:
                for path in ("/api/v1/cases/{}/operations", "/api/v1/cases/{}/timeline"):
                    answer = reader.get(path.format(case_id))
                    seen[path.format(case_id)] = (answer.status_code, answer.text)
            answer = reader.get("/api/v1/deconfliction/alerts")
            seen["alerts"] = (answer.status_code, answer.text)
            answer = page.get("/deconfliction/alerts")
            seen["page alerts"] = (answer.status_code, strip.sub("", answer.text))
            answer = reader.get(f"/api/v1/cases/{CASE_MISSING}/operations")
            seen["missing"] = (answer.status_code, answer.text)
            return seen

        before = observe()
        title = "Operation Glass Harbor, informant SR-7"
        hidden = writer.post(
            "/api/v1/cases", json={"title_en": title, "lead_agency": "DEA", "agencies": ["DEA"]}
        ).json()["id"]
        secret = writer.post(
            f"/api/v1/cases/{hidden}/operations",
            json={"kind": "buy_walk", "radius_m": 6000}
            | YUMA
            | {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
            | contact,
        )
        assert secret.status_code == 201, secret.text
        hidden_op = secret.json()["operation"]["id"]
        assert observe() == before
        mine = {"kind": "raid", "radius_m": 6000, "contact_phone": "+52 33 3614 2000"} | ALGODONES
        control = reader.post(
            f"/api/v1/cases/{own[0]}/operations",
            json=mine | {"starts_local": "2027-02-02T06:00", "ends_local": "2027-02-02T12:00"},
        )
        hit = reader.post(
            f"/api/v1/cases/{own[1]}/operations",
            json=mine | {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"},
        )
        assert control.status_code == hit.status_code == 201, hit.text
        [alert] = hit.json()["alerts"]
        assert [(c["side"], c["name"], c["agency"], c["phone"]) for c in alert["contacts"]][1] == (
            "theirs",
            "Agent K. Ramos",
            "DEA",
            "+1 602 334 1234",
        )
        # The one alert is the only difference between the two answers.
        bare = hit.json() | {"alerts": []}
        assert _same_but_ids(json.dumps(bare)) == _same_but_ids(json.dumps(control.json()))
        after = observe()
        changed = {k for k in before if after[k] != before[k]}
        # On every page the bell now counts one unread notification: the alert's own.
        bell = re.compile(r'<a href="/notifications" class="bell[^"]*"[^>]*>.*?</a>')
        for key in [k for k in changed if k.startswith("page /")]:
            assert "Notifications: 1 unread" in after[key][1]
            assert bell.sub("", after[key][1]) == bell.sub("", before[key][1]), key
            changed.discard(key)
        assert changed <= {
            f"/api/v1/cases/{own[0]}/operations",
            f"/api/v1/cases/{own[0]}/timeline",
            f"/api/v1/cases/{own[1]}/operations",
            f"/api/v1/cases/{own[1]}/timeline",
            "alerts",
            "page alerts",
        }, changed
        everything = json.dumps(after) + hit.text
        for secret_text in (hidden, hidden_op, title, "buy_walk", "Buy-walk", "-114.6277"):
            assert secret_text not in everything, secret_text
        listed = reader.get("/api/v1/deconfliction/alerts").json()["items"]
        assert [a["id"] for a in listed] == [alert["id"]]
        lines = reader.get(f"/api/v1/cases/{own[1]}/timeline").json()["items"]
        told = [line for line in lines if line["action"] == "alert_raised"]
        assert [line["note"] for line in told] == ["Agent K. Ramos · DEA · +1 602 334 1234"]
        control_lines = reader.get(f"/api/v1/cases/{own[0]}/timeline").json()["items"]
        assert not [line for line in control_lines if line["action"].startswith("alert_")]
        # The control's own window is shown at its place (Tijuana keeps winter time in
        # February): 06:00 there is 14:00 UTC.
        op = control.json()["operation"]
        assert op["starts_local"] == "2027-02-02T06:00-08:00"
        assert (
            local_in(
                __import__("datetime").datetime.fromisoformat(op["starts_at"]), op["time_zone"]
            ).hour
            == 6
        )
