"""The live stream (server-sent events): a partner's worker hears at once that something it
may receive was published, and pulls it. An event names the collection and the date_added
of the newest object the reader may receive; nothing else, and never for an object the
reader may not receive."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import VinculoError
from vinculo.exchange import service
from vinculo.exchange.api import ROOT, _refused, reader_of
from vinculo.exchange.models import ExchangeObject
from vinculo.exchange.service import Reader
from vinculo.security.audit import record
from vinculo.settings import Settings

router = APIRouter(tags=["taxii"])
HEARTBEAT = 15.0
POLL = 2.0  # another process may publish: look at least this often
# A stream ends after this long and the client connects again: a server shutting down waits
# for open responses to finish, and a stream that never ended would hold it up for ever.
LIFETIME = 20.0


def _new_events(
    sessions: Any, settings: Settings, reader: Reader, after: int
) -> tuple[int, list[dict[str, str]]]:
    """Events for objects added after position `after` that the reader may receive."""
    fresh = Reader(actor=reader.actor, partner=reader.partner)
    with transaction(sessions) as session:
        readable = {c.id: c for c in fresh.collections(session)}
        if not readable:
            return after, []
        rows = session.execute(
            select(
                ExchangeObject.seq,
                ExchangeObject.collection_id,
                ExchangeObject.marking_ids,
                ExchangeObject.date_added,
            )
            .where(ExchangeObject.seq > after, ExchangeObject.collection_id.in_(list(readable)))
            .order_by(ExchangeObject.seq)
        ).all()
        newest: dict[str, str] = {}
        for row in rows:
            allowed = fresh.allowed_markings(session, settings, readable[row.collection_id])
            ids = {int(p) for p in row.marking_ids.split(",") if p}
            if ids <= allowed:
                newest[row.collection_id] = row.date_added
        last = rows[-1].seq if rows else after
    return last, [{"collection": c, "date_added": d} for c, d in newest.items()]


def _start(sessions: Any) -> int:
    with transaction(sessions) as session:
        return int(session.execute(select(func.max(ExchangeObject.seq))).scalar() or 0)


def _wait(seen: int, timeout: float) -> int:
    with service.published:
        if service.generation() == seen:
            service.published.wait(timeout)
        return service.generation()


@router.get(f"/{ROOT}/stream/")
async def stream(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    sessions = request.app.state.sessions

    def sign_in() -> Reader | Response:
        with transaction(sessions) as session:
            try:
                reader = reader_of(request, session, settings)
            except VinculoError as exc:
                return _refused(request, session, exc)
            record(
                session=session,
                actor=reader.actor,
                action="read",
                kind="stream",
                target="taxii2",
                detail={"partner": reader.partner.name if reader.partner else None},
            )
            return reader

    signed = await anyio.to_thread.run_sync(sign_in)
    if isinstance(signed, Response):
        return signed
    reader = signed

    async def events() -> AsyncIterator[str]:
        after = await anyio.to_thread.run_sync(_start, sessions)
        seen = service.generation()
        yield ": connected\n\n"
        beat = opened = time.monotonic()
        polled = 0.0
        while time.monotonic() - opened < LIFETIME and not await request.is_disconnected():
            now_seen = await anyio.to_thread.run_sync(_wait, seen, 0.5)
            now = time.monotonic()
            if now_seen != seen or now - polled >= POLL:
                seen, polled = now_seen, now
                after, found = await anyio.to_thread.run_sync(
                    _new_events, sessions, settings, reader, after
                )
                for item in found:
                    yield f"event: objects\ndata: {json.dumps(item)}\n\n"
                    beat = now
            if now - beat >= HEARTBEAT:
                yield ": ping\n\n"
                beat = now

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )
