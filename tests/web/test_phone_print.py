"""Phone, print and PDF: the report as a PDF with its marking banner at the top and bottom of
every page (a hidden report answers as a missing one); in a real Chromium, no page scrolls
sideways on a 390×844 phone and its menu folds behind one button; the print stylesheet;
the light/dark switch remembered per browser; the favicon and logo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.security.audit import AuditRow

from conftest import SHOTS, LiveServer, shot, sign_in
from worlds import World

LONG_TITLE = "Corridor of precursor shipments through Manzanillo"


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def _client(server: LiveServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post(
        "/login", data={"username": username, "password": "demo", "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def printing(fresh_world: World) -> Iterator[tuple[World, LiveServer, str]]:
    """The small world, one long ORCON report of several pages, and a server over it."""
    body = "\n\n".join(
        f"Paragraph {n}: containers of precursor chemicals left the port at night, "
        "were re-labelled at a warehouse in Colima and moved north by road. " * 3
        for n in range(1, 40)
    )
    with transaction(fresh_world.store.sessions) as session:
        report = create_report(
            session=session,
            actor=fresh_world.actors["dea.agent1"],
            report_in=ReportCreate(
                title_en=LONG_TITLE,
                body_en=body,
                title_es="Corredor de envíos de precursores por Manzanillo",
                body_es="Contenedores de precursores químicos salieron del puerto de noche.",
                reliability="B",
                credibility=2,
                predicate="drug_trafficking",
                suspicion="Shipments match the supplier's invoices.",
                attest_no_protected_views=True,
                review_by=date(2027, 6, 1),
                markings=MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"], orcon=True),
                entities=[],
            ),
        )
    with LiveServer(fresh_world.store.settings) as server:
        yield fresh_world, server, report.id


def test_a_report_pdf_has_its_banner_at_the_top_and_bottom_of_every_page(
    printing: tuple[World, LiveServer, str],
) -> None:
    world, server, report_id = printing
    with closing(_client(server, "us.analyst")) as client:
        page = client.get(f"/reports/{report_id}")
        assert f'href="/reports/{report_id}/pdf"' in page.text  # offered on the report's page
        answer = client.get(f"/reports/{report_id}/pdf")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    pdf = answer.content
    assert pdf.startswith(b"%PDF-")
    pages = _pages(pdf)
    assert pages >= 3
    banner = rb"(TLP:AMBER // REL TO MEX, USA // ORCON \(DEA\)) Tj"
    assert pdf.count(banner) == 2 * pages  # top and bottom of each page
    assert pdf.count(f"(Page {pages} of {pages}) Tj".encode()) == 1
    assert LONG_TITLE.encode() in pdf
    assert b"Printed for us.analyst on" in pdf
    with world.store.sessions() as session:
        reads = session.execute(
            select(AuditRow).where(AuditRow.action == "read", AuditRow.actor == "us.analyst")
        ).scalars()
        assert report_id in [row.target for row in reads]


def test_a_report_pdf_in_spanish(printing: tuple[World, LiveServer, str]) -> None:
    world, server, _ = printing
    with closing(_client(server, "us.analyst")) as client:
        client.get("/", params={"lang": "es"})
        pdf = client.get(f"/reports/{world.reports['shared']}/pdf").content
    assert b"(TLP:GREEN // REL TO MEX, USA) Tj" in pdf
    assert b"(P\\341gina 1 de 1) Tj" in pdf
    assert b"Acerca de este informe" in pdf


def test_a_hidden_reports_pdf_answers_as_a_missing_one(
    printing: tuple[World, LiveServer, str],
) -> None:
    world, server, _ = printing
    hidden = world.reports["usa_only"]
    missing = "0123456789abcdef"
    with closing(_client(server, "mx.analyst")) as client:
        answer = client.get(f"/reports/{hidden}/pdf")
        absent = client.get(f"/reports/{missing}/pdf")
    assert answer.status_code == absent.status_code == 404
    assert answer.text.replace(hidden, "ID") == absent.text.replace(missing, "ID")
    assert world.titles["usa_only"] not in answer.text
    with httpx.Client(base_url=server.url, timeout=30) as visitor:
        assert visitor.get(f"/reports/{hidden}/pdf").status_code == 303


# --- in a real Chromium --------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _page(browser: Browser, viewport: dict[str, int], locale: str = "en-US") -> Page:
    context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    return context.new_page()


def _report_path(server: LiveServer) -> str:
    with server.client("us.analyst") as api:
        items = api.get("/api/v1/reports", params={"limit": 1}).json()["items"]
    return f"/reports/{items[0]['id']}"


def _entity_path(server: LiveServer) -> str:
    with server.client("us.analyst") as api:
        items = api.get("/api/v1/entities", params={"limit": 1}).json()["items"]
    return f"/entities/{items[0]['id']}"


def _no_sideways_scroll(page: Page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    if width > viewport:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit)
                .slice(0, 5)
                .map(e => e.tagName + '.' + e.className + ' '
                    + Math.round(e.getBoundingClientRect().right))""",
            viewport,
        )
        raise AssertionError(f"{path} is {width} px wide on a {viewport} px screen: {wide}")


@pytest.mark.browser
def test_no_page_scrolls_sideways_on_a_phone(browser: Browser, browser_server: LiveServer) -> None:
    report, entity = _report_path(browser_server), _entity_path(browser_server)
    for username, paths in [
        (
            "us.analyst",
            [
                "/",
                "/search?q=fentanyl",
                report,
                entity,
                "/reports/new",
                "/resolve",
                "/network",
                "/account",
                "/account/password",
                "/account/totp",
                "/account/tokens",
                "/account/sessions",
            ],
        ),
        ("us.supervisor", ["/exchange"]),
        ("auditor", ["/audit", "/audit/disseminations"]),
    ]:
        page = _page(browser, PHONE)
        sign_in(page, browser_server, username)
        for path in paths:
            page.goto(browser_server.url + path)
            page.wait_for_load_state("load")
            _no_sideways_scroll(page, path)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            shot(page, f"phone-{username}-{name[:40]}")
        page.context.close()


@pytest.mark.browser
def test_the_menu_folds_on_a_phone(browser: Browser, browser_server: LiveServer) -> None:
    page = _page(browser, PHONE)
    sign_in(page, browser_server, "us.analyst")
    toggle = page.locator("button.menu-toggle")
    sign_out = page.locator("header button:text-is('Sign out')")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(sign_out).to_be_hidden()
    shot(page, "phone-menu-closed", full_page=False)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(page, "phone-menu-open", full_page=False)
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()
    page.context.close()

    wide = _page(browser, DESKTOP, "es-MX")
    sign_in(wide, browser_server, "mx.analyst")
    expect(wide.locator("button.menu-toggle")).to_be_hidden()
    expect(wide.locator("header button:text-is('Cerrar sesión')")).to_be_visible()
    shot(wide, "desktop-header-es", full_page=False)
    wide.context.close()


@pytest.mark.browser
def test_print_stylesheet_keeps_banners_and_drops_the_chrome(
    browser: Browser, browser_server: LiveServer
) -> None:
    page = _page(browser, DESKTOP)
    sign_in(page, browser_server, "us.analyst")
    page.goto(browser_server.url + _report_path(browser_server))
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("footer.site-footer")).to_be_hidden()
    banners = page.locator("main > .marking-banner")
    expect(banners).to_have_count(2)
    # Fixed: the browser repeats them at the top and the bottom of every printed page.
    positions = banners.evaluate_all("els => els.map(e => getComputedStyle(e).position)")
    assert positions == ["fixed", "fixed"]
    # Each sheet's part of the page keeps room for them (no text under a banner).
    clone = page.evaluate("getComputedStyle(document.querySelector('main')).boxDecorationBreak")
    assert clone == "clone"
    tops = banners.evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
    assert tops[0] == 0 and tops[1] > 500
    shot(page, "print-report")
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF-")
    (SHOTS / "print-report.pdf").write_bytes(pdf)  # what the browser prints, to look at
    page.context.close()


@pytest.mark.browser
def test_light_dark_switch_is_remembered_per_browser(
    browser: Browser, browser_server: LiveServer
) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    sign_in(page, browser_server, "us.analyst")
    html = page.locator("html")
    button = page.locator("button.theme-toggle")
    expect(button).to_have_text("Dark theme")
    button.click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(button).to_have_text("Light theme")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")  # remembered
    page.goto(browser_server.url + _report_path(browser_server))
    expect(html).to_have_attribute("data-theme", "dark")
    shot(page, "desktop-report-dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    context.close()

    # Another browser (a new profile) follows its own system setting.
    dark_os = browser.new_context(viewport=PHONE, color_scheme="dark", locale="es-MX")
    other = dark_os.new_page()
    sign_in(other, browser_server, "mx.analyst")
    assert other.locator("html").get_attribute("data-theme") is None
    other.locator("button.menu-toggle").click()
    expect(other.locator("button.theme-toggle")).to_have_text("Tema claro")
    shot(other, "phone-home-dark-es")
    dark_os.close()


@pytest.mark.browser
def test_favicon_and_logo(page: Page, browser_server: LiveServer) -> None:
    page.goto(browser_server.url + "/login")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("type", "image/svg+xml")
    href = icon.get_attribute("href")
    assert href
    answer = httpx.get(browser_server.url + href, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in answer.text
    logo = page.locator("header .brand img")
    expect(logo).to_be_visible()
    assert page.evaluate("document.querySelector('header .brand img').naturalWidth") > 0
