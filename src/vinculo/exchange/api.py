"""The TAXII 2.1 server: discovery at /taxii2/, one API root, collections, objects, versions,
manifest, status; partner nodes sign in with an `exchange` token, people with a `read`
token, and in demo mode anyone of the demo accounts over HTTP Basic."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from vinculo.db import is_read_only, make_sessionmaker, transaction
from vinculo.errors import Forbidden, InvalidInput, NotFound, VinculoError
from vinculo.exchange import leader, serve
from vinculo.exchange.models import ExchangeCollection, ExchangeObject, StatusResource
from vinculo.exchange.publish import Publications, nothing_new, publish
from vinculo.exchange.serve import Query, Reader
from vinculo.exchange.stix import MEDIA_TYPE
from vinculo.exchange.stream import router as stream_router
from vinculo.exchange.taxii_auth import ROOT, TAXII, reader_of, refused, taxii
from vinculo.i18n import N_
from vinculo.settings import Settings
from vinculo.web.deps import SessionDep, SettingsDep

log = logging.getLogger("vinculo.exchange")


# --- the publisher runs beside the server ------------------------------------------------------


# How long the publisher lets commits gather after the first wakes it.
BURST_SECONDS = 0.05


class Publisher:
    """Publishes changes as soon as a request commits (and at least once a second)."""

    def __init__(self, app: FastAPI) -> None:
        self.settings: Settings = app.state.settings
        self.sessions = make_sessionmaker(app.state.engine)
        # Owned by this publisher, for the live streams of its app (exchange.stream).
        self.publications = Publications()
        # The newest stored version the streams were told of.
        self.seen = 0
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="vinculo-publisher", daemon=True)
        event.listen(app.state.sessions, "after_commit", self._woken)

    def _woken(self, session: Session) -> None:
        # A read-only unit of work (every GET) writes nothing the publisher publishes.
        if not is_read_only(session):
            self.wake.set()

    def run(self) -> None:
        while not self.stop.is_set():
            self.wake.wait(1.0)
            # Commits that come together (a burst of filings, every read's audit row on
            # SQLite) are published in one run rather than a run each.
            self.stop.wait(BURST_SECONDS)
            self.wake.clear()
            if self.stop.is_set():
                return
            try:
                # Looked at first without the write lock (SQLite takes it at BEGIN of a
                # writing transaction): most commits are reads' audit rows.
                with transaction(self.sessions, read_only=True) as session:
                    idle = nothing_new(session, self.settings)
                    newest = session.execute(select(func.max(ExchangeObject.seq))).scalar() or 0
                if idle:
                    # Written by a request rather than by the publisher (a deconfliction
                    # pointer, exchange/pointers.py): the live streams hear of it at once
                    # rather than at their next look (stream.POLL).
                    if newest > self.seen:
                        self.seen = newest
                        self.publications.notify()
                    continue
                with transaction(self.sessions) as session:
                    written = publish(session=session, settings=self.settings)
                if written:
                    self.publications.notify()
            except Exception:  # the next change or the next second tries again
                if self.stop.is_set():
                    return  # the server is stopping: its store may be gone already
                log.exception(
                    "publishing to the TAXII collections of node %s failed; trying again",
                    self.settings.node_name,
                )
                time.sleep(0.5)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    publisher = Publisher(app)
    app.state.publisher = publisher
    app.state.sync_worker = None

    def lead() -> None:
        publisher.thread.start()
        if app.state.settings.exchange_sync and app.state.settings.partners:
            from vinculo.exchange.worker import Worker

            worker = Worker(app.state.settings, make_sessionmaker(app.state.engine))
            worker.start()
            app.state.sync_worker = worker

    # One process of the node publishes and syncs, however many serve; the others ask for
    # the lease again and again, and one of them takes over when it is free (exchange/leader.py).
    campaign = leader.Campaign(app.state.engine, lead)
    campaign.start()
    try:
        yield
    finally:
        campaign.stop()
        publisher.stop.set()
        publisher.wake.set()
        if publisher.thread.is_alive():
            publisher.thread.join(timeout=5)
        if app.state.sync_worker is not None:
            app.state.sync_worker.close()
        campaign.release()


router = APIRouter(prefix="/taxii2", tags=["taxii"], lifespan=lifespan)


# --- answers ------------------------------------------------------------------------------------


def guarded(
    request: Request,
    session: Session,
    settings: Settings,
    answer: Callable[[Reader], Response],
) -> Response:
    """Sign the reader in, run the answer; any refusal as a TAXII error with an audit row."""
    try:
        return answer(reader_of(request, session, settings))
    except VinculoError as exc:
        return refused(request, session, exc)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def query_of(request: Request, settings: Settings, *, versions: str = "last") -> Query:
    params = request.query_params
    limit_text = params.get("limit")
    limit = settings.exchange_page_size
    if limit_text:
        try:
            limit = int(limit_text)
        except ValueError:
            raise InvalidInput(N_("not a valid number"), field="limit") from None
        if limit < 1:
            raise InvalidInput(N_("not a valid number"), field="limit")
        limit = min(limit, settings.exchange_page_size)
    next_token = params.get("next")
    after = decode_next(next_token) if next_token else ""
    added_after = params.get("added_after")
    if added_after:
        _check_timestamp(added_after, "added_after")
    asked_versions = _split(params.get("match[version]")) or [versions]
    for v in asked_versions:
        if v not in ("last", "first", "all"):
            _check_timestamp(v, "match[version]")
    return Query(
        added_after=added_after,
        ids=_split(params.get("match[id]")),
        types=_split(params.get("match[type]")),
        versions=asked_versions,
        spec_versions=_split(params.get("match[spec_version]")),
        after_added=after,
        limit=limit,
    )


def encode_next(date_added: str) -> str:
    """The `next` token: where the page ended, opaque to the client."""
    return base64.urlsafe_b64encode(f"n1:{date_added}".encode()).decode().rstrip("=")


def decode_next(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, date_added = text.partition(":")
        if prefix != "n1":
            raise ValueError(text)
        datetime.strptime(date_added, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise InvalidInput(N_("the cursor is not valid"), field="next") from None
    return date_added


def _check_timestamp(text: str, field: str) -> None:
    from vinculo.exchange.stix import parse_timestamp

    try:
        parse_timestamp(text)
    except ValueError:
        raise InvalidInput(
            N_("not a valid timestamp; write it as YYYY-MM-DDTHH:MM:SS.sssZ"), field=field
        ) from None


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _collection_json(c: ExchangeCollection, locale: str, writable: bool) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title(locale),
        "description": c.description_es if locale == "es" else c.description_en,
        "alias": c.alias,
        "can_read": True,
        "can_write": writable and c.can_write,
        "media_types": [MEDIA_TYPE],
    }


def _page_headers(rows: list[ExchangeObject]) -> dict[str, str]:
    if not rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": rows[0].date_added,
        "X-TAXII-Date-Added-Last": rows[-1].date_added,
    }


def _locale(request: Request) -> str:
    return "es" if request.headers.get("accept-language", "").lower().startswith("es") else "en"


# --- routes -------------------------------------------------------------------------------------


@router.get("/")
def discovery(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    def answer(_reader: Reader) -> Response:
        base = _base(request)
        return taxii(
            {
                "title": f"Vínculo {settings.node_name}",
                "description": "TAXII 2.1 server of a Vínculo node",
                "contact": f"node {settings.node_name} ({settings.node_nation})",
                "default": f"{base}/taxii2/{ROOT}/",
                "api_roots": [f"{base}/taxii2/{ROOT}/"],
            }
        )

    return guarded(request, session, settings, answer)


@router.get(f"/{ROOT}/")
def api_root(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    def answer(_reader: Reader) -> Response:
        return taxii(
            {
                "title": f"Vínculo {settings.node_name}",
                "description": "Binational exchange",
                "versions": [TAXII],
                "max_content_length": settings.exchange_max_envelope_bytes,
            }
        )

    return guarded(request, session, settings, answer)


@router.get(f"/{ROOT}/collections/")
def list_collections(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    def answer(reader: Reader) -> Response:
        found = reader.collections(session)
        locale = _locale(request)
        writable = reader.partner is not None
        return taxii({"collections": [_collection_json(c, locale, writable) for c in found]})

    return guarded(request, session, settings, answer)


@router.get(f"/{ROOT}/collections/{{collection_id}}/")
def get_collection(
    collection_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def answer(reader: Reader) -> Response:
        found = serve.get_collection(session=session, reader=reader, collection_id=collection_id)
        return taxii(_collection_json(found, _locale(request), reader.partner is not None))

    return guarded(request, session, settings, answer)


def _envelope(rows: list[ExchangeObject], more: bool, headers: dict[str, str]) -> Response:
    """The envelope written from the stored payloads as they are: parsing each object only
    to write it out again cost more than everything else of a page."""
    head: dict[str, Any] = {"more": more}
    if more and rows:
        head["next"] = encode_next(rows[-1].date_added)
    text = json.dumps(head, separators=(",", ":"))
    if rows:
        text = text[:-1] + ',"objects":[' + ",".join(r.payload for r in rows) + "]}"
    return Response(text.encode(), media_type=TAXII, headers=headers)


def _served(
    request: Request,
    session: Session,
    settings: Settings,
    reader: Reader,
    collection_id: str,
    endpoint: str,
    object_id: str | None = None,
) -> tuple[list[ExchangeObject], bool]:
    """One page of a collection as the reader may have it, recorded as served to them.

    With `object_id` the page holds that object's versions (all of them for the versions
    endpoint), and an object the reader may not have answers as a missing one.
    """
    collection = serve.get_collection(session=session, reader=reader, collection_id=collection_id)
    versions = "all" if endpoint == "versions" else "last"
    q = query_of(request, settings, versions=versions)
    if object_id is not None:
        q.ids = [object_id]
    if endpoint == "versions":
        q.versions = ["all"]
    rows, more = serve.read_objects(
        session=session, settings=settings, reader=reader, collection=collection, q=q
    )
    if object_id is not None and not rows:
        raise NotFound(N_("no such object"), field="object_id")
    serve.record_serving(
        session=session,
        settings=settings,
        reader=reader,
        collection=collection,
        rows=rows,
        endpoint=endpoint,
    )
    return rows, more


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    collection_id: str,
    endpoint: str,
    shape: Callable[[list[ExchangeObject], bool], Response],
    object_id: str | None = None,
) -> Response:
    """Answer with one served page (`_served`), shaped by `shape` as the endpoint writes it."""

    def answer(reader: Reader) -> Response:
        rows, more = _served(request, session, settings, reader, collection_id, endpoint, object_id)
        return shape(rows, more)

    return guarded(request, session, settings, answer)


def _objects(rows: list[ExchangeObject], more: bool) -> Response:
    return _envelope(rows, more, _page_headers(rows))


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/")
def get_objects(
    collection_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    return _page(request, session, settings, collection_id, "objects", _objects)


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
def get_object(
    collection_id: str,
    object_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    return _page(request, session, settings, collection_id, "object", _objects, object_id)


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
def get_versions(
    collection_id: str,
    object_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    def versions(rows: list[ExchangeObject], more: bool) -> Response:
        body: dict[str, Any] = {"more": more, "versions": [r.modified for r in rows]}
        if more:
            body["next"] = encode_next(rows[-1].date_added)
        return taxii(body, headers=_page_headers(rows))

    return _page(request, session, settings, collection_id, "versions", versions, object_id)


@router.get(f"/{ROOT}/collections/{{collection_id}}/manifest/")
def get_manifest(
    collection_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def manifest(rows: list[ExchangeObject], more: bool) -> Response:
        body: dict[str, Any] = {"more": more}
        if more and rows:
            body["next"] = encode_next(rows[-1].date_added)
        if rows:
            body["objects"] = [
                {
                    "id": r.stix_id,
                    "date_added": r.date_added,
                    "version": r.modified,
                    "media_type": MEDIA_TYPE,
                }
                for r in rows
            ]
        return taxii(body, headers=_page_headers(rows))

    return _page(request, session, settings, collection_id, "manifest", manifest)


@router.post(f"/{ROOT}/collections/{{collection_id}}/objects/")
async def add_objects(
    collection_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    body = await request.body()

    def answer(reader: Reader) -> Response:
        collection = serve.get_collection(
            session=session, reader=reader, collection_id=collection_id
        )
        if reader.partner is None or not collection.can_write:
            raise Forbidden(N_("this collection does not accept objects from you"))
        from vinculo.exchange.ingest import accept_envelope

        status = accept_envelope(
            session=session,
            settings=settings,
            partner=reader.partner.name,
            collection_id=collection.id,
            body=body,
            actor=reader.actor,
        )
        return taxii(_status_json(status), 202)

    # The database work runs off the event loop, as every synchronous route's does.
    return await anyio.to_thread.run_sync(guarded, request, session, settings, answer)


def _status_json(row: StatusResource) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "request_timestamp": row.request_timestamp,
        "total_count": row.total_count,
        "success_count": row.success_count,
        "failure_count": row.failure_count,
        "pending_count": row.pending_count,
    }
    body.update(json.loads(row.details or "{}"))
    return body


@router.get(f"/{ROOT}/status/{{status_id}}/")
def get_status(
    status_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    def answer(reader: Reader) -> Response:
        row = session.get(StatusResource, status_id)
        if row is None or reader.partner is None or row.partner != reader.partner.name:
            raise NotFound(N_("no such status"), field="status_id")
        return taxii(_status_json(row))

    return guarded(request, session, settings, answer)


def iter_collection_ids(session: Session) -> Iterator[str]:
    yield from session.execute(select(ExchangeCollection.id)).scalars()


__all__ = ["JSONResponse", "router"]

router.include_router(stream_router, prefix="")
