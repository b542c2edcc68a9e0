"""The demo's civic channel in a real Chromium: mx.triage signs in, finds the queue through
the menu in English and in Spanish, with the demo's submissions in both languages, and opens
one that was answered and turned into a report; the demo published to a real public site
fills the portal (assistance, vetting, allegations, reports from the public by state).
Screenshots in var/screenshots/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from public_site import TOKEN, start_site

from vinculo.demo.oversight import read

from command_line import run_vinculo
from conftest import LiveServer, Store, shot, sign_in

pytestmark = pytest.mark.browser

ENTRIES = read("civic.yml")["submissions"]


def test_the_demo_queue_in_both_languages(page: Page, browser_server: LiveServer) -> None:
    shown = len(ENTRIES) - sum(bool(e.get("spam")) for e in ENTRIES)
    sign_in(page, browser_server, "mx.triage")
    for lang, heading, total in (
        ("en", "Civic submissions", f"{shown} submissions"),
        ("es", "Reportes ciudadanos", f"{shown} reportes"),
    ):
        page.goto(f"{browser_server.url}/?lang={lang}")
        page.click("#site-menu a[href='/civic/submissions']")
        expect(page.locator("h1")).to_have_text(heading)
        page.goto(f"{browser_server.url}/civic/submissions?lang={lang}")
        expect(page.locator(".civic-total")).to_have_text(total)
        expect(page.locator(".civic-queue td[lang=en]").first).to_be_visible()
        expect(page.locator(".civic-queue td[lang=es]").first).to_be_visible()
        shot(page, f"civic-demo-queue-{lang}")
    # One the triager answered and turned into a report.
    entry = next(e for e in ENTRIES if e.get("report") and e.get("replies"))
    page.goto(f"{browser_server.url}/civic/submissions?lang=es&category={entry['category']}")
    page.locator(".civic-queue tbody tr").filter(has_text=entry["what"][:60]).locator("a").click()
    expect(page.locator(".civic-words")).to_have_text(entry["what"])
    expect(page.locator(".civic-replies")).to_contain_text(entry["replies"][-1]["message"])
    shot(page, "civic-demo-submission-es")


def test_the_demo_fills_the_portal(page: Page, demo_store_sqlite: Store, tmp_path: Path) -> None:
    public = [e for e in ENTRIES if e.get("public")]
    by_state = Counter(str(e["state"]) for e in public)
    shown = sorted(state for state, count in by_state.items() if count >= 5)
    assert len(shown) >= 3
    for site in start_site(tmp_path):
        settings = demo_store_sqlite.settings
        published = run_vinculo(
            "civic",
            "publish",
            "--as",
            "us.supervisor",
            env={
                "VINCULO_DATABASE_URL": settings.resolved_database_url,
                "VINCULO_DATA_DIR": str(settings.data_dir),
                "VINCULO_CIVIC_URL": site.url,
                "VINCULO_CIVIC_PULL_TOKEN": TOKEN,
            },
        )
        assert published.returncode == 0, published.stderr
        for lang, heading in (("en", "Transparency portal"), ("es", "Portal de transparencia")):
            page.goto(f"{site.url}/portal?lang={lang}")
            expect(page.locator("h1")).to_have_text(heading)
            states = page.locator("#submissions-states-table")
            for state in shown:
                row = states.locator(f"tbody tr[data-row='{state}'] td")
                expect(row).to_have_text(str(by_state[state]))
            expect(states.locator("tfoot td")).to_have_text(str(len(public)))
            # The assistance demo's ledger, vetting and allegations are counted too: each
            # table's grand total is a figure, not hidden and not nought.
            for table in ("#money-table", "#vetting-table", "#allegations-table"):
                total = page.locator(f"{table} tfoot td").last
                expect(total).to_have_text(re.compile(r"^[^—0]*[1-9]"))
            expect(page.locator("#state-map svg")).to_have_count(1)
            shot(page, f"civic-demo-portal-{lang}")
        # What came of the closed ones: the outcomes mx.triage wrote of submissions flagged
        # public, which `civic publish` pushed with the figures.
        written = [e["outcome"] for e in ENTRIES if e.get("outcome") and e.get("public")]
        assert len(written) >= 3
        for lang in ("en", "es"):
            page.goto(f"{site.url}/portal/outcomes?lang={lang}")
            expect(page.locator("#outcomes li")).to_have_count(len(written))
            for outcome in written:
                expect(page.locator("#outcomes")).to_contain_text(outcome[lang])
            shot(page, f"civic-demo-outcomes-{lang}")
