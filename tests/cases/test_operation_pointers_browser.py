"""An alert raised by a partner node's operation pointer on the case page and the alerts page
in a real Chromium, in both languages; screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_operation_pointers import MX_CONTACT, NOGALES_AZ, SECRET_MX, mx_pointer

from vinculo.db import transaction
from vinculo.exchange.pointers import receive_pointers
from vinculo.hooks import wire_hooks
from vinculo.settings import DeconflictionKeyConfig, PartnerConfig

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def partner_alert(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """The U.S. node with a Mexican partner: a DEA–FGR case's operation in Nogales, Arizona,
    and the Mexican node's pointer of an operation in Nogales, Sonora the same day."""
    wire_hooks()
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("xops")), demo=True):
        build_world(store)
        settings = store.settings.model_copy(
            update={
                "node_name": "us",
                "partners": [PartnerConfig(name="mx", nation="MEX")],
                "deconfliction_keys": [
                    DeconflictionKeyConfig(key_id="usmx-2026", secret=SECRET_MX, partners=["mx"])
                ],
            }
        )
        with LiveServer(settings) as server, server.client("us.analyst") as us:
            case = us.post(
                "/api/v1/cases",
                json={
                    "title_en": "Nogales tunnel",
                    "lead_agency": "DEA",
                    "agencies": ["DEA", "FGR"],
                },
            ).json()
            us.post(
                f"/api/v1/cases/{case['id']}/operations",
                json={
                    "kind": "controlled_delivery",
                    "latitude": NOGALES_AZ[0],
                    "longitude": NOGALES_AZ[1],
                    "radius_m": 2000,
                    "starts_local": "2027-01-20T06:00",
                    "ends_local": "2027-01-20T12:00",
                    "contact_name": "SA Dana Reyes",
                    "contact_phone": "+1 520 555 0147",
                },
            ).raise_for_status()
            with transaction(store.sessions) as session:
                got = receive_pointers(
                    session=session,
                    settings=settings,
                    partner="mx",
                    collection_id="c-mx",
                    objects=[mx_pointer()],
                )
                assert got.stored == 1
            yield server, case["id"]


def test_a_partner_alert_on_the_case_and_alerts_pages_in_both_languages(
    page: Page, partner_alert: tuple[LiveServer, str]
) -> None:
    server, case_id = partner_alert
    sign_in(page, server, "us.analyst")
    page.goto(f"{server.url}/cases/{case_id}?lang=en")
    section = page.locator("#operations")
    expect(section).to_contain_text(
        f"Another agency on partner node mx plans an operation in the same area on the same "
        f"day — contact: {MX_CONTACT.name}, FGR, {MX_CONTACT.phone}"
    )
    shot(section, "case-operations-partner-alert-en")
    page.goto(f"{server.url}/deconfliction/alerts?lang=en")
    alert = page.locator(".alert").first
    expect(alert).to_contain_text("From partner node mx")
    expect(alert).to_contain_text("on their node")
    expect(alert).to_contain_text("Resolved once your side acknowledged it.")
    shot(page, "deconfliction-partner-alert-en")
    page.goto(f"{server.url}/deconfliction/alerts?lang=es")
    expect(page.locator(".alert").first).to_contain_text("Del nodo socio mx")
    page.click("text=Acusar recibo")
    # This side alone acknowledges: the resolution opens at once.
    expect(page.locator(".resolve-form")).to_be_visible()
    shot(page, "deconfliction-partner-alert-es")
    page.goto(f"{server.url}/cases/{case_id}?lang=es")
    section = page.locator("#operations")
    expect(section).to_contain_text("Otra agencia del nodo socio mx planea un operativo")
    shot(section, "case-operations-partner-alert-es")
