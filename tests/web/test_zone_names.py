"""The account page names time zones in the reader's language (Babel's CLDR names: city,
country and the time kept there), never by their raw IANA names, while the values sent and
stored stay IANA names. Over HTTP, and in Chromium in English and Spanish (screenshots
var/screenshots/account-zones-*.png, the list opened as a box so that it shows)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from vinculo.security.account_views import zone_choices, zone_label
from vinculo.security.models import User
from vinculo.security.preferences import time_zones

from conftest import LiveServer, make_store, shot, sign_in
from worlds import World, build_world


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("zones"), demo=True):
        world = build_world(store)
        with LiveServer(store.settings) as server:
            yield server, world


def test_zones_are_named_in_the_readers_language() -> None:
    assert zone_label("America/Mexico_City", "es") == "Ciudad de México, México — hora central"
    assert zone_label("America/Mexico_City", "en") == "Mexico City, Mexico — Central Time"
    assert zone_label("America/Phoenix", "en") == "Phoenix, United States — Mountain Time"
    assert zone_label("UTC", "es") == "UTC — tiempo universal coordinado"
    for locale in ("en", "es"):
        common, others = zone_choices(locale)
        values = [zone for zone, _label in (*common, *others)]
        assert sorted(values) == sorted(time_zones())  # the same values, every one
        assert common[0][0] == "America/Mexico_City"
        labels = [label for _zone, label in (*common, *others)]
        assert len(set(labels)) == len(labels), "two zones read alike"
        # No raw IANA name as a label; only an old alias beside its zone carries its name.
        assert not any(label == zone for zone, label in (*common, *others))
        assert dict(others)["America/Ensenada"].endswith("(America/Ensenada)")
        assert "(" not in dict(common)["America/Tijuana"]
    # The options are marked translate="no" (their places are proper names, Swift Current),
    # so the Spanish-completeness walk leaves them out: the time each names is checked here.
    common, others = zone_choices("es")
    kept = [label.split(" — ", 1)[1] for _zone, label in (*common, *others) if " — " in label]
    assert kept and all(k.startswith(("hora ", "tiempo ")) for k in kept), kept
    assert zone_label("Pacific/Honolulu", "en") == "Honolulu, United States — Hawaii Time"


WORDS = {
    "en": ("Mexico City, Mexico — Central Time", "Phoenix, United States — Mountain Time"),
    "es": (
        "Ciudad de México, México — hora central",
        "Phoenix, Estados Unidos — hora de las Montañas Rocosas",
    ),
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_account_page_names_zones_in_the_browser(
    browser: Browser, site: tuple[LiveServer, World], lang: str
) -> None:
    server, world = site
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    username = {"en": "mx.analyst", "es": "fgr.mp1"}[lang]  # each saves a zone of its own
    sign_in(page, server, username)
    page.goto(f"{server.url}/account?lang={lang}")
    select = page.locator("select#time_zone")
    expect(select.locator("option:checked")).to_have_text(WORDS[lang][0])
    expect(select).to_have_value("America/Mexico_City")
    texts = select.locator("option").all_inner_texts()
    assert not [t for t in texts if re.fullmatch(r"[A-Z][A-Za-z_]+/[A-Za-z_/+-]+", t)]
    select.select_option("America/Phoenix")
    expect(select.locator("option:checked")).to_have_text(WORDS[lang][1])
    # Opened as a box for the screenshot: a closed select shows one line.
    select.evaluate("s => s.setAttribute('size', '14')")
    shot(select, f"account-zones-{lang}")
    select.evaluate("s => s.removeAttribute('size')")
    page.select_option("select#locale", lang)  # saved with the zone: the page stays in it
    page.click("form.account-form button[type=submit]")
    expect(page.locator("select#time_zone option:checked")).to_have_text(WORDS[lang][1])
    shot(page, f"account-zones-page-{lang}")
    context.close()
    with world.store.sessions() as session:
        stored = session.query(User).filter_by(username=username).one().time_zone
    assert stored == "America/Phoenix"  # the value is the IANA name, unchanged
    assert html.escape(WORDS[lang][1]) not in stored
