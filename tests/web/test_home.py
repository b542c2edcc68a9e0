"""The home says what needs the reader: every count through the access policy."""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest import mock

import httpx
from sqlalchemy import update

from vinculo.db import transaction
from vinculo.intel.models import Report
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify.models import NotifyState
from vinculo.security.models import utcnow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import LiveServer
from worlds import World, cheap_demo_hash, file_report

QUEUE = re.compile(r'data-queue="(\w+)">\s*<a href="[^"]*"><span class="queue-count">(\d+)</span>')


def page_client(server: LiveServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    data = {"username": username, "password": "demo", "next": "/", "csrf_token": token.group(1)}
    assert client.post("/login", data=data).status_code == 303
    return client


def queues(client: httpx.Client) -> dict[str, int]:
    page = client.get("/")
    assert page.status_code == 200, page.text
    return {key: int(n) for key, n in QUEUE.findall(page.text)}


def _file(world: World, author: str, markings: MarkingsIn, title: str) -> str:
    subject = EntityIn(schema="Person", properties={"name": ["Eva Soto"]})
    return file_report(world.store, world.actors[author], title, markings, [subject], body="Body.")


def _end_visits(world: World) -> None:
    """As if every account's visit of the home had ended an hour ago."""
    with transaction(world.store.sessions) as session:
        session.execute(update(NotifyState).values(visit_at=utcnow() - timedelta(hours=1)))


def test_the_home_counts_only_what_its_reader_may_see(fresh_world: World) -> None:
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(fresh_world.store.sessions) as session,
    ):
        for name, agency in (("dea.sup", "DEA"), ("fgr.sup", "FGR")):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=name, password="demo", agency=agency, roles=["supervisor"]
                ),
                demo_password=True,
            )
            fresh_world.actors[name] = actor_for(user)
        # Due for review: the USA-only report and the shared one.
        session.execute(
            update(Report)
            .where(Report.id.in_([fresh_world.reports["usa_only"], fresh_world.reports["shared"]]))
            .values(review_by=date.today() - timedelta(days=2))
        )
    with LiveServer(fresh_world.store.settings) as server:
        clients = {
            name: page_client(server, name)
            for name in ("us.analyst", "mx.analyst", "dea.agent1", "dea.sup", "fgr.sup")
        }
        first = {name: queues(c) for name, c in clients.items()}
        # A supervisor counts every visible report due; an analyst their own.
        assert first["dea.sup"]["due"] == 2
        assert first["fgr.sup"]["due"] == 1  # the USA-only one is not counted
        assert first["dea.agent1"]["due"] == 2
        assert first["us.analyst"]["due"] == 0
        assert "pairs" in first["us.analyst"] and "releases" not in first["us.analyst"]
        assert first["dea.sup"]["releases"] == first["fgr.sup"]["releases"] == 0
        assert all(q["new"] == 0 for q in first.values())
        assert first["us.analyst"]["translations"] == 4  # DEA's single-language reports it sees
        assert first["mx.analyst"]["translations"] == 2
        _end_visits(fresh_world)
        _file(fresh_world, "dea.agent1", MarkingsIn(tlp="GREEN", rel_to=["USA"]), "USA only news")
        _file(fresh_world, "dea.agent1", MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), "For both")
        second = {name: queues(c) for name, c in clients.items()}
        assert second["us.analyst"]["new"] == 2
        assert second["mx.analyst"]["new"] == 1
        assert second["dea.agent1"]["new"] == 0  # its own are not news to it
        # A reload within the visit keeps what was new.
        assert queues(clients["mx.analyst"])["new"] == 1
        page = clients["mx.analyst"].get("/").text
        assert "For both" in page and "USA only news" not in page
        assert 'id="site-search"' in page and 'aria-keyshortcuts="/"' in page
        for client in clients.values():
            client.close()
