"""Notifications: made only for a recipient who may see the item, shown and counted only
while they still may, e-mailed (through a real local SMTP server, aiosmtpd) with the item's
kind and link and never its content, in the recipient's language."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.hooks import wire_hooks
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify import Item, notify
from vinculo.notify import service as notices
from vinculo.notify.mail import send_pending
from vinculo.notify.models import Notification
from vinculo.security.models import User
from vinculo.security.service import actor_for
from vinculo.settings import Settings

from conftest import free_port
from worlds import World, file_report


@pytest.fixture(autouse=True)
def _kinds() -> None:
    wire_hooks()


class Inbox:
    """aiosmtpd's handler: every message the server was given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mail_settings(world: World, port: int) -> Settings:
    return world.store.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "public_url": "https://vinculo.test"}
    )


def _file(world: World, author: str, title: str, markings: MarkingsIn, **props: list[str]) -> str:
    subject = EntityIn(schema="Person", properties=props or {"name": ["Ana Ruiz"]})
    body = f"{title}. The body."
    return file_report(world.store, world.actors[author], title, markings, [subject], body=body)


def _user(session: object, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()  # type: ignore[attr-defined]


def test_nobody_is_told_of_an_item_they_may_not_see(fresh_world: World) -> None:
    hidden = Item("report", fresh_world.reports["usa_only"])
    shared = Item("report", fresh_world.reports["shared"])
    with transaction(fresh_world.store.sessions) as session:
        assert notify(session, recipient="mx.analyst", kind="watch_hit", item=hidden) is None
        assert notify(session, recipient="mx.analyst", kind="watch_hit", item=shared) is not None
        # The same, unread: not twice.
        assert notify(session, recipient="mx.analyst", kind="watch_hit", item=shared) is None
        assert notify(session, recipient="nobody", kind="watch_hit", item=shared) is None
        assert (
            notify(session, recipient="mx.analyst", kind="watch_hit", item=Item("pair", "9"))
            is None
        )
        with pytest.raises(ValueError):
            notify(session, recipient="mx.analyst", kind="no-such-kind", item=shared)
    with fresh_world.store.sessions() as session:
        rows = session.execute(select(Notification)).scalars().all()
        assert [(r.item_kind, r.item_id) for r in rows] == [("report", shared.id)]


def test_a_notification_is_hidden_and_uncounted_once_its_item_may_not_be_seen(
    fresh_world: World,
) -> None:
    grouped = _file(
        fresh_world,
        "us.analyst",
        "Sonora task force note",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=["tf-sonora"]),
    )
    mx = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        notify(session, recipient="mx.analyst", kind="shared_with_me", item=Item("report", grouped))
        notify(
            session,
            recipient="mx.analyst",
            kind="watch_hit",
            item=Item("report", fresh_world.reports["shared"]),
        )
        assert notices.unread_count(session=session, actor=mx) == 2
    with transaction(fresh_world.store.sessions) as session:
        _user(session, "mx.analyst").groups = []  # taken off the task force
    with transaction(fresh_world.store.sessions) as session:
        now = actor_for(_user(session, "mx.analyst"))
        assert notices.unread_count(session=session, actor=now) == 1
        shown = notices.list_notifications(session=session, actor=now)
        assert [n.item.id for n in shown] == [fresh_world.reports["shared"]]
        # In the app the item is called by what the reader sees of it (its title).
        assert shown[0].item_label == fresh_world.titles["shared"]
        # Another account's ids are not marked; the reader's own are.
        us = fresh_world.actors["us.analyst"]
        assert notices.mark_read(session=session, actor=us, ids=[shown[0].id]) == 0
        assert notices.mark_read(session=session, actor=now, ids=[shown[0].id]) == 1
        assert notices.unread_count(session=session, actor=now) == 0


def test_an_email_names_the_item_and_links_to_it_in_the_recipients_language(
    fresh_world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    settings = _mail_settings(fresh_world, port)
    report_id = fresh_world.reports["fgr_amber"]
    with transaction(fresh_world.store.sessions) as session:
        _user(session, "mx.analyst").locale = "es"
        notices.set_email(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            email="mx.analyst@fgr.example",
            by_email=True,
        )
        assert notify(
            session, recipient="mx.analyst", kind="shared_with_me", item=Item("report", report_id)
        )
    assert send_pending(sessions=fresh_world.store.sessions, settings=settings) == 1
    assert send_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    (message,) = inbox.messages
    assert message["To"] == "mx.analyst@fgr.example"
    assert message["Subject"] == "Vínculo: Se compartió un elemento con usted"
    text = message.get_content()
    assert f"https://vinculo.test/reports/{report_id}" in text
    assert f"informe {report_id}" in text
    # Never the content: not its title, body, markings or entities.
    for secret in (fresh_world.titles["fgr_amber"], "Culiacán", "Rubén", "AMBER", "Body"):
        assert secret not in text and secret not in message["Subject"]


def test_an_email_is_withheld_when_the_recipient_may_no_longer_see_the_item(
    fresh_world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    grouped = _file(
        fresh_world,
        "us.analyst",
        "Task force only",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=["tf-sonora"]),
    )
    with transaction(fresh_world.store.sessions) as session:
        notices.set_email(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            email="mx@fgr.example",
            by_email=True,
        )
        row = notify(
            session, recipient="mx.analyst", kind="watch_hit", item=Item("report", grouped)
        )
        assert row is not None and row.email_state == "pending"
    with transaction(fresh_world.store.sessions) as session:
        _user(session, "mx.analyst").groups = []
    settings = _mail_settings(fresh_world, port)
    assert send_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    assert inbox.messages == []
    with fresh_world.store.sessions() as session:
        assert session.execute(select(Notification.email_state)).scalar_one() == "withheld"


def test_no_smtp_server_no_email_and_a_bad_address_is_refused(fresh_world: World) -> None:
    from vinculo.errors import InvalidInput

    with transaction(fresh_world.store.sessions) as session:
        actor = fresh_world.actors["us.analyst"]
        with pytest.raises(InvalidInput) as bad:
            notices.set_email(session=session, actor=actor, email="not an address", by_email=True)
        assert bad.value.field == "email"
        with pytest.raises(InvalidInput):
            notices.set_email(session=session, actor=actor, email="", by_email=True)
    assert (
        send_pending(sessions=fresh_world.store.sessions, settings=fresh_world.store.settings) == 0
    )


def test_notifications_are_numbered_per_reader(fresh_world: World) -> None:
    """A reader's notifications are numbered 1, 2, 3 … whatever others were told in between
    (a row id would count everyone's)."""
    shared = Item("report", fresh_world.reports["shared"])
    dea = Item("report", fresh_world.reports["fgr_amber_dea"])
    with transaction(fresh_world.store.sessions) as session:
        notify(session, recipient="mx.analyst", kind="watch_hit", item=shared)
        for name in ("us.analyst", "dea.agent1"):
            notify(session, recipient=name, kind="watch_hit", item=shared)
            notify(session, recipient=name, kind="shared_with_me", item=dea)
        notify(session, recipient="mx.analyst", kind="shared_with_me", item=dea)
        mx = fresh_world.actors["mx.analyst"]
        shown = notices.list_notifications(session=session, actor=mx)
        assert [n.id for n in shown] == [2, 1]
        assert notices.mark_read(session=session, actor=mx, ids=[1, 7]) == 1
        assert [n.read for n in notices.list_notifications(session=session, actor=mx)] == [
            False,
            True,
        ]
