"""Cursors and the order of lists tell a reader nothing about items it may not see.

Two stores are filled the same way, except that one also holds reports (and a statement on
an entity the reader later sees) hidden from mx.analyst, filed between the visible ones.
Every page the reader gets, and every cursor as a string, must be the same in both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vinculo.db import transaction
from vinculo.intel import service
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.transfer import export_ftm
from vinculo.pagination import encode_cursor
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, get_by_username

from conftest import BACKENDS, LiveServer, Store, make_store
from worlds import report_in

VISIBLE = 27  # more than the home page's 25, so it has an "Older reports" link
SHARED = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])


class _ReportIds:
    """Stands in for `secrets` in the service so both stores give a report the same id."""

    def __init__(self) -> None:
        self.next = ""

    def token_hex(self, _nbytes: int) -> str:
        return self.next


def _report(actor: Actor, title: str, markings: MarkingsIn, entity_id: str) -> ReportCreate:
    return report_in(
        title, markings, [EntityIn(id=entity_id, schema="Person", properties={"name": [title]})]
    )


def _fill(store: Store, ids: _ReportIds, *, hidden: bool) -> None:
    with transaction(store.sessions) as session:
        actors = {}
        for username, agency in [("dea.agent1", "DEA"), ("mx.analyst", "FGR")]:
            user_in = UserCreate(username=username, password="demo", agency=agency)
            user = create_user(session=session, user_in=user_in, demo_password=True)
            actors[username] = actor_for(user)
        dea = actors["dea.agent1"]
        for index in range(VISIBLE):
            if hidden:
                # Hidden reports between visible ones; every third names the entity of a
                # visible report filed later, so that id is stored before the reader sees it.
                for extra in range(index % 3 + 1):
                    ahead = index + 10 if extra == 0 and index % 3 == 0 else VISIBLE
                    entity = f"per-{ahead:03d}" if ahead < VISIBLE else "per-h"
                    ids.next = f"hid-{index:03d}-{extra}"
                    report_in = _report(dea, f"Hidden {index} {extra}", USA_ONLY, entity)
                    service.create_report(session=session, actor=dea, report_in=report_in)
            ids.next = f"vis-{index:03d}"
            report_in = _report(dea, f"Visible {index}", SHARED, f"per-{index:03d}")
            service.create_report(session=session, actor=dea, report_in=report_in)


def _without_times(items: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in item.items() if k != "created_at"} for item in items]


def _api_pages(client: httpx.Client, path: str) -> list[tuple[object, str | None]]:
    pages: list[tuple[object, str | None]] = []
    cursor: str | None = None
    while True:
        query: dict[str, str | int] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = client.get(path, params=query).raise_for_status().json()
        cursor = body["next_cursor"]
        pages.append((_without_times(body["items"]), cursor))
        if not cursor:
            return pages


def _sign_in(client: httpx.Client, username: str) -> httpx.Client:
    form = client.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found
    data = {"username": username, "password": "demo", "next": "/", "csrf_token": found[1]}
    assert client.post("/login", data=data).status_code == 303
    return client


def _older_links(client: httpx.Client) -> list[str]:
    links: list[str] = []
    url: str | None = "/"
    while url:
        page = client.get(url)
        assert page.status_code == 200, url
        found = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        url = html.unescape(found[1]) if found else None
        links.extend([url] if url else [])
    return links


def _answers(store: Store) -> dict[str, object]:
    with LiveServer(store.settings) as server:
        with server.client("mx.analyst") as client:
            reports = _api_pages(client, "/api/v1/reports")
            entities = _api_pages(client, "/api/v1/entities")
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            older = _older_links(_sign_in(browser, "mx.analyst"))
    with store.sessions() as session:
        user = get_by_username(session=session, username="mx.analyst")
        assert user is not None
        exported = [e["id"] for e in export_ftm(session=session, actor=actor_for(user))]
    return {"reports": reports, "entities": entities, "older": older, "export": exported}


@pytest.fixture(params=BACKENDS)
def two_stores(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Store, Store]]:
    ids = _ReportIds()
    monkeypatch.setattr(service, "secrets", ids)
    plain = make_store(request.param, tmp_path / "plain", demo=True)
    crowded = make_store(request.param, tmp_path / "crowded", demo=True)
    try:
        stores = (next(plain), next(crowded))
        _fill(stores[0], ids, hidden=False)
        _fill(stores[1], ids, hidden=True)
        yield stores
    finally:
        plain.close()
        crowded.close()


def test_pages_and_cursors_are_the_same_whatever_is_hidden(
    two_stores: tuple[Store, Store],
) -> None:
    plain, crowded = (_answers(store) for store in two_stores)
    assert len(plain["reports"]) == VISIBLE  # type: ignore[arg-type]
    assert len(plain["entities"]) == VISIBLE  # type: ignore[arg-type]
    assert len(plain["older"]) == 1  # type: ignore[arg-type]
    assert plain == crowded


def test_a_cursor_naming_a_hidden_or_missing_item_answers_alike(
    two_stores: tuple[Store, Store],
) -> None:
    """A cursor is checked against what the reader may see: naming a hidden report or
    entity answers exactly as naming one that does not exist, and a cursor of the old
    row-number kind is refused the same way."""
    from vinculo.pagination import encode_key

    _plain, crowded = two_stores
    with LiveServer(crowded.settings) as server, server.client("mx.analyst") as client:
        for path, hidden, missing in [
            ("/api/v1/reports", "hid-003-0", "nothing-here"),
            ("/api/v1/entities", "per-h", "per-nothing"),
        ]:
            answers = [
                client.get(path, params={"cursor": cursor})
                for cursor in (encode_key(hidden), encode_key(missing), encode_cursor(5))
            ]
            assert {a.status_code for a in answers} == {422}
            assert answers[0].json() == answers[1].json() == answers[2].json()
