"""The demo's civic channel in a real Chromium: mx.triage signs in, finds the queue through
the menu in English and in Spanish, with the demo's submissions in both languages, and opens
one that was answered and turned into a report; screenshots in var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from vinculo.demo.oversight import read

from conftest import LiveServer, shot, sign_in

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
