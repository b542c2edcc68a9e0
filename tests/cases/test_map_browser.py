"""The map in a real Chromium, in both languages: an SVG with the countries, state lines and
the markers of what the reader may see; screenshots in var/screenshots/map-en.png, map-es.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from map_world import MapWorld, build_map_world
from playwright.sync_api import Page, expect

from vinculo.cases.map import ports as case_ports
from vinculo.cases.operation_models import CaseOperation
from vinculo.db import transaction

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, MapWorld]]:
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("map")), demo=True):
        mw = build_map_world(build_world(store))
        with transaction(store.sessions) as session:
            session.add(
                CaseOperation(
                    id="op-browser",
                    case_id=mw.case_id,
                    kind="search_warrant",
                    agency="DEA",
                    latitude=31.31,
                    longitude=-110.94,
                    radius_m=15000.0,
                    time_zone="America/Phoenix",
                    starts_at=datetime(2026, 12, 10, 13, 0),
                    ends_at=datetime(2026, 12, 10, 17, 0),
                    registered_by="us.analyst",
                    contact_name="Ana Ruiz",
                    contact_agency="DEA",
                    contact_phone="+1 602 555 0100",
                )
            )
        with LiveServer(store.settings) as server:
            yield server, mw


def _drawn(page: Page) -> None:
    svg = page.locator("#map svg.map-svg")
    expect(svg).to_be_visible()
    # world-atlas countries, with the United States, Mexico and Guatemala picked out.
    assert page.locator("#map path.country").count() > 100
    for code in ("us", "mx", "gt"):
        expect(page.locator(f"#map path.country-{code}")).to_have_count(1)
    expect(page.locator("#map path.us-states")).to_have_count(1)
    expect(page.locator("#map path.mx-states")).to_have_count(1)
    assert len(page.locator("#map path.mx-states").get_attribute("d") or "") > 10_000


def test_the_map_in_both_languages(page: Page, map_server: tuple[LiveServer, MapWorld]) -> None:
    server, mw = map_server
    sign_in(page, server, "mx.analyst")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server.url}/cases/{mw.case_id}/map")
    _drawn(page)
    markers = page.locator("#map .map-marker")
    expect(page.locator("#map .marker-address")).to_have_count(1)
    expect(page.locator("#map .marker-crossing")).to_have_count(1)
    expect(page.locator("#map .marker-operation")).to_have_count(1)
    assert markers.count() == 3 + page.locator("#map .marker-port").count()
    expect(page.locator("#map .marker-address")).to_have_attribute("data-id", "adr-map1")
    # Each item drawn is listed with its marking; the page's banner is the highest.
    expect(page.locator(".map-items > li")).to_have_count(3)
    for item in page.locator(".map-items > li").all():
        expect(item.locator(".marking")).not_to_have_count(0)
    expect(page.locator(".map-banner").first).to_contain_text("TLP:AMBER // REL TO MEX, USA")
    expect(page.locator(".map-unplaced > li")).to_have_count(2)
    assert "Van Buren" not in page.content() and "adr-usa" not in page.content()
    page.locator("#map .marker-address circle").click()
    expect(page.locator('.map-item[data-id="adr-map1"]')).to_have_class(
        "map-item layer-address selected"
    )
    page.locator("#map .marker-crossing").focus()
    page.keyboard.press("Enter")
    expect(page.locator('.map-item[data-id="trp-map1"]')).to_have_class(
        "map-item layer-crossing selected"
    )
    expect(page.locator('.map-item[data-id="trp-map1"]')).to_contain_text("Sep 18, 2026")
    shot(page, "map-en")
    page.goto(f"{server.url}/map?lang=es")
    _drawn(page)
    expect(page.locator("h1")).to_have_text("Mapa de casos")
    expect(page.locator(".map-legend")).to_contain_text("Pasos fronterizos")
    expect(page.locator("#map .country-name").first).to_be_visible()
    expect(page.locator("#map .marker-address")).to_have_count(1)
    shot(page, "map-es")


def test_the_case_page_panel(page: Page, map_server: tuple[LiveServer, MapWorld]) -> None:
    server, mw = map_server
    sign_in(page, server, "us.analyst")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server.url}/cases/{mw.case_id}")
    _drawn(page)
    expect(page.locator("#map .marker-address")).to_have_count(3)
    expect(page.locator("#case-map-list .map-items > li")).to_have_count(5)
    expect(page.locator("#case-map-list")).to_contain_text("TLP:GREEN · REL TO USA")
    shot(page.locator(".case-map"), "map-case-panel")


def test_the_demo_s_map(page: Page, browser_server: LiveServer) -> None:
    """The seeded demo's cases on one map: its subjects' addresses and its two planned
    operations in Nogales."""
    sign_in(page, browser_server, "us.analyst")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{browser_server.url}/map")
    _drawn(page)
    assert page.locator("#map .map-marker").count() > len(case_ports())
    shot(page, "map-demo-en")


def test_the_map_pages_pass_axe(page: Page, map_server: tuple[LiveServer, MapWorld]) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the map page and the case panel."""
    server, mw = map_server
    sign_in(page, server, "us.analyst")
    for path in (f"/cases/{mw.case_id}/map?lang=es", f"/cases/{mw.case_id}"):
        page.goto(server.url + path)
        expect(page.locator("#map svg.map-svg")).to_be_visible()
        page.add_script_tag(url="/static/js/axe.min.js")
        found = page.evaluate(
            """async () => (await axe.run(document, {
                resultTypes: ["violations"],
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            })).violations.filter(v => ["serious", "critical"].includes(v.impact))
              .map(v => [v.id, v.nodes.slice(0, 3).map(n => n.target.join(" "))])"""
        )
        assert found == [], (path, found)
