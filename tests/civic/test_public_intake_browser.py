"""The public intake in a real Chromium: a report filed anonymously in Spanish (the browser's
proof-of-work solved by pow.js), its receipt and passphrase, and the way back to its status;
screenshots in both languages in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import FilePayload, Page, expect
from public_site import PublicSite, start_site
from test_public_intake import gps_jpeg

from conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    # One report an hour without a proof-of-work: the second report below needs pow.js.
    yield from start_site(
        tmp_path_factory.mktemp("public-browser"),
        VINCULO_PUBLIC_POW_BITS="5",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="1",
    )


def file_report(page: Page, site: PublicSite, lang: str, what: str) -> tuple[str, str]:
    page.goto(f"{site.url}/?lang={lang}")
    page.select_option("#category", "security_forces_abuse")
    page.select_option("#state", "SON")
    page.select_option("#municipality", "Nogales")
    page.fill("#when", "2026-11-03")
    page.fill("#what", what)
    photo: FilePayload = {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()}
    page.set_input_files("#attachments", files=[photo])
    page.click("button[type=submit]")
    expect(page.locator("#receipt-code")).to_be_visible()
    return page.inner_text("#receipt-code"), page.inner_text("#passphrase")


def test_a_report_in_spanish_and_the_way_back(page: Page, browser_site: PublicSite) -> None:
    page.goto(f"{browser_site.url}/?lang=es")
    expect(page.locator("h1")).to_have_text("Reporte lo que vio, sin decir quién es")
    # Only Sonora's municipalities are offered once Sonora is chosen.
    page.select_option("#state", "SON")
    hidden = "g => g.hidden && g.disabled"
    assert not page.eval_on_selector("#municipality optgroup[data-state=SON]", hidden)
    assert page.eval_on_selector("#municipality optgroup[data-state=JAL]", hidden)
    shot(page, "civic-report-es")
    file_report(page, browser_site, "es", "Una patrulla pidió dinero en el retén de la carretera.")
    receipt, passphrase = file_report(
        page, browser_site, "es", "Vi a dos agentes golpear a un joven frente al mercado."
    )
    expect(page.locator("h1")).to_have_text("Su reporte fue recibido")
    assert len(passphrase.split()) == 6
    shot(page, "civic-receipt-es")
    # No cookie but the form's.
    assert {c["name"] for c in page.context.cookies()} == {"csrf"}

    page.click("text=Dar seguimiento a un reporte")
    page.fill("#receipt", receipt)
    page.fill("#passphrase", "palabra equivocada " + passphrase)
    page.click("button[type=submit]")
    expect(page.locator("#follow-up-error")).to_contain_text("no son correctos")
    page.fill("#receipt", receipt)
    page.fill("#passphrase", passphrase)
    page.click("button[type=submit]")
    expect(page.locator("#status")).to_have_text("Recibido")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert set(cookies) == {"csrf", "visit"}
    assert cookies["visit"]["expires"] == -1 and cookies["visit"]["httpOnly"]
    shot(page, "civic-status-es")

    page.goto(f"{browser_site.url}/follow-up/status?lang=en")
    expect(page.locator("#status")).to_have_text("Received")
    shot(page, "civic-status-en")
    page.goto(f"{browser_site.url}/?lang=en")
    expect(page.locator("h1")).to_have_text("Report what you saw, without saying who you are")
    shot(page, "civic-report-en")
