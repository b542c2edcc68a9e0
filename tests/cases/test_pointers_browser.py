"""The case page in a real Chromium, in both languages, names each partner node a case's
registrations go to and when its pointers were last received, so a partner never heard from
reads "not checked", never "no conflict"; screenshots in var/screenshots/case-partners-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from test_pointers import case_of, node_settings, register

from vinculo.db import transaction
from vinculo.exchange.models import PointerPartner
from vinculo.exchange.pointers import note_pulled
from vinculo.hooks import wire_hooks
from vinculo.security.models import utcnow

from conftest import LiveServer, make_store, shot, sign_in
from worlds import World, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World, str]]:
    wire_hooks()
    for store in make_store("sqlite", tmp_path_factory.mktemp("partners"), demo=True):
        world = build_world(store)
        settings = node_settings(world)
        case_id = case_of(world, ["DEA", "FGR", "PNC"])
        register(world, settings, case_id)
        with transaction(store.sessions) as session:
            note_pulled(session, "mx")
            # Guatemala last answered an hour ago: down since.
            note_pulled(session, "gt")
            row = session.get(PointerPartner, "gt")
            assert row is not None
            row.last_pulled_at = utcnow() - timedelta(hours=1)
        with LiveServer(settings) as server:
            yield server, world, case_id


def test_the_case_page_names_each_partner_checked(
    page: Page, served: tuple[LiveServer, World, str]
) -> None:
    server, _world, case_id = served
    sign_in(page, server, "us.analyst")
    page.goto(f"{server.url}/cases/{case_id}?lang=en")
    checked = page.locator("ul.case-checked li")
    expect(checked).to_have_count(2)
    expect(checked.nth(0)).to_contain_text("Node gt: not checked since")
    expect(checked.nth(1)).to_contain_text("Node mx: checked against its registrations")
    shot(page, "case-partners-en")
    section = page.locator("section", has=page.locator("ul.case-checked"))
    shot(section, "case-partners-section-en")
    page.goto(f"{server.url}/cases/{case_id}?lang=es")
    expect(checked.nth(0)).to_contain_text("Nodo gt: sin verificar desde")
    expect(checked.nth(1)).to_contain_text("Nodo mx: verificado contra sus registros")
    shot(page, "case-partners-es")
    shot(section, "case-partners-section-es")
