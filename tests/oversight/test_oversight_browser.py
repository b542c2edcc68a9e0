"""The oversight pages in a real Chromium: a vetter requests vetting for a unit, sees its
screening hits and suspends it with a reason (in English); a monitor files an allegation (in
Spanish), and an account outside the monitors' group reads the allegation without its
victim. Screenshots of every page in both languages in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from monitors import add_monitors
from playwright.sync_api import Browser, Page, expect
from test_units import SHARED, UNITS, _import
from test_vetting import add_unit_and_vetter

from vinculo.db import transaction
from vinculo.oversight import allegations as allegation_service
from vinculo.oversight.allegation_schemas import AllegationCreate

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser

VICTIM = "Joaquín Pérez Duarte"
# WCAG 2.1 A and AA, as tests/web/test_axe.py runs them on the pages its walk reaches.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def look(page: Page, name: str) -> None:
    """A screenshot for a person to look at, and axe-core (served from /static) finding no
    serious or critical violation on the page."""
    shot(page, name)
    page.add_script_tag(url="/static/js/axe.min.js")
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {
            resultTypes: ["violations"], runOnly: {type: "tag", values: tags},
        })).violations.filter(v => ["serious", "critical"].includes(v.impact))
          .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))""",
        AXE_TAGS,
    )
    assert not found, (name, found)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A store of its own: units with a chain of command, an allegation against the 23rd
    Infantry Battalion, a vetter, and monitors in and out of the monitors' group."""
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("oversight")), demo=True):
        world = build_world(store)
        add_unit_and_vetter(world)
        add_monitors(world)
        _import(world, "us.analyst", UNITS, SHARED)
        with transaction(store.sessions) as session:
            allegation_service.file_allegation(
                session=session,
                actor=world.actors["mx.monitor"],
                allegation_in=AllegationCreate(
                    summary_es="Detenciones arbitrarias en un retén de Tijuana",
                    occurred_from="2023-08-02",
                    violations=["arbitrary_detention"],
                    unit_entity_id="sedena-bi23",
                    markings=SHARED,
                ),
            )
        with LiveServer(store.settings) as live:
            yield live


def test_a_vetter_requests_sees_hits_and_suspends(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "us.vetter")
    page.goto(f"{server.url}/oversight/units/sedena-bi23?lang=en")
    expect(page.locator("h1")).to_have_text("23rd Infantry Battalion")
    expect(page.locator(".marking-banner").first).to_contain_text("TLP:GREEN // REL TO MEX, USA")
    expect(page.locator(".unit-chain")).to_contain_text("Secretariat of National Defense")
    expect(page.locator(".unit-commanders")).to_contain_text("Cor. Daniel Fuentes Lara")
    page.fill("#on", "2018-01-01")
    page.click("text=Show the command on that date")
    expect(page.locator("text=No commander you may see on that date.")).to_be_visible()
    page.goto(f"{server.url}/oversight/units/sedena-bi23?lang=en")
    look(page, "oversight-unit-en")
    page.click("text=Request vetting for this unit")
    expect(page.locator("#subject_entity_id")).to_have_value("sedena-bi23")
    look(page, "oversight-vetting-new-en")
    page.select_option("#purpose", "equipment")
    page.fill("#programme_officer", "J. Smith, INL Mexico City")
    page.click("form.vetting-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("23rd Infantry Battalion")
    expect(page.locator(".vetting-status")).to_contain_text("pending")
    # What screening found as the vetter may see it: the allegation against the battalion.
    hits = page.locator(".vetting-hits")
    expect(hits).to_contain_text("Screening hits")
    expect(hits.locator(".vetting-allegations")).to_contain_text("Arbitrary detention")
    expect(hits.locator(".vetting-allegations")).to_contain_text("the unit")
    page.check("input[name=status][value=suspended]")
    page.fill("#reason", "Credible allegation of torture in Culiacán")
    page.fill("#duty_to_inform", "Government of Mexico informed through the embassy")
    page.click("text=Record the decision")
    expect(page.locator(".vetting-status")).to_contain_text("suspended")
    history = page.locator(".vetting-history")
    expect(history).to_contain_text("Credible allegation of torture in Culiacán")
    expect(history).to_contain_text("us.vetter")
    expect(history).to_contain_text("Government of Mexico informed")
    look(page, "oversight-vetting-en")
    path = page.url.split("?")[0]
    page.goto(f"{server.url}/oversight/vetting")
    expect(page.locator(".vetting-list")).to_contain_text("suspended")
    look(page, "oversight-vetting-list-en")
    for name, url in (
        ("oversight-vetting-es", f"{path}?lang=es"),
        ("oversight-vetting-list-es", f"{server.url}/oversight/vetting?lang=es"),
        ("oversight-vetting-new-es", f"{server.url}/oversight/vetting/new?lang=es"),
        ("oversight-unit-es", f"{server.url}/oversight/units/sedena-bi23?lang=es"),
    ):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        look(page, name)
    page.goto(f"{path}?lang=es")
    expect(page.locator(".vetting-status")).to_contain_text("suspendido")


def test_a_monitor_files_in_spanish_and_outsiders_see_no_victim(
    page: Page, browser: Browser, server: LiveServer
) -> None:
    sign_in(page, server, "mx.monitor")
    page.goto(f"{server.url}/oversight/allegations/new?unit=sedena-bi23&lang=es")
    expect(page.locator("h1")).to_have_text("Presentar una denuncia")
    look(page, "oversight-allegation-new-es")
    page.fill("#summary_es", "Dos hombres detenidos en un retén y golpeados durante el traslado")
    page.fill("#occurred_from", "2024-05-12")
    page.fill("#state", "Baja California")
    page.fill("#municipality", "Mexicali")
    page.check("input[name=violations][value=torture]")
    page.fill("#party_name-0", VICTIM)
    page.fill("#party_details-0", "Mecánico, 34 años")
    page.fill("#source_description-0", "Testimonio recabado por la organización")
    page.select_option("#source_reliability-0", "B")
    page.select_option("#source_credibility-0", "2")
    page.click("text=Presentar la denuncia")
    expect(page.locator("h1")).to_have_text("Tortura")
    expect(page.locator(".allegation-parties")).to_contain_text(VICTIM)
    expect(page.locator(".allegation-unit a")).to_have_attribute(
        "href", "/oversight/units/sedena-bi23"
    )
    expect(page.locator(".marking-banner").first).to_contain_text("TLP:GREEN // REL TO MEX, USA")
    look(page, "oversight-allegation-es")
    path = page.url.split("?")[0]
    page.goto(f"{server.url}/oversight/allegations?lang=es")
    expect(page.locator(".allegation-list")).to_contain_text("Tortura")
    look(page, "oversight-allegations-es")
    # An account outside the monitors' group: the allegation, without its victim.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    outsider = context.new_page()
    try:
        sign_in(outsider, server, "us.analyst")
        outsider.goto(f"{path}?lang=en")
        expect(outsider.locator("h1")).to_have_text("Torture")
        parties = outsider.locator(".allegation-parties")
        expect(parties).to_contain_text("No victims or witnesses you may see.")
        expect(outsider.locator("main")).not_to_contain_text(VICTIM)
        expect(outsider.locator("main")).not_to_contain_text("Mecánico")
        look(outsider, "oversight-allegation-en")
        outsider.goto(f"{server.url}/oversight/allegations?lang=en")
        look(outsider, "oversight-allegations-en")
        outsider.goto(f"{server.url}/oversight/allegations/new?lang=en")
        look(outsider, "oversight-allegation-new-en")
    finally:
        context.close()
