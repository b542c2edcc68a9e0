"""The live stream (server-sent events): a partner's worker hears at once that something it
may receive was published, and pulls it. An event names the collection and the date_added
of the newest object the reader may receive; nothing else, and never for an object the
reader may not receive.

A stream costs the server little and cannot starve other users: it waits on the event loop,
not in a worker thread; its database look-ups share a few threads of their own; and the
streams open at once are capped per credential and in all (`VINCULO_EXCHANGE_STREAMS_PER_TOKEN`,
`VINCULO_EXCHANGE_STREAMS_TOTAL`), above which a stream is refused with 429. The reader is
signed in again before every look-up, so a revoked token, a locked account or changed
groups take effect on an open stream at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import weakref
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import VinculoError
from vinculo.exchange import serve
from vinculo.exchange.models import ExchangeObject
from vinculo.exchange.serve import Reader
from vinculo.exchange.taxii_auth import ROOT, reader_of, refused
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.settings import Settings
from vinculo.web.errors import TooManyRequests
from vinculo.web.server import stopping

router = APIRouter(tags=["taxii"])
HEARTBEAT = 15.0
POLL = 2.0  # another process may publish: look at least this often
TICK = 0.25  # how often a stream looks whether this process published
# A stream ends after this long and the client connects again: a server shutting down waits
# for open responses to finish, and a stream that never ended would hold it up for ever.
# `vinculo serve` ends its streams as soon as it begins to stop (vinculo.web.server); this
# bounds the rest (`serve --workers`, a server run otherwise).
LIFETIME = 20.0
# Threads the streams' database look-ups may hold at once, apart from the pool that serves
# every other request.
LOOKUP_THREADS = 4


class TooManyStreams(TooManyRequests):
    """More live streams than this server allows a token, or in all (HTTP 429)."""


class _Slots:
    """Streams open in this process, per credential and in all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: Counter[str] = Counter()
        self.total = 0

    def take(self, key: str, per_key: int, total: int, username: str | None) -> _Slot:
        with self.lock:
            if self.by_key[key] >= per_key:
                raise TooManyStreams(
                    N_(
                        "this token already has {limit} live streams open; close one before "
                        "opening another"
                    ),
                    limit=per_key,
                    username=username,
                )
            if self.total >= total:
                raise TooManyStreams(
                    N_("the server has {limit} live streams open, its most; try again shortly"),
                    limit=total,
                    username=username,
                )
            self.by_key[key] += 1
            self.total += 1
        return _Slot(self, key)

    def give_back(self, key: str) -> None:
        with self.lock:
            self.by_key[key] -= 1
            if self.by_key[key] <= 0:
                del self.by_key[key]
            self.total -= 1


class _Slot:
    def __init__(self, slots: _Slots, key: str) -> None:
        self.slots = slots
        self.key = key
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.slots.give_back(self.key)


def _slots(request: Request) -> _Slots:
    state = request.app.state
    slots: _Slots | None = getattr(state, "taxii_streams", None)
    if slots is None:
        slots = state.taxii_streams = _Slots()
    return slots


def _limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "taxii_stream_limiter", None)
    if limiter is None:
        limiter = state.taxii_stream_limiter = anyio.CapacityLimiter(LOOKUP_THREADS)
    return limiter


def _credential(request: Request) -> str:
    """Which token (or Basic credentials) a stream was opened with; never stored."""
    header = request.headers.get("authorization", "")
    return hashlib.sha256(header.encode("utf-8", "surrogatepass")).hexdigest()


def _new_events(
    request: Request, sessions: Any, settings: Settings, after: int
) -> tuple[int, list[dict[str, str]] | None]:
    """Events for objects added after position `after` that the reader, signed in again now,
    may receive; None when the reader may no longer read at all."""
    with transaction(sessions) as session:
        try:
            fresh: Reader | None = reader_of(request, session, settings)
        except VinculoError as exc:
            refused(request, session, exc)  # its audit row commits with this transaction
            fresh = None
        if fresh is None:
            return after, None
        readable = {c.id: c for c in fresh.collections(session)}
        if not readable:
            return after, []
        rows = session.execute(
            select(
                ExchangeObject.seq,
                ExchangeObject.collection_id,
                ExchangeObject.marking_ids,
                ExchangeObject.date_added,
                ExchangeObject.item_key,
                ExchangeObject.stix_id,
            )
            .where(ExchangeObject.seq > after, ExchangeObject.collection_id.in_(list(readable)))
            .order_by(ExchangeObject.seq)
        ).all()
        newest: dict[str, str] = {}
        by_collection: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_collection[row.collection_id].append(row)
        for collection_id, found in by_collection.items():
            # A copy of a shared object the reader had already, or a stored version of a
            # report that is no version of the person's, is no news to it.
            for row in serve.news(
                session=session,
                settings=settings,
                reader=fresh,
                collection=readable[collection_id],
                rows=found,
            ):
                newest[collection_id] = max(newest.get(collection_id, ""), row.date_added)
        last = rows[-1].seq if rows else after
    return last, [{"collection": c, "date_added": d} for c, d in newest.items()]


def _start(sessions: Any) -> int:
    with transaction(sessions) as session:
        return int(session.execute(select(func.max(ExchangeObject.seq))).scalar() or 0)


@router.get(f"/{ROOT}/stream/")
async def stream(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    sessions = request.app.state.sessions
    slots = _slots(request)
    limiter = _limiter(request)

    def sign_in() -> tuple[Reader, _Slot] | Response:
        slot: _Slot | None = None
        try:
            with transaction(sessions) as session:
                try:
                    reader = reader_of(request, session, settings)
                    slot = slots.take(
                        _credential(request),
                        settings.exchange_streams_per_token,
                        settings.exchange_streams_total,
                        reader.actor.username,
                    )
                except VinculoError as exc:
                    return refused(request, session, exc)
                record(
                    session=session,
                    actor=reader.actor,
                    action="read",
                    kind="stream",
                    target="taxii2",
                    detail={"partner": reader.partner.name if reader.partner else None},
                )
                return reader, slot
        except BaseException:
            # Nothing was opened after all (the commit failed): the slot is free again.
            if slot is not None:
                slot.release()
            raise

    signed = await anyio.to_thread.run_sync(sign_in, limiter=limiter)
    if isinstance(signed, Response):
        return signed
    _reader, slot = signed

    async def events() -> AsyncIterator[str]:
        try:
            after = await anyio.to_thread.run_sync(_start, sessions, limiter=limiter)
            publications = request.app.state.publisher.publications
            seen = publications.generation
            yield ": connected\n\n"
            beat = opened = polled = time.monotonic()
            while time.monotonic() - opened < LIFETIME and not await request.is_disconnected():
                await anyio.sleep(TICK)
                if stopping(request.app):
                    return  # the node is stopping: the partner's worker connects again later
                now, now_seen = time.monotonic(), publications.generation
                if now_seen == seen and now - polled < POLL:
                    continue
                seen, polled = now_seen, now
                after, found = await anyio.to_thread.run_sync(
                    _new_events, request, sessions, settings, after, limiter=limiter
                )
                if found is None:
                    return  # the reader's rights changed: the stream ends
                for item in found:
                    yield f"event: objects\ndata: {json.dumps(item)}\n\n"
                    beat = now
                if now - beat >= HEARTBEAT:
                    yield ": ping\n\n"
                    beat = now
        finally:
            slot.release()

    body = events()
    # A stream the server never starts sending (the client went at once) gives its slot
    # back when the generator is collected.
    weakref.finalize(body, slot.release)
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )
