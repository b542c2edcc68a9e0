"""The proof-of-work in a real Chromium: pow.js (hash-wasm's scrypt, bundled into the public
site) solves the challenge the server set, the server accepts its answer, and the report is
filed in English; a screenshot of the receipt in var/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from public_site import PublicSite, form_fields, start_site

from conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    # Real scrypt parameters but fewer rounds, and one report an hour without an answer.
    yield from start_site(
        tmp_path_factory.mktemp("public-pow-browser"),
        VINCULO_PUBLIC_POW_BITS="3",
        VINCULO_PUBLIC_POW_ROUNDS="2",
        VINCULO_PUBLIC_POW_COST="10",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="1",
    )


def test_the_browser_solves_and_the_server_accepts(page: Page, pow_site: PublicSite) -> None:
    # Spend this address's one report without an answer: the browser's must be a solved one.
    with httpx.Client(base_url=pow_site.url, timeout=30) as http:
        fields = form_fields(http.get("/?lang=en").text)
        fields.update({"category": "crime", "what": "A first report, without JavaScript."})
        assert 'id="receipt-code"' in http.post("/report", data=fields).text
        again = {**form_fields(http.get("/?lang=en").text), "category": "crime", "what": "x"}
        assert http.post("/report", data=again).status_code == 429
    page.goto(f"{pow_site.url}/?lang=en")
    page.select_option("#category", "corruption")
    page.fill("#what", "An official asked for money to release a truck at the border.")
    form = page.locator("#report-form")
    expect(form).to_have_attribute("data-pow-seconds", re.compile(r"^\d+\.\d{3}$"), timeout=60_000)
    page.click("button[type=submit]")
    expect(page.locator("#receipt-code")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Your report was received")
    shot(page, "civic-receipt-after-pow-en")
