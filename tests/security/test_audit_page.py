"""The auditor's page in a real Chromium over the seeded demo, with screenshots in
var/screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import LiveServer, shot, sign_in

pytestmark = pytest.mark.browser


def test_an_auditor_finds_who_saw_per_0001(page: Page, browser_server: LiveServer) -> None:
    with browser_server.client("mx.analyst") as mx:
        mx.get("/api/v1/entities/per-0001").raise_for_status()
    sign_in(page, browser_server, "auditor")
    page.click("header nav >> text=Audit")
    expect(page.locator("h1")).to_have_text("Audit trail")
    expect(page.locator("tr.audit-row").first).to_be_visible()

    page.fill("form[aria-labelledby=who-saw-heading] input[name=item]", "per-0001")
    page.click("form[aria-labelledby=who-saw-heading] button[type=submit]")
    rows = page.locator("tr.audit-row")
    expect(rows.first).to_be_visible()
    expect(page.locator("table.audit-table")).to_contain_text("mx.analyst")
    expect(page.locator("main")).not_to_contain_text("José Ángel García López")
    shot(page, "20-audit-who-saw-per-0001")

    page.locator("tr.audit-row a", has_text="mx.analyst").first.click()
    expect(page).to_have_url(re.compile(r"/audit\?actor=mx.analyst&action=seen&since="))
    expect(page.locator("table.audit-table tbody")).not_to_contain_text("us.analyst")
    shot(page, "21-audit-seen-by-mx-analyst")

    page.click("a.lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Bitácora de auditoría")
    expect(page.locator("header nav")).to_contain_text("Auditoría")
    shot(page, "22-audit-es")

    page.click("nav.audit-tabs >> text=Registro de difusión")
    expect(page.locator("h1")).to_have_text("Registro de difusión")
    shot(page, "23-audit-disseminations-es")


def test_an_analyst_has_no_audit_link_and_gets_403(page: Page, browser_server: LiveServer) -> None:
    sign_in(page, browser_server, "us.analyst")
    expect(page.locator("header nav")).not_to_contain_text("Audit")
    response = page.goto(browser_server.url + "/audit")
    assert response is not None and response.status == 403
    shot(page, "24-audit-403-us-analyst")
