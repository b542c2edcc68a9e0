"""Planned operations and deconfliction alerts over HTTP: the API, the case page's section
and the alerts page, in English and Spanish."""

from __future__ import annotations

from typing import Any

import httpx
from test_operations import ALGODONES, MX_PHONE, TITLE_B, US_PHONE, YUMA, add_supervisor, open_case

from conftest import LiveServer
from worlds import World

WINDOW = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}


def body(where: tuple[float, float], **fields: Any) -> dict[str, Any]:
    return (
        {
            "kind": "raid",
            "latitude": where[0],
            "longitude": where[1],
            "radius_m": 6_000,
            "contact_phone": US_PHONE,
        }
        | WINDOW
        | fields
    )


def page_client(server: LiveServer, username: str) -> httpx.Client:
    """A browser-like client signed in through the sign-in form."""
    client = httpx.Client(base_url=server.url, timeout=30)
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = client.post(
        "/login",
        data={"username": username, "password": "demo", "next": "/", "csrf_token": token},
    )
    assert signed_in.status_code == 303, signed_in.text
    return client


def csrf(client: httpx.Client, path: str) -> str:
    return client.get(path).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_operations_over_http(fresh_world: World) -> None:
    world = fresh_world
    a = open_case(world, "us.analyst", "DEA", "Yuma corridor")
    b = open_case(world, "mx.analyst", "FGR", TITLE_B)
    add_supervisor(world, "dea.watch", "DEA", locale="es")
    with (
        LiveServer(world.store.settings) as server,
        server.client("us.analyst") as us,
        server.client("mx.analyst") as mx,
        server.client("dea.watch") as watch,
    ):
        made = mx.post(
            f"/api/v1/cases/{b}/operations", json=body(ALGODONES, contact_phone=MX_PHONE)
        )
        assert made.status_code == 201, made.text
        theirs = made.json()["operation"]
        assert theirs["time_zone"] == "America/Tijuana" and made.json()["alerts"] == []
        hit = us.post(f"/api/v1/cases/{a}/operations", json=body(YUMA, kind="surveillance"))
        assert hit.status_code == 201, hit.text
        [alert] = hit.json()["alerts"]
        assert [c["agency"] for c in alert["contacts"]] == ["DEA", "FGR"]
        for secret in (b, TITLE_B, theirs["id"], '"raid"', "-114.72"):
            assert secret not in hit.text
        bad = us.post(
            f"/api/v1/cases/{a}/operations",
            json=body(YUMA, latitude=95, starts_local="2027-02-01T12:00", kind="picnic"),
        )
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["kind", "latitude"]
        hidden = us.get(f"/api/v1/cases/{b}/operations")
        missing = us.get(f"/api/v1/cases/{'0' * 16}/operations")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(b, "ID") == missing.text.replace("0" * 16, "ID")
        cancel_hidden = us.post(f"/api/v1/cases/{b}/operations/{theirs['id']}/cancel")
        assert cancel_hidden.status_code == 404
        assert [x["id"] for x in watch.get("/api/v1/deconfliction/alerts").json()["items"]] == [
            alert["id"]
        ]
        assert us.post(f"/api/v1/deconfliction/alerts/{alert['id']}/acknowledge").status_code == 200
        early = watch.post(
            f"/api/v1/deconfliction/alerts/{alert['id']}/resolve", json={"note": "x"}
        )
        assert early.status_code == 422 and early.json()["error"]["field"] == "status"
        assert mx.post(f"/api/v1/deconfliction/alerts/{alert['id']}/acknowledge").status_code == 200
        done = mx.post(
            f"/api/v1/deconfliction/alerts/{alert['id']}/resolve",
            json={"note": "FGR entra primero; DEA vigila después de las 12:00."},
        )
        assert done.status_code == 200 and done.json()["status"] == "resolved"
        # The pages: the case's operations section and the alerts page, in both languages.
        page = page_client(server, "mx.analyst")
        try:
            english = page.get(f"/cases/{b}?lang=en").text
            assert "Planned operations" in english and "America/Tijuana" in english
            assert (
                "Another agency plans an operation at the same place and time — contact: "
                in english
            )
            assert a not in english and "Yuma" not in english
            spanish = page.get(f"/cases/{b}?lang=es").text
            assert "Operativos planeados" in spanish and "Operativo de irrupción" in spanish
            assert "Alerta de desconflicto resuelta" in spanish
            alerts_page = page.get("/deconfliction/alerts?lang=es").text
            assert "Alertas de desconflicto" in alerts_page and "DEA" in alerts_page
            assert "SOLO CONTACTO" in alerts_page
            token = csrf(page, f"/cases/{b}")
            refused = page.post(
                f"/cases/{b}/operations",
                data={"csrf_token": token, "kind": "raid", "latitude": "abc", "longitude": "0"}
                | {"radius_m": "10", "starts_local": "", "ends_local": "", "contact_phone": "1"},
            )
            assert refused.status_code == 422 and 'id="latitude-error"' in refused.text
            planned = page.post(
                f"/cases/{b}/operations",
                data={"csrf_token": token, "latitude": "24.8091", "longitude": "-107.394"}
                | {"kind": "arrest", "radius_m": "300", "contact_phone": MX_PHONE}
                | {"starts_local": "2027-02-03T05:00", "ends_local": "2027-02-03T07:00"},
            )
            assert planned.status_code == 303, planned.text
            assert "America/Mazatlan" in page.get(f"/cases/{b}").text
            hidden_form = page.post(
                f"/cases/{a}/operations", data={"csrf_token": token} | body(YUMA)
            )
            missing_form = page.post(
                f"/cases/{'0' * 16}/operations", data={"csrf_token": token} | body(YUMA)
            )
            assert hidden_form.status_code == missing_form.status_code == 404
        finally:
            page.close()
