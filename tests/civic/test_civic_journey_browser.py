"""The civic channel end to end in a real Chromium, in English and in Spanish: a reporter files
a report anonymously on a real public process and keeps the receipt and passphrase; the
internal node pulls it (`vinculo civic pull`); a triager, led to the queue by the menu link
only their role shows, replies; the reporter comes back with the receipt and passphrase and
reads the reply; once the submissions are flagged and `vinculo civic publish` has run, the
reporter's report is counted on the portal. Screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from public_site import PublicSite, start_site
from sqlalchemy import select
from test_public_intake import submit
from test_triage_pull import accounts, wire

from vinculo.civic.models import CivicSubmission
from vinculo.db import transaction
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from command_line import run_vinculo
from conftest import LiveServer, Store, make_store, shot, sign_in

pytestmark = pytest.mark.browser

# What each language's reporter, triager and portal say.
TEXT = {
    "en": {
        "what": "Two municipal officers beat a handcuffed young man outside the market at dusk.",
        "form": "Report what you saw, without saying who you are",
        "received": "Your report was received",
        "menu": "Civic submissions",
        "reply": "Thank you. We are reviewing your report and have asked the unit for its log.",
        "under_review": "Under review",
        "portal": "Transparency portal",
    },
    "es": {
        "what": "Dos policías municipales golpearon a un joven esposado frente al mercado.",
        "form": "Reporte lo que vio, sin decir quién es",
        "received": "Su reporte fue recibido",
        "menu": "Reportes ciudadanos",
        "reply": "Gracias. Revisamos su reporte y pedimos a la corporación su bitácora.",
        "under_review": "En revisión",
        "portal": "Portal de transparencia",
    },
}
# Other reporters' reports of the same kind, place and month: with the one filed in the
# browser, six, above the portal's threshold of five.
OTHERS = 5


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PublicSite]:
    (tmp_path / "site").mkdir()
    yield from start_site(
        tmp_path / "site",
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
        VINCULO_PUBLIC_LIMIT_WITH_POW="50",
    )


@pytest.fixture
def inside(tmp_path: Path, site: PublicSite) -> Iterator[Store]:
    (tmp_path / "inside").mkdir()
    for store in make_store("sqlite", tmp_path / "inside", demo=True):
        wire(store, site, tmp_path)
        accounts(store)
        with transaction(store.sessions) as session:
            create_user(
                session=session,
                user_in=UserCreate(
                    username="fgr.publisher",
                    password="demo",
                    agency="FGR",
                    roles=["supervisor"],
                    groups=[],
                ),
                demo_password=True,
            )
        yield store


def _env(store: Store) -> dict[str, str | None]:
    settings = store.settings
    return {
        "VINCULO_DATABASE_URL": settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(settings.data_dir),
        "VINCULO_CIVIC_URL": settings.civic_url,
        "VINCULO_CIVIC_PULL_TOKEN": settings.civic_pull_token,
        "VINCULO_CIVIC_AGENCY": settings.civic_agency,
    }


def _file_in_browser(page: Page, site: PublicSite, lang: str) -> tuple[str, str]:
    text = TEXT[lang]
    page.goto(f"{site.url}/?lang={lang}")
    expect(page.locator("h1")).to_have_text(text["form"])
    page.select_option("#category", "security_forces_abuse")
    page.select_option("#state", "SON")
    page.select_option("#municipality", "Nogales")
    page.fill("#what", text["what"])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text(text["received"])
    expect(page.locator("#receipt-code")).to_be_visible()
    shot(page, f"civic-journey-receipt-{lang}")
    return page.inner_text("#receipt-code"), page.inner_text("#passphrase")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_report_reply_come_back_and_count(
    page: Page, browser: Browser, site: PublicSite, inside: Store, lang: str
) -> None:
    text = TEXT[lang]
    # The reporter, anonymously: no account, the receipt and passphrase shown once.
    receipt, passphrase = _file_in_browser(page, site, lang)
    assert len(passphrase.split()) == 6
    assert {c["name"] for c in page.context.cookies()} == {"csrf"}
    for number in range(OTHERS):
        status, _html = submit(
            site,
            what=f"Otro reporte del mismo retén, número {number}.",
            address=f"203.0.113.{number}",
        )
        assert status == 200
    # The internal node opens the connection and pulls.
    pulled = run_vinculo("civic", "pull", env=_env(inside))
    assert pulled.returncode == 0, pulled.stderr
    with transaction(inside.sessions) as session:
        ids = list(session.execute(select(CivicSubmission.id)).scalars())
        assert len(ids) == OTHERS + 1

    # The triager, in a browser of their own: the menu leads to the queue.
    triage = browser.new_page()
    with LiveServer(inside.settings) as server:
        sign_in(triage, server, "fgr.triager")
        triage.goto(f"{server.url}/?lang={lang}")
        link = triage.locator("#site-menu a[href='/civic/submissions']")
        expect(link).to_have_text(text["menu"])
        link.click()
        expect(triage.locator("h1")).to_have_text(text["menu"])
        row = triage.locator(".civic-queue tbody tr").filter(has_text=text["what"])
        expect(row).to_have_count(1)
        shot(triage, f"civic-journey-queue-{lang}")
        row.locator("a").click()
        expect(triage.locator(".civic-words")).to_have_text(text["what"])
        triage.select_option("#respond-status", "under_review")
        triage.fill("#respond-message", text["reply"])
        triage.click(".civic-respond button[type=submit]")
        expect(triage.locator("#civic-status")).to_have_text(text["under_review"])
        expect(triage.locator(".civic-replies")).to_contain_text(text["reply"])
        shot(triage, f"civic-journey-reply-{lang}")
        # An analyst of the same agency without the role has no such link.
        other = browser.new_page()
        sign_in(other, server, "fgr.analyst")
        other.goto(f"{server.url}/?lang={lang}")
        expect(other.locator("#site-menu a[href='/oversight/vetting']")).to_have_count(1)
        expect(other.locator("#site-menu a[href='/civic/submissions']")).to_have_count(0)
        other.close()
    triage.close()

    # The reporter comes back with the receipt and passphrase, and reads the reply.
    page.goto(f"{site.url}/follow-up?lang={lang}")
    page.fill("#receipt", receipt)
    page.fill("#passphrase", passphrase)
    page.click("button[type=submit]")
    expect(page.locator("#status")).to_have_text(text["under_review"])
    expect(page.locator(".replies")).to_contain_text(text["reply"])
    shot(page, f"civic-journey-come-back-{lang}")

    # Flagged for the public tables by the triager, then published by a supervisor.
    flagged = run_vinculo(
        "assistance", "publish", "submission", *ids, "--as", "fgr.triager", env=_env(inside)
    )
    assert flagged.returncode == 0, flagged.stderr
    published = run_vinculo("civic", "publish", "--as", "fgr.publisher", env=_env(inside))
    assert published.returncode == 0, published.stderr
    page.goto(f"{site.url}/portal?lang={lang}")
    expect(page.locator("h1")).to_have_text(text["portal"])
    states = page.locator("#submissions-states-table")
    expect(states.locator("tbody tr[data-row='SON'] td")).to_have_text(str(OTHERS + 1))
    expect(states.locator("tfoot td")).to_have_text(str(OTHERS + 1))
    page.locator("#submissions-states-table").scroll_into_view_if_needed()
    shot(page, f"civic-journey-portal-{lang}")
