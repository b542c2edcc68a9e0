"""The release queue and the exchange page in a real Chromium: a supervisor of the
originating agency releases an ORCON report to the Mexican node; an analyst is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject, ReleaseRequest
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import PartnerConfig

from conftest import LiveServer, Store, shot, sign_in
from exchange_nodes import bilateral, file_report, node_store, publish

pytestmark = pytest.mark.browser


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Store, LiveServer, str]]:
    partners = [PartnerConfig(name="mx", nation="MEX", account="node.mx")]
    with node_store("sqlite", tmp_path, name="us", nation="USA", partners=partners) as store:
        with transaction(store.sessions) as session:
            for username, roles in (("us.supervisor", ["supervisor"]), ("dea.agent1", ["analyst"])):
                create_user(
                    session=session,
                    user_in=UserCreate(
                        username=username, password="demo", agency="DEA", roles=roles
                    ),
                    demo_password=True,
                )
        with store.sessions() as session:
            from vinculo.security.service import get_by_username

            author = get_by_username(session=session, username="dea.agent1")
            assert author is not None
            actor = actor_for(author)
        bilateral(store, "mx")
        report_id = file_report(
            store, actor, "Originator-controlled sighting at Sasabe", orcon=True
        )
        publish(store)
        with LiveServer(store.settings) as server:
            yield store, server, report_id


def test_a_supervisor_releases_an_orcon_report(node: tuple, page: Page) -> None:
    store, server, report_id = node
    sign_in(page, server, "us.supervisor")
    page.goto(server.url + "/exchange/releases")
    row = page.locator("tr.release-row", has_text="Originator-controlled sighting at Sasabe")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("mx")
    shot(page, "exchange-release-queue")
    row.locator("input[name=reason]").fill("cleared for the bilateral agreement")
    row.locator("button[value=approve]").click()
    expect(page.locator("tr.release-decided")).to_contain_text("Released")
    expect(page.locator("p.release-count")).to_contain_text("0 items wait")
    with store.sessions() as session:
        request = session.execute(select(ReleaseRequest)).scalar_one()
        assert (request.state, request.decided_by) == ("approved", "us.supervisor")
    publish(store)
    with store.sessions() as session:
        keys = set(session.execute(select(ExchangeObject.item_key)).scalars())
    assert f"report:{report_id}" in keys
    page.goto(server.url + "/exchange")
    expect(page.locator("table.collection-list")).to_contain_text("U.S.–Mexico agreement")
    shot(page, "exchange-status")
    page.goto(server.url + "/exchange/releases?lang=es")
    expect(page.locator("h1")).to_have_text("Cola de liberación")


def test_an_analyst_may_not_release(node: tuple, page: Page) -> None:
    _store, server, _report_id = node
    sign_in(page, server, "dea.agent1")
    answer = page.goto(server.url + "/exchange/releases")
    assert answer is not None and answer.status == 403
    expect(page.locator("nav")).not_to_contain_text("Exchange")
