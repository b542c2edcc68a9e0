"""The case page's planned operations and the alerts page in a real Chromium, in both
languages; screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser

NOGALES_AZ = (31.3338, -110.9426)
NOGALES_SON = (31.3180, -110.9460)


@pytest.fixture(scope="module")
def ops_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A fresh store: a DEA case and an FGR case whose operations collide at Nogales."""
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("ops")), demo=True):
        build_world(store)
        with (
            LiveServer(store.settings) as server,
            server.client("us.analyst") as us,
            server.client("mx.analyst") as mx,
        ):
            dea = us.post(
                "/api/v1/cases",
                json={"title_en": "Nogales corridor", "lead_agency": "DEA", "agencies": ["DEA"]},
            ).json()
            fgr = mx.post(
                "/api/v1/cases",
                json={"title_es": "Casa de seguridad", "lead_agency": "FGR", "agencies": ["FGR"]},
            ).json()
            mx.post(
                f"/api/v1/cases/{fgr['id']}/operations",
                json={
                    "kind": "raid",
                    "latitude": NOGALES_SON[0],
                    "longitude": NOGALES_SON[1],
                    "radius_m": 1000,
                    "starts_local": "2027-01-21T09:30",
                    "ends_local": "2027-01-21T12:00",
                    "contact_name": "Lic. Marta Ruiz Ochoa",
                    "contact_phone": "+52 631 555 0199",
                },
            ).raise_for_status()
            us.post(
                f"/api/v1/cases/{dea['id']}/operations",
                json={
                    "kind": "surveillance",
                    "latitude": NOGALES_AZ[0],
                    "longitude": NOGALES_AZ[1],
                    "radius_m": 1000,
                    "starts_local": "2027-01-21T05:00",
                    "ends_local": "2027-01-21T11:00",
                    "contact_name": "SA Dana Reyes",
                    "contact_phone": "+1 520 555 0147",
                },
            ).raise_for_status()
            yield server, dea["id"]


def test_the_operations_section_and_alerts_in_both_languages(
    page: Page, ops_server: tuple[LiveServer, str]
) -> None:
    server, case_id = ops_server
    sign_in(page, server, "us.analyst")
    page.goto(f"{server.url}/cases/{case_id}?lang=en")
    section = page.locator("#operations")
    expect(section).to_contain_text("Planned operations")
    expect(section).to_contain_text("Surveillance")
    expect(section).to_contain_text("America/Phoenix")
    expect(section).to_contain_text("contact: Lic. Marta Ruiz Ochoa, FGR, +52 631 555 0199")
    shot(section, "case-operations-en")
    # A place at sea: the field is named, nothing stored.
    page.select_option("#op-kind", "arrest")
    page.fill("#op-latitude", "20")
    page.fill("#op-longitude", "-120")
    page.fill("#op-starts", "2027-01-22T06:00")
    page.fill("#op-ends", "2027-01-22T08:00")
    page.fill("#op-phone", "+1 520 555 0147")
    page.click("text=Plan operation")
    expect(page.locator("#latitude-error")).to_contain_text("at sea")
    expect(page.locator(".case-operations-table tbody tr")).to_have_count(1)
    page.goto(f"{server.url}/cases/{case_id}?lang=es")
    section = page.locator("#operations")
    expect(section).to_contain_text("Operativos planeados")
    expect(section).to_contain_text("Vigilancia")
    shot(section, "case-operations-es")
    page.goto(f"{server.url}/deconfliction/alerts?lang=es")
    expect(page.locator("h1")).to_have_text("Alertas de desconflicto")
    page.click("text=Acusar recibo")
    expect(page.locator(".alert-contacts")).to_contain_text("✓")
    shot(page, "deconfliction-alerts-es")
