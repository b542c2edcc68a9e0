"""Watchlists and saved searches: what is new and visible and matches is notified; what the
reader may not see never is. Items shared with the reader are notified too."""

from __future__ import annotations

import pytest

from vinculo.db import transaction
from vinculo.errors import InvalidInput, NotFound
from vinculo.hooks import wire_hooks
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify import service as notices
from vinculo.notify.watch import add_watch, list_watches, normalise_phone, remove_watch, scan

from worlds import World, file_report


@pytest.fixture(autouse=True)
def _kinds() -> None:
    wire_hooks()


def _file(
    world: World, author: str, title: str, markings: MarkingsIn, props: dict[str, list[str]]
) -> str:
    subject = EntityIn(id=props.pop("id", [None])[0], schema="Person", properties=props)
    body = f"{title}. The body."
    return file_report(world.store, world.actors[author], title, markings, [subject], body=body)


def _hits(world: World, username: str) -> list[tuple[str, str, str]]:
    with transaction(world.store.sessions) as session:
        actor = world.actors[username]
        scan(session=session, actor=actor)
        return sorted(
            (n.kind, n.item.kind, n.item.id)
            for n in notices.list_notifications(session=session, actor=actor)
        )


def test_phones_are_normalised_to_e164() -> None:
    assert normalise_phone("(55) 1234-5678", "MEX") == "+525512345678"
    assert normalise_phone("+52 55 1234 5678", "USA") == "+525512345678"
    assert normalise_phone("602-555-0143", "USA") == "+16025550143"
    assert normalise_phone("call me", "USA") is None


def test_a_watched_name_phone_and_search_alert_on_what_is_new_and_visible(
    fresh_world: World,
) -> None:
    mx = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        add_watch(session=session, actor=mx, kind="name", value="GARCÍA lópez")
        add_watch(session=session, actor=mx, kind="phone", value="(55) 1234-5678")
        add_watch(session=session, actor=mx, kind="search", value="Bodega Ensenada")
        with pytest.raises(InvalidInput) as twice:
            add_watch(session=session, actor=mx, kind="name", value="Garcia Lopez")
        assert twice.value.field == "value"
        with pytest.raises(InvalidInput):
            add_watch(session=session, actor=mx, kind="phone", value="not a phone")
        # An entity mx.analyst may not see answers as a missing one.
        with pytest.raises(NotFound):
            add_watch(session=session, actor=mx, kind="entity", value="per-usa_only")
    # Already stored before the watch: not news.
    assert _hits(fresh_world, "mx.analyst") == []
    hidden = _file(
        fresh_world,
        "dea.agent1",
        "USA only sighting",
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        {"id": ["per-hidden"], "name": ["José García López"], "phone": ["+52 55 1234 5678"]},
    )
    assert _hits(fresh_world, "mx.analyst") == []  # new, but hidden from mx.analyst
    seen = _file(
        fresh_world,
        "dea.agent1",
        "Sighting at the bodega in Ensenada",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        {"id": ["per-seen"], "name": ["Lupe Garcia Lopez"], "phone": ["+52 55 1234 5678"]},
    )
    assert _hits(fresh_world, "mx.analyst") == [
        ("watch_hit", "entity", "per-seen"),
        ("watch_hit", "report", seen),
    ]
    assert hidden not in str(_hits(fresh_world, "mx.analyst"))


def test_a_watched_entity_alerts_on_new_statements(fresh_world: World) -> None:
    us = fresh_world.actors["us.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        add_watch(session=session, actor=us, kind="entity", value="per-0001")
        (watched,) = list_watches(session=session, actor=us)
        assert watched.link == "/entities/per-0001"
    _file(
        fresh_world,
        "dea.agent1",
        "New address",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        {"id": ["per-0001"], "name": ["José Ángel García López"], "address": ["Calle 5, Tijuana"]},
    )
    assert _hits(fresh_world, "us.analyst") == [("watch_hit", "entity", "per-0001")]
    with transaction(fresh_world.store.sessions) as session:
        mx = fresh_world.actors["mx.analyst"]
        with pytest.raises(NotFound):  # someone else's watch answers as a missing one
            remove_watch(session=session, actor=mx, watch_id=watched.id)
        remove_watch(session=session, actor=us, watch_id=watched.id)
        assert list_watches(session=session, actor=us) == []


def test_a_report_shared_with_me_is_notified(fresh_world: World) -> None:
    _hits(fresh_world, "mx.analyst")  # the scan starts from here
    _hits(fresh_world, "us.analyst")
    red = _file(
        fresh_world,
        "dea.agent1",
        "For your eyes",
        MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["mx.analyst"]),
        {"name": ["Nadie"]},
    )
    amber = _file(
        fresh_world,
        "fgr.mp1",
        "Compartido con la DEA",
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"], shared_with=["DEA"]),
        {"name": ["Alguien"]},
    )
    assert _hits(fresh_world, "mx.analyst") == [("shared_with_me", "report", red)]
    assert _hits(fresh_world, "us.analyst") == [("shared_with_me", "report", amber)]
    # The author is not told of their own.
    assert _hits(fresh_world, "fgr.mp1") == []
