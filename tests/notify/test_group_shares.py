"""Items shared with me, by need-to-know group: a report marked for a group tells that group's
members who may see it ("An item was shared with you"), as a report shared with their
agency does; a member its other markings keep out (REL TO, AMBER+STRICT) is told nothing,
and nobody outside the group is. On both backends, and in Chromium in English and Spanish
(screenshots var/screenshots/group-share-*.png)."""

from __future__ import annotations

from unittest import mock

import pytest
from playwright.sync_api import Browser, expect

from vinculo.db import transaction
from vinculo.hooks import wire_hooks
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify import service as notices
from vinculo.notify.items import Item
from vinculo.notify.watch import scan
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import LiveServer, shot
from worlds import World, cheap_demo_hash, file_report

GROUP = "tf-sonora"  # us.analyst (DEA) and mx.analyst (FGR) belong to it, in every world


@pytest.fixture
def world(fresh_world: World) -> World:
    """The small world, with a third member of the group from another U.S. agency."""
    wire_hooks()
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(fresh_world.store.sessions) as session,
    ):
        user = create_user(
            session=session,
            user_in=UserCreate(
                username="fbi.member", password="demo", agency="FBI", groups=[GROUP]
            ),
            demo_password=True,
        )
        fresh_world.actors["fbi.member"] = actor_for(user)
    for username in fresh_world.actors:
        _shared(fresh_world, username)  # each account's scan starts from here
    return fresh_world


def _file(world: World, author: str, title: str, markings: MarkingsIn) -> str:
    subject = EntityIn(schema="Person", properties={"name": [f"{title} subject"]})
    body = f"{title}. Seen at the crossing twice in March."
    return file_report(world.store, world.actors[author], title, markings, [subject], body=body)


def _shared(world: World, username: str) -> list[str]:
    """The reports the account is told were shared with it, after a scan."""
    with transaction(world.store.sessions) as session:
        actor = world.actors[username]
        scan(session=session, actor=actor)
        return sorted(
            n.item.id
            for n in notices.list_notifications(session=session, actor=actor)
            if n.kind == "shared_with_me"
        )


def test_a_report_marked_for_my_group_is_notified_to_members_who_may_see_it(
    world: World,
) -> None:
    both = _file(
        world,
        "us.analyst",
        "Both nations",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=[GROUP]),
    )
    usa = _file(
        world, "us.analyst", "USA only", MarkingsIn(tlp="GREEN", rel_to=["USA"], groups=[GROUP])
    )
    strict = _file(
        world,
        "us.analyst",
        "DEA only",
        MarkingsIn(tlp="AMBER+STRICT", rel_to=["USA", "MEX"], groups=[GROUP]),
    )
    amber = _file(
        world,
        "us.analyst",
        "Amber group",
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"], groups=[GROUP]),
    )
    plain = _file(world, "us.analyst", "No group", MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]))
    # A member of another nation: the one REL TO lets in, and the group's AMBER report.
    assert _shared(world, "mx.analyst") == sorted([both, amber])
    # A member of another U.S. agency: not the AMBER+STRICT one (the DEA's alone).
    assert _shared(world, "fbi.member") == sorted([both, usa, amber])
    # Outside the group: nothing, though dea.agent1 may read most of them.
    assert _shared(world, "dea.agent1") == []
    assert _shared(world, "fgr.mp1") == []
    # The author is not told of their own.
    assert _shared(world, "us.analyst") == []
    # The notification path asks again: made by hand for a member REL TO keeps out, it is
    # not made at all.
    with transaction(world.store.sessions) as session:
        made = notices.notify(
            session, recipient="mx.analyst", kind="shared_with_me", item=Item("report", usa)
        )
        assert made is None
    assert usa not in _shared(world, "mx.analyst")
    assert strict not in _shared(world, "fbi.member") and plain not in _shared(world, "mx.analyst")


WORDS = {
    "en": ("Notifications", "An item was shared with you"),
    "es": ("Notificaciones", "Se compartió un elemento con usted"),
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_member_sees_the_group_share_in_the_browser(
    browser: Browser, world: World, lang: str
) -> None:
    if world.store.backend != "sqlite":
        pytest.skip("the page is the same on both backends; drawn once")
    title = f"Task force sighting {lang}"
    both = _file(
        world, "us.analyst", title, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=[GROUP])
    )
    hidden = _file(
        world,
        "us.analyst",
        f"Hidden {lang}",
        MarkingsIn(tlp="GREEN", rel_to=["USA"], groups=[GROUP]),
    )
    with LiveServer(world.store.settings) as server:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{server.url}/login?next=/notifications%3Flang%3D{lang}")
        page.fill("input[name=username]", "mx.analyst")
        page.fill("input[name=password]", "demo")
        page.click("form button[type=submit]")
        expect(page.locator("h1")).to_have_text(WORDS[lang][0])
        unread = page.locator("li.notification.unread")
        expect(unread).to_have_count(1)
        expect(unread).to_contain_text(WORDS[lang][1])
        expect(unread).to_contain_text(title)
        expect(page.locator("main")).not_to_contain_text(f"Hidden {lang}")
        shot(page, f"group-share-{lang}")
        page.click("li.notification.unread a")
        expect(page).to_have_url(f"{server.url}/reports/{both}")
        expect(page.locator("div.marking-banner").first).to_have_text(
            f"TLP:GREEN // REL TO MEX, USA // {GROUP}"
        )
        context.close()
    assert hidden
