"""The transparency portal in a real Chromium: the aggregate found on the page in English and
in Spanish (the table's figure, a hidden cell as "—"), both charts drawn by the ECharts bundle
under the public site's content security policy, the "you said, we did" page; screenshots in
both languages in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from public_site import TOKEN, PublicSite, start_site
from test_portal import _document

from vinculo.civic import client
from vinculo.civic.portal import PortalDocument

from conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    for site in start_site(tmp_path_factory.mktemp("portal-browser")):
        client.push_portal(
            url=site.url, token=TOKEN, document=PortalDocument.model_validate(_document())
        )
        yield site


def test_the_aggregate_on_the_portal_in_both_languages(page: Page, portal_site: PublicSite) -> None:
    bundle = Path(__file__).resolve().parents[2] / "src/vinculo/civic/static/portal.js"
    assert bundle.is_file(), "run `make assets` (frontend/build.mjs) first"
    errors: list[str] = []
    # A CSP refusal or a script error shows as a console error; a missing file as a response.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    for lang, amount, heading, pillar, status in (
        ("en", "$1,250,000.50", "Transparency portal", "Pillar 2", "Approved"),
        ("es", "1.250.000,50\xa0US$", "Portal de transparencia", "Pilar 2", "Aprobado"),
    ):
        page.goto(f"{portal_site.url}/portal?lang={lang}")
        expect(page.locator("h1")).to_have_text(heading)
        row = page.locator("#money-table tbody tr[data-row='2023']")
        expect(row).to_contain_text(amount)
        expect(row.locator("td.suppressed").first).to_contain_text("—")
        expect(page.locator("#money-table thead")).to_contain_text(pillar)
        expect(page.locator("#vetting-table thead")).to_contain_text(status)
        expect(page.locator("#vetting-table tfoot")).to_contain_text("8")
        # Both charts drawn (SVG), the money chart with a bar per shown cell.
        expect(page.locator("#money-chart svg")).to_have_count(1)
        expect(page.locator("#forces-chart svg")).to_have_count(1)
        assert page.locator("#money-chart svg path").count() >= 3
        shot(page, f"civic-portal-{lang}")
        page.goto(f"{portal_site.url}/portal/outcomes?lang={lang}")
        expect(page.locator("#outcomes li")).to_have_count(1)
        shot(page, f"civic-portal-outcomes-{lang}")
    assert errors == []
    # The download is the table as CSV.
    page.goto(f"{portal_site.url}/portal?lang=en")
    with page.expect_download() as download:
        page.click("a[href='/portal/data/money.csv']")
    path = download.value.path()
    assert path is not None
    assert Path(path).read_text("utf-8").startswith("fiscal_year,pillar,count,usd,suppressed\n")


def test_the_portal_before_anything_is_published(page: Page, tmp_path: Path) -> None:
    for site in start_site(tmp_path):
        for lang, text in (
            ("en", "No outcomes have been published yet."),
            ("es", "Todavía no se han publicado resultados."),
        ):
            page.goto(f"{site.url}/portal/outcomes?lang={lang}")
            expect(page.locator("#outcomes-empty")).to_contain_text(text)
            shot(page, f"civic-portal-outcomes-empty-{lang}")
            page.goto(f"{site.url}/portal?lang={lang}")
            expect(page.locator("#portal-empty")).to_be_visible()
            expect(page.locator("#money-chart")).to_have_count(0)
