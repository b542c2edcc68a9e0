"""Live streams cannot starve the server: they are capped per token and in all (429, in the
reader's language, with an audit row), and a hundred of them leave other requests fast. A
change to a reader's rights reaches an open stream at once: a revoked token or a locked
account ends it, a group taken away stops its events for that group's items."""

from __future__ import annotations

import json
import socket
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.security.audit import AuditRow
from vinculo.security.models import User, utcnow
from vinculo.security.service import issue_token, revoke_token
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, LiveServer, Store
from exchange_nodes import bilateral, file_report, node_store, publish
from worlds import World, build_world

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
PATH = "/taxii2/vinculo/stream/"


@dataclass
class Stream:
    """One live stream held open on a raw socket: a hundred need no hundred threads."""

    sock: socket.socket
    status: int
    head: bytes

    def read_until(self, needle: bytes, timeout: float) -> tuple[bytes, bool]:
        """What arrives within `timeout` (stopping at `needle`), and whether the server
        ended the stream."""
        got = b""
        deadline = time.monotonic() + timeout
        while needle not in got:
            left = deadline - time.monotonic()
            if left <= 0:
                return got, False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return got, False
            if not chunk or chunk.endswith(b"0\r\n\r\n"):
                return got + chunk, True
            got += chunk
        return got, False

    def close(self) -> None:
        self.sock.close()


def open_stream(server: LiveServer, token: str, language: str = "en") -> Stream:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(
        (
            f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Accept-Language: {language}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ", 2)[1])
    if status != 200:
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(head.split(b"\r\n\r\n", 1)[1]) < length:
            head += sock.recv(65536)
    return Stream(sock, status, head)


def tokens(store: Store, username: str, count: int) -> list[str]:
    with transaction(store.sessions) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return [
            issue_token(session=session, settings=store.settings, user=user, scopes=("read",))[0]
            for _ in range(count)
        ]


@pytest.fixture(scope="module", params=BACKENDS)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, LiveServer]]:
    directory = tmp_path_factory.mktemp("streams")
    with node_store(request.param, directory, name="us", nation="USA", partners=[MX]) as store:
        world = build_world(store)
        bilateral(store)
        bilateral(store, groups=("tf-sonora",))
        publish(store)
        with LiveServer(store.settings) as server:
            yield world, server


def _refusals(store: Store, since: int) -> list[AuditRow]:
    with store.sessions() as session:
        return list(
            session.execute(
                select(AuditRow).where(
                    AuditRow.seq > since, AuditRow.action == "refused", AuditRow.target == PATH
                )
            ).scalars()
        )


def _last_seq(store: Store) -> int:
    with store.sessions() as session:
        return int(session.execute(select(AuditRow.seq).order_by(AuditRow.seq.desc())).scalar())


def test_a_token_holds_at_most_four_streams(node: tuple[World, LiveServer]) -> None:
    world, server = node
    token = tokens(world.store, "us.analyst", 1)[0]
    since = _last_seq(world.store)
    held = [open_stream(server, token) for _ in range(4)]
    try:
        assert [s.status for s in held] == [200] * 4
        fifth = open_stream(server, token, "es")
        assert fifth.status == 429
        assert b"Retry-After: 5" in fifth.head or b"retry-after: 5" in fifth.head
        assert "este token ya tiene 4 flujos en vivo abiertos" in fifth.head.decode()
        fifth.close()
        english = open_stream(server, token)
        assert english.status == 429
        assert "this token already has 4 live streams open" in english.head.decode()
        english.close()
        refused = _refusals(world.store, since)
        assert [r.outcome for r in refused] == ["429", "429"]
        assert all(json.loads(r.detail)["username"] == "us.analyst" for r in refused)
        # Another token of the same account has its own four.
        other = open_stream(server, tokens(world.store, "us.analyst", 1)[0])
        assert other.status == 200
        other.close()
    finally:
        for stream in held:
            stream.close()
    # Closed streams give their slots back.
    time.sleep(1)
    again = open_stream(server, token)
    assert again.status == 200
    again.close()


def test_a_hundred_streams_are_capped_and_leave_other_requests_fast(
    node: tuple[World, LiveServer],
) -> None:
    world, server = node
    time.sleep(1)  # the previous test's streams give their slots back
    held = [open_stream(server, t) for t in tokens(world.store, "us.analyst", 25) for _ in range(4)]
    try:
        statuses = [s.status for s in held]
        assert statuses.count(200) == 64 and statuses.count(429) == 36
        refused = next(s for s in held if s.status == 429)
        assert "the server has 64 live streams open" in refused.head.decode()
        waits = []
        with server.client("mx.analyst") as client:
            for _ in range(5):
                start = time.monotonic()
                assert client.get("/api/v1/reports").status_code == 200
                waits.append(time.monotonic() - start)
        assert statistics.median(waits) < 1.0, waits
    finally:
        for stream in held:
            stream.close()


def test_a_revoked_token_ends_its_open_stream(node: tuple[World, LiveServer]) -> None:
    world, server = node
    time.sleep(1)
    with transaction(world.store.sessions) as session:
        user = session.execute(select(User).where(User.username == "fgr.mp1")).scalar_one()
        token, row = issue_token(
            session=session, settings=world.store.settings, user=user, scopes=("read",)
        )
        token_id = row.id
    stream = open_stream(server, token)
    assert stream.status == 200
    since = _last_seq(world.store)
    with transaction(world.store.sessions) as session:
        revoke_token(session=session, token_id=token_id)
    _got, ended = stream.read_until(b"never", timeout=6)
    stream.close()
    assert ended, "the stream of a revoked token ends"
    assert [r.outcome for r in _refusals(world.store, since)] == ["401"]


def test_a_locked_account_ends_its_open_stream(node: tuple[World, LiveServer]) -> None:
    world, server = node
    token = tokens(world.store, "dea.agent1", 1)[0]
    stream = open_stream(server, token)
    assert stream.status == 200
    with transaction(world.store.sessions) as session:
        user = session.execute(select(User).where(User.username == "dea.agent1")).scalar_one()
        user.locked_at = utcnow()
    try:
        _got, ended = stream.read_until(b"never", timeout=6)
        assert ended, "the stream of a locked account ends"
    finally:
        stream.close()
        with transaction(world.store.sessions) as session:
            user = session.execute(select(User).where(User.username == "dea.agent1")).scalar_one()
            user.locked_at = None


def test_a_group_taken_away_stops_its_events_at_once(node: tuple[World, LiveServer]) -> None:
    world, server = node
    token = tokens(world.store, "mx.analyst", 1)[0]
    stream = open_stream(server, token)
    assert stream.status == 200
    try:
        with transaction(world.store.sessions) as session:
            user = session.execute(select(User).where(User.username == "mx.analyst")).scalar_one()
            user.groups = []
        author = world.actors["us.analyst"]
        file_report(world.store, author, "Sonora only briefing", groups=("tf-sonora",))
        got, ended = stream.read_until(b"data:", timeout=4)
        assert b"data:" not in got and not ended
        # The stream still works for what the reader may still have.
        file_report(world.store, author, "Shared with everyone in both nations")
        got, _ended = stream.read_until(b"data:", timeout=6)
        assert b"data:" in got
    finally:
        stream.close()
