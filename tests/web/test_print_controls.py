"""Printing a page prints what it says, not what can be done on it: buttons, forms, fields,
links drawn as buttons, the menu, the theme switch, the language switch and the search box
are left off the sheet, while each item's marking banners stay (at the top and bottom of a
report's every sheet). In a real Chromium with print media, in English and Spanish, on the
pages analysts print; the browser's own PDF kept in var/screenshots/ to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import SCREENSHOTS, SHOTS, LiveServer, shot, sign_in

pytestmark = pytest.mark.browser

# Whatever one acts on rather than reads.
CONTROLS = (
    "button, input:not([type=hidden]), select, textarea, summary, [role=button], "
    "[role=switch], a.next-pair, .pager, .menu-toggle, .theme-toggle, .lang-switch, "
    "form, nav"
)

VISIBLE_CONTROLS = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => {
        const box = e.getBoundingClientRect();
        const style = getComputedStyle(e);
        return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
    })
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim()
        .split(/\\s+/).join('.') : '') + (e.textContent.trim() ? ' "'
        + e.textContent.trim().slice(0, 30) + '"' : ''))"""


def _first(server: LiveServer, kind: str) -> str:
    with server.client("us.analyst") as api:
        items = api.get(f"/api/v1/{kind}", params={"limit": 1}).json()["items"]
    return str(items[0]["id"])


def _pair(server: LiveServer) -> str | None:
    with server.client("us.analyst") as api:
        items = api.get("/api/v1/resolve/queue").json()["items"]
    return str(items[0]["id"]) if items else None


def printed_controls(page: Page) -> list[str]:
    found: list[str] = page.evaluate(VISIBLE_CONTROLS, CONTROLS)
    return found


@pytest.mark.parametrize("lang", ["en", "es"])
def test_printing_leaves_the_controls_off_and_keeps_the_banners(
    browser: Browser, browser_server: LiveServer, lang: str
) -> None:
    report = f"/reports/{_first(browser_server, 'reports')}"
    entity = f"/entities/{_first(browser_server, 'entities')}"
    pair = _pair(browser_server)
    paths = [
        "/",
        "/search?q=fentanyl",
        report,
        entity,
        "/network",
        "/resolve",
        "/notifications",
        "/watch",
        "/account",
        "/import",
        "/reports/new",
        *([f"/resolve/pairs/{pair}"] if pair else []),
    ]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, browser_server, "us.analyst")
    page.goto(f"{browser_server.url}/?lang={lang}")
    page.emulate_media(media="print")
    found = {}
    for path in paths:
        page.goto(browser_server.url + path)
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        controls = printed_controls(page)
        if controls:
            found[path] = controls
    assert not found, f"controls that would be printed: {found}"
    # The banners stay: a report's at the top and bottom of every sheet.
    page.goto(browser_server.url + report)
    banners = page.locator("main > .marking-banner")
    expect(banners).to_have_count(2)
    for banner in banners.all():
        expect(banner).to_be_visible()
        expect(banner).to_have_text(re.compile(r"^TLP:[A-Z+]+ // REL TO "))
    assert banners.evaluate_all("els => els.map(e => getComputedStyle(e).position)") == [
        "fixed",
        "fixed",
    ]
    # An entity's and a list's markings are in the text, printed as they are shown.
    page.goto(browser_server.url + entity)
    expect(page.locator(".marking-sources .tlp-badge").first).to_be_visible()
    # Markings folded behind "n more" on the screen are all on the sheet.
    page.goto(browser_server.url + "/network")
    folded = page.locator("details.more-markings .tlp-badge")
    if folded.count():
        expect(folded.last).to_be_visible()
    page.goto(browser_server.url + "/")
    expect(page.locator(".tlp-badge").first).to_be_visible()
    shot(page, f"print-home-{lang}")
    if pair:
        page.goto(f"{browser_server.url}/resolve/pairs/{pair}")
        shot(page, f"print-pair-{lang}")
        if SCREENSHOTS:
            (SHOTS / f"print-pair-{lang}.pdf").write_bytes(page.pdf(format="Letter"))
    page.goto(browser_server.url + report)
    shot(page, f"print-report-controls-{lang}")
    context.close()
