"""The workspace in a real Chromium, on a laptop (1366×900) and a phone (390×844), in both
languages: the home's queues, the header's search box and its "/" shortcut, the bell, the
notifications and watchlist pages, and adding a translation. Screenshots in var/screenshots/.

The home is read on the seeded demo (`browser_server`); what writes (a watch, a
translation) runs on a small store of its own, so the shared demo stays as seeded."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn

from conftest import LiveServer, make_store, shot, sign_in
from worlds import World, build_world, file_report

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def _page(browser: Browser, size: str, locale: str = "en-US") -> Page:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture(scope="module")
def small_server() -> Iterator[tuple[World, LiveServer]]:
    with tempfile.TemporaryDirectory(prefix="vinculo-workspace-") as directory:
        for store in make_store("sqlite", Path(directory), demo=True):
            world = build_world(store)
            with LiveServer(store.settings) as server:
                yield world, server


@pytest.mark.parametrize("size", SIZES)
def test_the_home_says_what_needs_the_supervisor(
    browser: Browser, browser_server: LiveServer, size: str
) -> None:
    page = _page(browser, size)
    sign_in(page, browser_server, "us.supervisor")
    expect(page.locator("h1")).to_have_text("Your workspace")
    queues = page.locator("section.queues li.queue")
    keys = [queues.nth(i).get_attribute("data-queue") for i in range(queues.count())]
    assert keys == ["due", "pairs", "releases", "new", "translations", "notifications"]
    expect(page.locator("#mine h2")).to_have_text("My recent reports")
    shot(page, f"ws-20-home-us-supervisor-{size}")
    # "/" puts the cursor in the header's search box; Enter searches.
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#site-search")).to_be_focused()
    page.keyboard.type("Garcia")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=Garcia$"))
    page.goto(browser_server.url + "/?lang=es")
    expect(page.locator("h1")).to_have_text("Su espacio de trabajo")
    expect(page.locator("section.queues")).to_contain_text("Pendientes de revisión")
    shot(page, f"ws-21-home-us-supervisor-es-{size}")
    page.context.close()


def _file(world: World, author: str, title: str, markings: MarkingsIn, name: str) -> str:
    subject = EntityIn(schema="Person", properties={"name": [name]})
    body = f"{title}. Seen at the border crossing with two companions."
    return file_report(world.store, world.actors[author], title, markings, [subject], body=body)


@pytest.mark.parametrize("size", SIZES)
def test_a_watched_name_rings_the_bell(
    browser: Browser, small_server: tuple[World, LiveServer], size: str
) -> None:
    world, server = small_server
    page = _page(browser, size, "es-MX")
    sign_in(page, server, "mx.analyst")
    page.goto(server.url + "/watch?lang=es")
    expect(page.locator("h1")).to_have_text("Lista de vigilancia y búsquedas guardadas")
    page.select_option("select[name=kind]", "phone")
    page.fill("input[name=value]", "no es un teléfono")
    page.click("form.watch-form button[type=submit]")
    expect(page.locator("#value-error")).to_contain_text("no es un número de teléfono")
    page.select_option("select[name=kind]", "name")
    name = f"Rosalba Quintero {size}"
    page.fill("input[name=value]", name)
    page.click("form.watch-form button[type=submit]")
    expect(page.locator("tr.watch-row").filter(has_text=name)).to_have_count(1)
    shot(page, f"ws-22-watch-mx-analyst-{size}")
    _file(world, "dea.agent1", "USA only", MarkingsIn(tlp="GREEN", rel_to=["USA"]), name)
    seen = _file(
        world,
        "dea.agent1",
        "Crossing at Nogales",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        name,
    )
    page.goto(server.url + "/notifications")
    expect(page.locator("li.notification.unread")).to_have_count(1)
    expect(page.locator("li.notification.unread")).to_contain_text(
        "Algo nuevo coincide con su lista de vigilancia"
    )
    page.goto(server.url + "/")
    expect(page.locator(".bell-count")).to_have_text("1")
    expect(page.locator("[data-queue=notifications] .queue-count")).to_have_text("1")
    shot(page, f"ws-23-home-mx-analyst-bell-{size}")
    page.click("a.bell")
    shot(page, f"ws-24-notifications-mx-analyst-{size}")
    page.click("li.notification.unread a")
    expect(page).to_have_url(re.compile(r"/entities/"))
    page.goto(server.url + "/notifications")
    page.click("form[action='/notifications/read'] button")
    expect(page.locator(".bell-count")).to_have_count(0)
    assert seen


def test_a_colleague_adds_a_translation(
    browser: Browser, small_server: tuple[World, LiveServer]
) -> None:
    world, server = small_server
    report = world.reports["fgr_amber_dea"]  # FGR's, shared with DEA, filed in English
    for size in SIZES:
        page = _page(browser, size, "es-MX")
        sign_in(page, server, "mx.analyst")
        page.goto(server.url + "/translations?lang=es")
        expect(page.locator("h1")).to_have_text("Cola de traducción")
        shot(page, f"ws-25-translation-queue-mx-analyst-{size}")
        page.goto(server.url + f"/reports/{report}")
        expect(page.locator("#translation h2")).to_have_text("Presentado solo en inglés")
        shot(page, f"ws-26-report-one-language-{size}")
        page.context.close()
    page = _page(browser, "laptop", "es-MX")
    sign_in(page, server, "mx.analyst")
    page.goto(server.url + f"/reports/{report}?lang=es")
    page.click("#translation a[role=button]")
    page.fill("input[name=title]", "Operativo")
    page.fill("textarea[name=summary]", "corto")
    page.click("form.translation-form button[type=submit]")
    expect(page.locator("#summary-error")).to_be_visible()
    shot(page, "ws-27-translation-form-error")
    page.fill("textarea[name=summary]", "Operativo conjunto en Nogales con la DEA; un detenido.")
    page.click("form.translation-form button[type=submit]")
    expect(page.locator("#translation .translation h3")).to_have_text("Operativo")
    expect(page.locator("#translation")).to_contain_text("mx.analyst")
    shot(page, "ws-28-report-translated")
    page.context.close()
    # us.analyst (DEA) may see it and reads the translation's note in English.
    page = _page(browser, "laptop")
    sign_in(page, server, "us.analyst")
    page.goto(server.url + f"/reports/{report}")
    expect(page.locator("#translation h2")).to_have_text("Filed in English only")
    page.context.close()


def test_a_pair_is_assigned_from_its_page(
    browser: Browser, small_server: tuple[World, LiveServer]
) -> None:
    from sqlalchemy import select

    from vinculo.resolve import service as resolve_service
    from vinculo.resolve.models import ResolutionPair

    world, server = small_server

    def score(entities: object) -> list[resolve_service.ScoredPair]:
        ids = {str(e.id) for e in entities}  # type: ignore[attr-defined]
        pair = ("per-0001", "per-dea_strict")
        return [resolve_service.ScoredPair(*pair, 0.7, [])] if set(pair) <= ids else []

    with transaction(world.store.sessions) as session:
        resolve_service.run(session=session, actor=world.actors["us.analyst"], scorer=score)
        pair_id = session.execute(select(ResolutionPair.id)).scalar_one()
    for size in SIZES:
        page = _page(browser, size)
        sign_in(page, server, "us.analyst")
        page.goto(server.url + f"/resolve/pairs/{pair_id}")
        # mx.analyst may not see one of the records: the page cannot say so (that depends on
        # what the asker may not see), and mx.analyst gets nothing.
        page.fill("#assign-username", "mx.analyst")
        page.click("form.assign-form button[type=submit]")
        expect(page.locator("#assign .notice")).to_have_text(
            "Assigned to mx.analyst, who is notified if they may see both records."
        )
        page.fill("#assign-username", "dea.agent1")
        page.click("form.assign-form button[type=submit]")
        expect(page.locator("#assign .notice")).to_have_text(
            "Assigned to dea.agent1, who is notified if they may see both records."
        )
        shot(page, f"ws-29-pair-assigned-{size}")
        page.context.close()
    page = _page(browser, "laptop")
    sign_in(page, server, "dea.agent1")
    expect(page.locator(".bell-count")).to_have_text("1")
    page.click("a.bell")
    expect(page.locator("li.notification.unread")).to_contain_text(
        "A pair of records was assigned to you"
    )
    page.context.close()
