"""The pages in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Each test leaves full-page screenshots in var/screenshots/ for a person to look at.
Reading runs against the seeded demo (`browser_server`); filing a report runs against a
fresh store of its own, so the shared demo stays as seeded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from vinculo.db import transaction
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, ensure_group

from conftest import LiveServer, make_store, shot, sign_in

pytestmark = pytest.mark.browser

USA_ONLY_TITLE = "Fentanyl lab supplier payments traced through Phoenix"


@pytest.fixture(scope="module")
def usa_only_path(browser_server: LiveServer) -> str:
    with browser_server.client("us.analyst") as api:
        hits = api.get("/api/v1/search", params={"q": USA_ONLY_TITLE, "kind": "reports"})
        (report_id,) = [h["id"] for h in hits.json()["items"] if h["title"] == USA_ONLY_TITLE]
    return f"/reports/{report_id}"


def test_sign_in_page(page: Page, browser_server: LiveServer) -> None:
    page.goto(browser_server.url + "/reports/new")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Freports%2Fnew$"))
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".demo-hint")).to_contain_text("us.analyst, mx.analyst")
    shot(page, "01-sign-in")
    page.fill("input[name=username]", "us.analyst")
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    expect(page).to_have_url(browser_server.url + "/reports/new")


def test_us_analyst_reads_the_usa_only_report(page: Page, browser_server: LiveServer) -> None:
    sign_in(page, browser_server, "us.analyst")
    expect(page.locator("h1")).to_have_text("Your workspace")
    expect(page.locator("tr.report-row").first).to_be_visible()
    assert page.locator("tr.report-row").count() == 25
    expect(page.locator("a[rel=next]")).to_have_text(re.compile("Older reports"))
    shot(page, "02-home-us-analyst")

    page.click("header nav >> text=Search")
    page.fill("main input[name=q]", "fentanyl lab supplier phoenix")
    page.click("main form[role=search] button[type=submit]")
    shot(page, "03-search-us-analyst")
    page.click(f"a:text-is('{USA_ONLY_TITLE}')")
    expect(page.locator("h1")).to_have_text(USA_ONLY_TITLE)
    banners = page.locator("div.marking-banner.tlp-green[role=note]")
    expect(banners).to_have_count(2)
    expect(banners.first).to_have_text("TLP:GREEN // REL TO USA")
    expect(banners.last).to_have_text("TLP:GREEN // REL TO USA")
    top, bottom = banners.first.bounding_box(), banners.last.bounding_box()
    title = page.locator("h1").bounding_box()
    entities = page.locator(".report-entities").bounding_box()
    assert top and bottom and title and entities
    assert top["y"] < title["y"] < entities["y"] < bottom["y"]
    expect(page.locator("dd.grading")).to_have_text(re.compile(r"^[A-F][1-6] — .+ / .+$"))
    expect(page.locator(".report-facts")).to_contain_text("Money laundering")
    shot(page, "04-report-us-analyst")

    page.click("a.lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".report-facts h2")).to_have_text("Acerca de este informe")
    expect(page.locator(".report-facts")).to_contain_text("Lavado de dinero")
    expect(page.locator("header nav")).to_contain_text("Presentar un informe")
    expect(page.locator("a.lang-switch")).to_have_text("English")
    expect(page.locator("div.marking-banner")).to_have_count(2)
    shot(page, "05-report-us-analyst-es")

    page.click("header nav >> text=Inicio")
    expect(page.locator("h1")).to_have_text("Su espacio de trabajo")
    expect(page.locator(".report-count")).to_contain_text("Puede ver")
    shot(page, "06-home-us-analyst-es")
    page.click("a.lang-switch")
    expect(page.locator("h1")).to_have_text("Your workspace")


def test_mx_analyst_cannot_find_or_open_it(
    page: Page, browser_server: LiveServer, usa_only_path: str
) -> None:
    sign_in(page, browser_server, "mx.analyst")
    expect(page.locator("html")).to_have_attribute("lang", "es")  # the account's language
    expect(page.locator("h1")).to_have_text("Su espacio de trabajo")
    shot(page, "07-home-mx-analyst")
    while True:  # every page of the home list
        expect(page.locator("table.report-list")).not_to_contain_text(USA_ONLY_TITLE)
        assert page.locator(f"a[href='{usa_only_path}']").count() == 0
        older = page.locator("a[rel=next]")
        if older.count() == 0:
            break
        older.click()

    for words in ["fentanyl lab supplier phoenix", "García"]:
        page.goto(browser_server.url + "/search")
        page.fill("main input[name=q]", words)
        page.click("main form[role=search] button[type=submit]")
        expect(page.locator("main")).not_to_contain_text(USA_ONLY_TITLE)
        assert page.locator(f"a[href='{usa_only_path}']").count() == 0
    shot(page, "08-search-mx-analyst")

    response = page.goto(browser_server.url + usa_only_path)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("No encontrado")
    expect(page.locator("main")).not_to_contain_text(USA_ONLY_TITLE)
    shot(page, "09-report-404-mx-analyst")


def statement_count(page: Page, server: LiveServer, username: str) -> int:
    sign_in(page, server, username)
    page.goto(server.url + "/entities/per-0001")
    expect(page.locator("h1")).to_have_text("José Ángel García López")
    count = page.locator("tr.statement").count()
    shot(page, f"10-entity-per-0001-{username}")
    page.click("header form[action='/logout'] button")
    return count


def test_mx_analyst_sees_less_of_per_0001(page: Page, browser_server: LiveServer) -> None:
    us = statement_count(page, browser_server, "us.analyst")
    mx = statement_count(page, browser_server, "mx.analyst")
    assert 0 < mx < us


def test_bad_review_date_comes_back_in_spanish(page: Page, browser_server: LiveServer) -> None:
    sign_in(page, browser_server, "mx.analyst")
    page.click("header nav >> text=Presentar un informe")
    expect(page.locator("h1")).to_have_text("Presentar un informe")
    assert page.locator("fieldset.entity-row").count() >= 3
    page.fill("input[name=title_es]", "Mi título tecleado")
    page.fill("textarea[name=body_es]", "Texto del informe.")
    page.select_option("select[name=reliability]", "B")
    page.select_option("select[name=credibility]", "2")
    page.select_option("select[name=predicate]", "extortion")
    page.fill("textarea[name=suspicion]", "Cobros de piso documentados en tres negocios.")
    page.fill("input[name=review_by]", "2020-01-01")
    page.click("form.report-form button.file-report")
    error = page.locator("#review_by-error")
    expect(error).to_have_text("la fecha de revisión debe ser futura")
    expect(page.locator("input[name=review_by]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=title_es]")).to_have_value("Mi título tecleado")
    expect(page.locator("select[name=predicate]")).to_have_value("extortion")
    expect(page.locator("div.errors[role=alert]")).to_contain_text("El informe no se presentó")
    error.scroll_into_view_if_needed()
    shot(page, "11-form-error-mx-analyst")


@pytest.fixture(scope="module")
def filing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("filing"), demo=True):
        with transaction(store.sessions) as session:
            ensure_group(
                session=session,
                code="tf-sonora",
                name_en="Task Force Sonora",
                name_es="Fuerza de Tarea Sonora",
            )
            create_user(
                session=session,
                user_in=UserCreate(
                    username="us.analyst",
                    display_name="Emily Carter",
                    password="demo",
                    agency="DEA",
                    roles=["analyst"],
                    groups=["tf-sonora"],
                    locale="en",
                ),
                demo_password=True,
            )
        with LiveServer(store.settings) as server:
            yield server


def test_a_filing_lands_on_the_new_report(page: Page, filing_server: LiveServer) -> None:
    sign_in(page, filing_server, "us.analyst")
    page.goto(filing_server.url + "/reports/new")
    page.fill("input[name=title_en]", "Tractor-trailer crossing at Nogales")
    page.fill("textarea[name=body_en]", "CBP flagged a tractor-trailer with altered manifests.")
    page.select_option("select[name=reliability]", "C")
    page.select_option("select[name=credibility]", "3")
    page.select_option("select[name=predicate]", "drug_trafficking")
    page.fill("textarea[name=suspicion]", "Manifests altered twice in one month.")
    page.check("input[name=attest_no_protected_views]")
    page.fill("input[name=review_by]", (date.today() + timedelta(days=300)).isoformat())
    page.select_option("select[name=tlp]", "AMBER")
    page.check("input[name=groups][value=tf-sonora]")
    rows = page.locator("fieldset.entity-row")
    rows.nth(0).locator("select[name='e0.schema']").select_option("Company")
    expect(page.locator("input[name='e0.registrationNumber']")).to_be_visible()
    page.locator("input[name='e0.name']").fill("Transportes Frontera Norte")
    page.locator("select[name='e1.schema']").select_option("Vehicle")
    expect(page.locator("input[name='e1.model']")).to_be_visible()
    page.locator("input[name='e1.name']").fill("Kenworth T680")
    page.locator("input[name='e1.registrationNumber']").fill("AZ-4821-K")
    page.click("form.report-form button.file-report")
    expect(page).to_have_url(re.compile(r"/reports/[0-9a-f]{16}$"))
    expect(page.locator("h1")).to_have_text("Tractor-trailer crossing at Nogales")
    banners = page.locator("div.marking-banner.tlp-amber[role=note]")
    expect(banners).to_have_count(2)
    expect(banners.first).to_have_text("TLP:AMBER // REL TO USA // tf-sonora")
    expect(page.locator(".report-entities")).to_contain_text("Kenworth T680")
    shot(page, "12-filed-report")
    page.click(".report-entities >> text=Kenworth T680")
    expect(page.locator("tr.statement")).to_have_count(2)
    expect(page.locator(".statement-table")).to_contain_text("AZ-4821-K")
    shot(page, "13-filed-entity")


def test_the_security_policy_blocks_nothing_the_pages_use(
    page: Page, browser_server: LiveServer, usa_only_path: str
) -> None:
    """Under the strict Content Security Policy every page loads its styles and script, and
    the browser reports no violation."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    sign_in(page, browser_server, "us.analyst")
    for path in ["/", "/search?q=garcia", "/reports/new", usa_only_path, "/entities/per-0001"]:
        response = page.goto(browser_server.url + path)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
        # The script ran and Pico's stylesheet applied (it zeroes the body margin).
        expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # app.js ran
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    page.click("header form[action='/logout'] button")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert not problems, problems
