"""Signed webhooks: a notification is POSTed to the account's own system (a real HTTP server on
loopback here), in its language, naming the item and never its content; withheld once the
item may not be seen; tried again on failure; refused for hosts the operator did not allow."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.hooks import wire_hooks
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify import Item, notify
from vinculo.notify.models import Notification, NotifyState
from vinculo.notify.webhooks import deliver_pending, set_webhook
from vinculo.security.models import User, utcnow
from vinculo.settings import Settings

from conftest import LiveServer
from worlds import World, file_report


@pytest.fixture(autouse=True)
def _kinds() -> None:
    wire_hooks()


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the account's own system was sent, and the status it answers with."""

    port: int
    calls: list[Call] = field(default_factory=list)
    status: int = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/vinculo/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.calls.append(
                Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _settings(world: World, **more: object) -> Settings:
    return world.store.settings.model_copy(
        update={"webhook_hosts": ["127.0.0.1"], "public_url": "https://vinculo.test", **more}
    )


def _user(session: object, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()  # type: ignore[attr-defined]


def _verify(secret: str, call: Call) -> bool:
    fields = dict(part.split("=", 1) for part in call.headers["x-vinculo-signature"].split(","))
    signed = f"{fields['t']}.".encode() + call.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 60


def test_a_call_is_signed_in_the_recipients_language_and_names_only_the_item(
    fresh_world: World, receiver: Receiver
) -> None:
    settings = _settings(fresh_world)
    report_id = fresh_world.reports["fgr_amber"]
    with transaction(fresh_world.store.sessions) as session:
        _user(session, "mx.analyst").locale = "es"
        secret = set_webhook(
            session=session,
            settings=settings,
            actor=fresh_world.actors["mx.analyst"],
            url=receiver.url,
        )
        assert notify(
            session, recipient="mx.analyst", kind="shared_with_me", item=Item("report", report_id)
        )
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 1
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    (call,) = receiver.calls
    assert call.path == "/vinculo/hook"
    assert _verify(secret, call)
    assert not _verify("another secret", call)
    assert call.headers["content-language"] == "es"
    assert call.headers["x-vinculo-event"] == "shared_with_me"
    payload = json.loads(call.body)
    assert payload["message"] == "Se compartió un elemento con usted"
    assert payload["item"] == {
        "kind": "report",
        "id": report_id,
        "label": f"informe {report_id}",
        "link": f"https://vinculo.test/reports/{report_id}",
    }
    text = call.body.decode()
    for content in (fresh_world.titles["fgr_amber"], "Culiacán", "Rubén", "AMBER", "Body"):
        assert content not in text
    with fresh_world.store.sessions() as session:
        assert session.execute(select(Notification.hook_state)).scalar_one() == "sent"


def test_a_call_is_withheld_once_the_recipient_may_no_longer_see_the_item(
    fresh_world: World, receiver: Receiver
) -> None:
    settings = _settings(fresh_world)
    subject = EntityIn(schema="Person", properties={"name": ["Ana Ruiz"]})
    grouped = file_report(
        fresh_world.store,
        fresh_world.actors["us.analyst"],
        "Task force only",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=["tf-sonora"]),
        [subject],
    )
    with transaction(fresh_world.store.sessions) as session:
        set_webhook(
            session=session,
            settings=settings,
            actor=fresh_world.actors["mx.analyst"],
            url=receiver.url,
        )
        assert notify(
            session, recipient="mx.analyst", kind="watch_hit", item=Item("report", grouped)
        )
    with transaction(fresh_world.store.sessions) as session:
        _user(session, "mx.analyst").groups = []
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    assert receiver.calls == []
    with fresh_world.store.sessions() as session:
        assert session.execute(select(Notification.hook_state)).scalar_one() == "withheld"


def test_a_failed_call_is_tried_again_later_then_given_up(
    fresh_world: World, receiver: Receiver
) -> None:
    settings = _settings(fresh_world, webhook_attempts=2)
    receiver.status = 503
    with transaction(fresh_world.store.sessions) as session:
        set_webhook(
            session=session,
            settings=settings,
            actor=fresh_world.actors["mx.analyst"],
            url=receiver.url,
        )
        notify(
            session,
            recipient="mx.analyst",
            kind="watch_hit",
            item=Item("report", fresh_world.reports["shared"]),
        )
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    # Waiting out its back-off: not tried again at once.
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    assert len(receiver.calls) == 1
    with transaction(fresh_world.store.sessions) as session:
        row = session.execute(select(Notification)).scalar_one()
        assert (row.hook_state, row.hook_attempts) == ("pending", 1)
        session.execute(update(Notification).values(hook_after=utcnow() - timedelta(seconds=1)))
    assert deliver_pending(sessions=fresh_world.store.sessions, settings=settings) == 0
    assert len(receiver.calls) == 2
    with fresh_world.store.sessions() as session:
        row = session.execute(select(Notification)).scalar_one()
        assert (row.hook_state, row.hook_attempts) == ("failed", 2)


@pytest.mark.parametrize(
    ("url", "hosts", "said"),
    [
        ("http://127.0.0.1:9/hook", [], "its operator allows no host"),
        ("https://hooks.elsewhere.example/x", ["127.0.0.1"], "hooks.elsewhere.example is not"),
        ("http://hooks.dea.example/x", ["hooks.dea.example"], "over that scheme"),
        ("https://user:pw@hooks.dea.example/x", ["hooks.dea.example"], "no user name"),
        ("ftp://hooks.dea.example/x", ["hooks.dea.example"], "not a web address"),
    ],
)
def test_an_address_the_operator_did_not_allow_is_refused_and_nothing_stored(
    fresh_world: World, url: str, hosts: list[str], said: str
) -> None:
    settings = fresh_world.store.settings.model_copy(update={"webhook_hosts": hosts})
    actor = fresh_world.actors["us.analyst"]
    with (
        transaction(fresh_world.store.sessions) as session,
        pytest.raises(InvalidInput) as refused,
    ):
        set_webhook(session=session, settings=settings, actor=actor, url=url)
    assert refused.value.field == "url"
    assert said in refused.value.detail("en")
    assert refused.value.detail("es") != refused.value.detail("en")
    with fresh_world.store.sessions() as session:
        assert not session.execute(
            select(NotifyState.webhook_url).where(NotifyState.webhook_url != "")
        ).first()


def test_the_api_shows_the_secret_once_and_the_server_makes_the_call(
    fresh_world: World, receiver: Receiver
) -> None:
    settings = _settings(fresh_world, mail_interval_seconds=0.2)
    with LiveServer(settings) as server, server.client("mx.analyst") as api:
        empty = api.get("/api/v1/notifications/webhook")
        assert empty.status_code == 200
        assert empty.json() == {"url": "", "hosts": ["127.0.0.1"], "secret": None}
        bad = api.put("/api/v1/notifications/webhook", json={"url": "https://evil.example/"})
        assert bad.status_code == 422
        made = api.put("/api/v1/notifications/webhook", json={"url": receiver.url})
        assert made.status_code == 200, made.text
        secret = made.json()["secret"]
        assert len(secret) == 64
        assert api.get("/api/v1/notifications/webhook").json()["secret"] is None
        with transaction(fresh_world.store.sessions) as session:
            notify(
                session,
                recipient="mx.analyst",
                kind="watch_hit",
                item=Item("report", fresh_world.reports["shared"]),
            )
        deadline = time.monotonic() + 10
        while not receiver.calls and time.monotonic() < deadline:
            time.sleep(0.05)
        (call,) = receiver.calls
        assert _verify(secret, call)
        assert api.delete("/api/v1/notifications/webhook").status_code == 204
        assert api.get("/api/v1/notifications/webhook").json()["url"] == ""
