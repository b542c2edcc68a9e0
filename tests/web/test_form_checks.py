"""The report form checks CURP, RFC and phone fields as they are typed, with the check filing
makes (POST /reports/new/check runs entity_form.check_one: python-stdnum and phonenumbers), in
the page's language; filing still checks them.

Over HTTP on loopback, and in a real Chromium in English and Spanish (screenshots in
var/screenshots/form-check-*.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import LiveServer, make_store, shot
from worlds import World, build_world

GOOD_CURP = "GALL850307HCHRPS05"
BAD_CURP = "GALL850307HCHRPS09"  # the check digit does not match
GOOD_RFC = "GALL850307AB0"
BAD_RFC = "GALL851307AB0"  # month 13


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("form-checks"), demo=True):
        world = build_world(store)
        with LiveServer(store.settings) as server:
            yield server, world


@contextmanager
def signed_in(server: LiveServer, username: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client and its session's CSRF token."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/reports/new").text)
        assert token
        yield client, token[1]


def check(client: httpx.Client, token: str, field: str, value: str, **row: str) -> dict[str, str]:
    answer = client.post(
        "/reports/new/check",
        data={"csrf_token": token, "schema": "Person", "field": field, "value": value, **row},
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


def test_the_check_is_the_filings_own(site: tuple[LiveServer, World]) -> None:
    server, _world = site
    with signed_in(server, "us.analyst") as (client, token):
        bad = check(client, token, "idNumber", BAD_CURP.lower())
        assert bad == {
            "valid": False,
            "value": "",
            "message": f"Invalid CURP {BAD_CURP}: the check digit does not match",
        }
        good = check(client, token, "idNumber", GOOD_CURP[:4] + " " + GOOD_CURP[4:])
        assert good["valid"] and good["value"] == GOOD_CURP
        assert good["message"] == f"will be stored as {GOOD_CURP}"
        assert not check(client, token, "taxNumber", BAD_RFC)["valid"]
        assert check(client, token, "taxNumber", GOOD_RFC)["value"] == GOOD_RFC
        # Ten digits read in the analyst's nation (a U.S. one), or in the row's country.
        assert not check(client, token, "phone", "55 12")["valid"]
        assert check(client, token, "phone", "602 555 0143")["value"] == "+16025550143"
        mexican = check(client, token, "phone", "55 1234 5678", nationality="mx")
        assert mexican["value"] == "+525512345678"
        assert check(client, token, "phone", "")["valid"]  # nothing typed: nothing to say
        # A field the kind lacks is refused as filing refuses it.
        assert not check(client, token, "registrationNumber", "X")["valid"]
        # In the page's language.
        client.get("/reports/new", params={"lang": "es"})
        spanish = check(client, token, "idNumber", BAD_CURP)
        assert spanish["message"] == f"CURP no válida {BAD_CURP}: el dígito verificador no coincide"
        assert check(client, token, "phone", "+52 55 1234 5678")["message"] == (
            "se guardará como +525512345678"
        )
        # Filing says the same of the same value.
        filed = client.post(
            "/reports/new",
            data={"csrf_token": token, "action": "file", "e0.name": "X", "e0.idNumber": BAD_CURP},
        )
        assert filed.status_code == 422
        assert spanish["message"] in filed.text
        # Without the session's token the check is refused, as any form is.
        refused = client.post("/reports/new/check", data={"field": "phone", "value": "1"})
        assert refused.status_code == 403
    with httpx.Client(base_url=server.url) as anonymous:
        answer = anonymous.post("/reports/new/check", data={"field": "phone", "value": "1"})
        assert answer.status_code in (303, 403)


def _open_form(page: Page, server: LiveServer, lang: str) -> None:
    page.goto(f"{server.url}/login?next=/reports/new%3Flang%3D{lang}")
    page.fill("input[name=username]", "us.analyst")
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    expect(page.locator("form.report-form")).to_be_visible()


WORDS = {
    "en": {
        "check": "check digit does not match",
        "stored": "will be stored as",
        "phone": "is not a phone number",
    },
    "es": {
        "check": "el dígito verificador no coincide",
        "stored": "se guardará como",
        "phone": "no es un número de teléfono",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_fields_are_checked_as_typed_in_the_browser(
    browser: Browser, site: tuple[LiveServer, World], lang: str
) -> None:
    server, _world = site
    words = WORDS[lang]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    filings: list[str] = []
    page.on(
        "request",
        lambda r: filings.append(r.url) if r.method == "POST" and r.url.endswith("/new") else None,
    )
    _open_form(page, server, lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    row = page.locator("fieldset.entity-row").first
    curp = row.locator("input[name='e0.idNumber']")
    note = page.locator("#e0\\.idNumber-check")
    # Typed, not left: a complete CURP is checked once typing pauses.
    curp.press_sequentially(BAD_CURP, delay=5)
    expect(note).to_contain_text(words["check"])
    expect(note).to_have_class(re.compile("field-error"))
    expect(curp).to_have_attribute("aria-invalid", "true")
    expect(curp).to_have_attribute("aria-describedby", "e0.idNumber-check")
    # Corrected: the error goes, and the page says what will be stored.
    curp.fill(GOOD_CURP.lower())
    expect(note).to_have_text(f"{words['stored']} {GOOD_CURP}")
    expect(curp).not_to_have_attribute("aria-invalid", "true")
    # A phone is checked on leaving the field, then again when the row's nationality changes.
    phone = row.locator("input[name='e0.phone']")
    phone_note = page.locator("#e0\\.phone-check")
    phone.fill("55 12")
    phone.press("Tab")
    expect(phone_note).to_contain_text(words["phone"])
    phone.fill("55 1234 5678")
    phone.press("Tab")
    expect(phone_note).to_have_text(f"{words['stored']} +15512345678")
    row.locator("select[name='e0.nationality']").select_option("mx")
    expect(phone_note).to_have_text(f"{words['stored']} +525512345678")
    rfc = row.locator("input[name='e0.taxNumber']")
    rfc.fill(BAD_RFC)
    rfc.press("Tab")
    expect(page.locator("#e0\\.taxNumber-check")).to_contain_text("RFC")
    expect(rfc).to_have_attribute("aria-invalid", "true")
    assert filings == [], "a check must not file the form"
    assert page.url.endswith(f"/reports/new?lang={lang}")
    row.scroll_into_view_if_needed()
    shot(page, f"form-check-{lang}")
    shot(row, f"form-check-row-{lang}")
    context.close()
