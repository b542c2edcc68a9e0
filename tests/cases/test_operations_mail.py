"""A deconfliction alert reaches every party by e-mail at once, each in their own language,
naming whom it concerns only by a link to the alerts page."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from test_operations import ALGODONES, MX_PHONE, TITLE_B, YUMA, add_supervisor, open_case, plan

from vinculo.db import transaction
from vinculo.hooks import wire_hooks
from vinculo.notify import service as notices
from vinculo.notify.mail import send_pending
from vinculo.security.models import User
from vinculo.security.service import actor_for

from conftest import free_port
from worlds import World


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
    wire_hooks()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_every_party_is_mailed_in_their_language(
    fresh_world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    settings = fresh_world.store.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "public_url": "https://vinculo.test"}
    )
    a = open_case(fresh_world, "us.analyst", "DEA", "Yuma corridor")
    b = open_case(fresh_world, "mx.analyst", "FGR", TITLE_B)
    add_supervisor(fresh_world, "dea.watch", "DEA", locale="es")
    with transaction(fresh_world.store.sessions) as session:
        for username, locale in (("us.analyst", "en"), ("mx.analyst", "es"), ("dea.watch", "es")):
            user = session.execute(select(User).where(User.username == username)).scalar_one()
            user.locale = locale
            notices.set_email(
                session=session,
                actor=actor_for(user),
                email=f"{username}@agency.example",
                by_email=True,
            )
    window = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
    plan(fresh_world, "mx.analyst", b, ALGODONES, kind="raid", contact_phone=MX_PHONE, **window)
    alert = plan(fresh_world, "us.analyst", a, YUMA, **window).alerts[0]
    assert send_pending(sessions=fresh_world.store.sessions, settings=settings) == 3
    subjects = {m["To"]: m["Subject"] for m in inbox.messages}
    english = (
        "Vínculo: Another agency plans an operation at the same place and time"
        " as one you registered"
    )
    spanish = (
        "Vínculo: Otra agencia planea un operativo en el mismo lugar y momento"
        " que uno que usted registró"
    )
    assert subjects == {
        "us.analyst@agency.example": english,
        "mx.analyst@agency.example": spanish,
        "dea.watch@agency.example": spanish,
    }
    for message in inbox.messages:
        text = message.get_content()
        assert f"https://vinculo.test/deconfliction/alerts#alert-{alert.id}" in text
        for secret in (a, b, TITLE_B, "Yuma corridor", "raid", "surveillance", MX_PHONE):
            assert secret not in text
