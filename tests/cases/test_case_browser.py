"""The case page in a real Chromium, in both languages; screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def case_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A fresh store of its own (the shared demo stays as seeded) with one joint case."""
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("cases")), demo=True):
        world = build_world(store)
        with LiveServer(store.settings) as server, server.client("us.analyst") as api:
            case = api.post(
                "/api/v1/cases",
                json={
                    "title_en": "Fentanyl supply chain Sinaloa–Arizona",
                    "title_es": "Cadena de suministro de fentanilo Sinaloa–Arizona",
                    "lead_agency": "DEA",
                    "agencies": ["DEA", "FGR"],
                },
            ).json()
            path = f"/api/v1/cases/{case['id']}"
            api.post(f"{path}/members", json={"username": "mx.analyst", "role": "analyst"})
            api.post(f"{path}/subjects", json={"entity_id": "per-sonora"})
            api.post(f"{path}/reports", json={"report_id": world.reports["shared"]})
            api.post(
                f"{path}/tasks",
                json={
                    "title": "Trace the wire transfers",
                    "owner": "mx.analyst",
                    "due": "2027-02-01",
                },
            )
            yield server, case["id"]


def test_the_case_page_in_both_languages(page: Page, case_server: tuple[LiveServer, str]) -> None:
    server, case_id = case_server
    sign_in(page, server, "mx.analyst")
    page.goto(f"{server.url}/cases")
    expect(page.locator(".case-list")).to_contain_text("Fentanyl supply chain")
    page.click("text=Fentanyl supply chain Sinaloa–Arizona")
    expect(page.locator("h1")).to_have_text("Fentanyl supply chain Sinaloa–Arizona")
    expect(page.locator(".marking-banner").first).to_contain_text("TLP:AMBER // REL TO MEX, USA")
    expect(page.locator(".case-subjects")).to_contain_text("Hilda Serrano Vega")
    expect(page.locator(".case-tasks")).to_contain_text("Trace the wire transfers")
    # A bad date from the form: the field is named, nothing stored.
    page.fill("#title", "Subpoena the bank")
    page.eval_on_selector("#due", "e => { e.type = 'text'; e.value = 'soon'; }")
    page.click("text=Add task")
    expect(page.locator("#due-error")).to_contain_text("YYYY-MM-DD")
    expect(page.locator(".case-tasks tbody tr")).to_have_count(1)
    shot(page, "case-en")
    page.goto(f"{server.url}/cases/{case_id}?lang=es")
    expect(page.locator("h1")).to_have_text("Cadena de suministro de fentanilo Sinaloa–Arizona")
    expect(page.locator("text=Cronología")).to_be_visible()
    shot(page, "case-es")
