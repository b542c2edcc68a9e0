"""The question the accountability view exists for, answered on the demo in a real Chromium,
in English and in Spanish: "the 28th Infantry Battalion has N allegations, vetting status Y,
and received $Z in fiscal year W". The demo's files say what the answer must be: one
allegation of 2023 under review (allegations.yml), an approval renewed for 2023–2026 after
an earlier one expired (vetting.yml), and the IMET courses' disbursements (assistance.yml);
the page must agree with the API for the same reader, and show the renewal, not the
expired approval, as the status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from conftest import LiveServer, shot, sign_in

pytestmark = pytest.mark.browser

UNIT = "mx-sedena-bi28"
WORDS = {
    "en": {"unit": "28th Infantry Battalion", "status": "approved", "year": "Fiscal year 2023"},
    "es": {"unit": "28th Infantry Battalion", "status": "aprobado", "year": "Año fiscal 2023"},
}


def _amount(text: str, lang: str) -> Decimal:
    digits = text.replace("$", "").replace("US", "").replace("\xa0", "").strip()
    if lang == "es":
        digits = digits.replace(".", "").replace(",", ".")
    return Decimal(digits.replace(",", ""))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_demo_answers_the_question(page: Page, browser_server: LiveServer, lang: str) -> None:
    words = WORDS[lang]
    with browser_server.client("mx.analyst") as api:
        answer = api.get(
            "/api/v1/assistance/accountability", params={"unit": UNIT, "fy": 2023}
        ).json()
    assert answer["allegations"] == 1
    assert answer["vetting_status"] == "approved"
    assert Decimal(answer["received_usd"]) > 0
    sign_in(page, browser_server, "mx.analyst")
    page.goto(f"{browser_server.url}/?lang={lang}")
    page.click('a[href="/assistance/accountability"]')
    page.select_option("#unit", UNIT)
    page.fill("#fy", "2023")
    page.click(".acc-filters button[type=submit]")
    expect(page.locator("#answer-unit")).to_have_text(words["unit"])
    expect(page.locator("#answer-allegations")).to_have_text(str(answer["allegations"]))
    expect(page.locator("#answer-vetting")).to_have_text(words["status"])
    expect(page.locator("#answer-year")).to_have_text("2023")
    expect(page.locator(".acc-year h3")).to_have_text(words["year"])
    received = page.locator("#answer-received").inner_text()
    assert _amount(received, lang) == Decimal(answer["received_usd"]), received
    expect(page.locator(".marking-banner").first).to_have_text(answer["banner"])
    shot(page, f"accountability-demo-{lang}")
