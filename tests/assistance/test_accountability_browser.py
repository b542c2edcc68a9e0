"""The accountability page in a real Chromium, in English and in Spanish: the question
answered (amount, allegation count, vetting status, fiscal year on the page), the charts and
the map of states drawn, and the PDF downloaded in the reader's language with the right
words. Screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from accountability_world import UNIT_ID, UNIT_NAME, VICTIM, build_accountable
from playwright.sync_api import Page, expect

from conftest import LiveServer, make_store, shot, sign_in
from worlds import build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for store in make_store("sqlite", Path(tmp_path_factory.mktemp("accountability")), demo=True):
        build_accountable(build_world(store))
        with LiveServer(store.settings) as live:
            yield live


def _pdf(page: Page) -> bytes:
    with page.expect_download() as download:
        page.click("#pdf-download")
    path = download.value.path()
    assert path is not None
    return Path(path).read_bytes()


WORDS = {
    "en": {
        "heading": "Accountability of security assistance",
        "status": "suspended",
        "year": "Fiscal year 2024",
        "allegations": "Allegations",
        "amount": "$350,000.25",
        "pdf": [
            b"(Accountability of security assistance) Tj",
            b"Fiscal year 2024",
            b"suspended",
            b"$350,000.25",
            b"Disbursement",
            b"TLP:GREEN // REL TO MEX, USA",
        ],
    },
    "es": {
        "heading": "Rendición de cuentas de la asistencia en seguridad",
        "status": "suspendido",
        "year": "Año fiscal 2024",
        "allegations": "Denuncias",
        "amount": "350.000,25",
        "pdf": [
            b"(Rendici\\363n de cuentas de la asistencia en seguridad) Tj",
            b"(A\\361o fiscal 2024) Tj",
            b"suspendido",
            b"350.000,25",
            b"Desembolso",
            b"Denuncias",
            b"TLP:GREEN // REL TO MEX, USA",
        ],
    },
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_question_answered_in_the_browser(page: Page, server: LiveServer, lang: str) -> None:
    words = WORDS[lang]
    sign_in(page, server, "mx.analyst")
    page.goto(f"{server.url}/?lang={lang}")
    page.click('a[href="/assistance/accountability"]')
    expect(page.locator("h1")).to_have_text(words["heading"])
    page.select_option("#unit", UNIT_ID)
    page.fill("#fy", "2024")
    page.click(".acc-filters button[type=submit]")
    expect(page.locator("#answer-unit")).to_have_text(UNIT_NAME)
    expect(page.locator("#answer-allegations")).to_have_text("2")
    expect(page.locator("#answer-vetting")).to_have_text(words["status"])
    expect(page.locator("#answer-received")).to_contain_text(words["amount"])
    expect(page.locator("#answer-year")).to_have_text("2024")
    expect(page.locator(".acc-year h3")).to_have_text(words["year"])
    expect(page.locator(".marking-banner").first).to_have_text("TLP:GREEN // REL TO MEX, USA")
    expect(page.locator(".acc-states")).to_contain_text("Guerrero")
    # The charts (ECharts, as SVG) and the map of states (d3-geo) are drawn.
    expect(page.locator("#chart-money svg")).to_have_count(1)
    expect(page.locator("#chart-allegations svg")).to_have_count(1)
    expect(page.locator('#state-map path.acc-state[data-state="Guerrero"].has-data')).to_have_count(
        1
    )
    assert VICTIM not in page.content()
    shot(page, f"accountability-{lang}")
    pdf = _pdf(page)
    assert pdf.startswith(b"%PDF")
    for expected in words["pdf"]:
        assert expected in pdf, (lang, expected)
    assert VICTIM.encode() not in pdf


def test_a_bad_fiscal_year_is_named_in_the_form(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "mx.analyst")
    page.goto(f"{server.url}/assistance/accountability?lang=es&fy=el+pasado")
    expect(page.locator("#fy-error")).to_have_text(
        "el año fiscal es un año como 2024, no el pasado"
    )
