"""The publisher: turns new and changed local items into versions of STIX objects, one set
per collection (`builder`), and a purge into a take-back at once; one publisher at a time.
What TAXII serves is read from those versions (`serve`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import cache

from followthemoney.statement import BASE_ID
from sqlalchemy import Select, and_, delete, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vinculo.exchange.builder import Builder, queue_releases, shared_objects
from vinculo.exchange.changes import consumed, pending
from vinculo.exchange.models import (
    ExchangeChange,
    ExchangeCollection,
    ExchangeObject,
    ExchangeState,
    ReceivedObject,
)
from vinculo.exchange.partners import POINTER_ALIAS, collections
from vinculo.exchange.stix import content_hash, revoked_object
from vinculo.exchange.stored import SHARED, VIA, marking_id_set, set_state, state_value
from vinculo.exchange.writer import Clock, Writer
from vinculo.intel.models import Report, StatementRow
from vinculo.security.models import MarkingRow
from vinculo.settings import PartnerConfig, Settings


class Publications:
    """How often an app's publisher has written something. The live streams of the app
    compare it with what they last saw to learn that there is news. Held by the app's
    publisher (`app.state.publisher.publications`), made and gone with the app's lifespan;
    in a process that does not hold the node's lease it stays still, and streams poll."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def notify(self) -> None:
        with self._lock:
            self._count += 1

    @property
    def generation(self) -> int:
        return self._count


def _marked_shared(session: Session) -> None:
    """Once per store: shared objects written by earlier releases carried no markings and
    sat where the first item of any reader that used them was published, so their place
    told of items a reader may not read. They go; each collection gets a copy of each,
    under each set of markings of the versions that use it, at its end."""
    if state_value(session, "shared") == "marked":
        return
    marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
    clock = Clock(state_value(session, "last_date_added"))
    legacy = and_(
        or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED)),
        ExchangeObject.marking_ids == "",
    )
    found = session.execute(select(ExchangeObject.collection_id).where(legacy).distinct())
    for collection_id in sorted(found.scalars()):
        collection = session.get(ExchangeCollection, collection_id)
        session.execute(
            delete(ExchangeObject).where(ExchangeObject.collection_id == collection_id, legacy)
        )
        if collection is None:
            continue
        sets = session.execute(
            select(ExchangeObject.marking_ids)
            .where(
                ExchangeObject.collection_id == collection_id,
                ExchangeObject.marking_ids != "",
                ~or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED)),
            )
            .distinct()
        ).scalars()
        writer = Writer(session, collection, clock)
        for text in sorted(sets):
            ids = sorted(i for i in marking_id_set(text) if i in marks)
            writer.share(shared_objects([marks[i] for i in ids]), marking_id_set(text))
        writer.flush()
    if clock.last is not None:
        set_state(session, "last_date_added", clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    set_state(session, "shared", "marked")
    session.flush()


def _local_entity_ids(session: Session) -> list[str]:
    rows = session.execute(
        select(StatementRow.entity_id)
        .where(StatementRow.prop == BASE_ID, ~StatementRow.dataset.startswith(VIA))
        .distinct()
    )
    return [r.entity_id for r in rows]


def _received_reports(session: Session) -> set[str]:
    rows = session.execute(
        select(ReceivedObject.item_key).where(ReceivedObject.item_key.startswith("report:"))
    )
    return {r.item_key.split(":", 1)[1] for r in rows}


def _lock(session: Session) -> None:
    """One publisher at a time (PostgreSQL; a SQLite transaction holds the write lock)."""
    if session.get(ExchangeState, "lock") is None:
        # Two publishers (the server's and `vinculo exchange publish`) may both find no row
        # on a new store: the second's insert fails on the key, and then the row is there.
        try:
            with session.begin_nested():
                session.add(ExchangeState(key="lock", value="publisher"))
        except IntegrityError:
            pass
    session.execute(select(ExchangeState).where(ExchangeState.key == "lock").with_for_update())


def _bare_revocations(session: Session) -> None:
    """Once per store: revocations written by earlier releases kept the whole object and no
    markings, so every reader could read what was withdrawn. Each becomes a bare one with
    the markings of the version it revoked, and the versions before it go."""
    if state_value(session, "revocations") == "bare":
        return
    revoked = session.execute(
        select(ExchangeObject).where(ExchangeObject.revoked).order_by(ExchangeObject.seq)
    ).scalars()
    for row in list(revoked):
        earlier = and_(
            ExchangeObject.collection_id == row.collection_id,
            ExchangeObject.stix_id == row.stix_id,
            ExchangeObject.seq < row.seq,
        )
        prev = session.execute(
            select(ExchangeObject.marking_ids).where(earlier).order_by(ExchangeObject.seq.desc())
        ).first()
        old = json.loads(row.payload)
        obj = revoked_object(old, row.modified, list(old.get("object_marking_refs") or []))
        row.payload = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        row.content_hash = content_hash(obj)
        if not row.marking_ids and prev is not None:
            row.marking_ids = prev.marking_ids
        session.execute(delete(ExchangeObject).where(earlier))
    set_state(session, "revocations", "bare")
    session.flush()


def _remember_node(session: Session, settings: Settings) -> None:
    """What the publisher needs of the settings, for a purge from the command line."""
    set_state(session, "node", _node_text(settings))


def _remembered_node(session: Session) -> Settings | None:
    text = state_value(session, "node")
    if not text:
        return None
    node = json.loads(text)
    partners = [PartnerConfig(name=name, nation=nation) for name, nation in node["partners"]]
    return Settings.model_construct(
        node_name=node["name"], node_nation=node["nation"], partners=partners
    )


def take_back(*, session: Session, report_id: str, entity_ids: Sequence[str]) -> int:
    """Publish a purge at once, from whichever entry point it came (the command line has no
    publisher): the report's versions give way to a bare revocation in every collection,
    the entities it named get a version without its statements, and their earlier versions
    that carried them go. Nothing of it waits in the table for a server to publish next.
    With the settings the publisher last ran with; a store never published holds nothing."""
    settings = _remembered_node(session)
    if settings is None:
        return 0
    _lock(session)
    marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
    clock = Clock(state_value(session, "last_date_added"))
    received = _received_reports(session)
    written = 0
    for collection in collections(session=session):
        if not state_value(session, f"built:{collection.id}"):
            continue
        builder = Builder(session, settings, collection, marks, clock)
        if not builder.audience.partners:
            continue
        builder.reports([report_id], received)
        builder.entities(sorted(entity_ids))
        builder.prune(entity_ids, {report_id})
        builder.writer.flush()
        written += builder.writer.written
        queue_releases(session, builder.pending)
    if clock.last is not None:
        set_state(session, "last_date_added", clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    session.flush()
    return written


def _node_text(settings: Settings) -> str:
    node = {
        "name": settings.node_name,
        "nation": settings.node_nation,
        "partners": [[p.name, p.nation] for p in settings.partners],
    }
    return json.dumps(node, sort_keys=True)


@cache
def _positions() -> Select[int, int, int | None, int | None, int | None]:
    """What `nothing_new` reads besides the state, in one statement. Built once: the
    publisher asks it after most commits, and building it and its cache key each time cost
    as much as running it."""
    # Pointer collections are written when a target is registered, never built here.
    intel = ~ExchangeCollection.alias.startswith(POINTER_ALIAS)
    unbuilt = (
        select(func.count())
        .select_from(ExchangeCollection)
        .where(
            intel,
            ~select(ExchangeState.key)
            .where(ExchangeState.key == literal("built:") + ExchangeCollection.id)
            .exists(),
        )
        .scalar_subquery()
    )
    return select(
        select(func.count()).select_from(ExchangeCollection).where(intel).scalar_subquery(),
        unbuilt,
        select(ExchangeChange.seq).limit(1).scalar_subquery(),
        select(func.max(StatementRow.seq)).scalar_subquery(),
        select(func.max(Report.seq)).scalar_subquery(),
    )


@cache
def _all_state() -> Select[ExchangeState]:
    return select(ExchangeState)


def nothing_new(session: Session, settings: Settings) -> bool:
    """Whether a run would find nothing to do, read without the lock or a write: most
    commits that wake the publisher (a read's audit row, a sign-in) change nothing it
    publishes, and the full run's lock and bookkeeping cost a dozen round trips. Two
    queries: the publisher's state, and the rest in one statement."""
    state = {row.key: row.value for row in session.execute(_all_state()).scalars()}
    if (
        state.get("node") != _node_text(settings)
        or state.get("revocations") != "bare"
        or state.get("shared") != "marked"
    ):
        return False
    collections_, unbuilt_, change, max_s, max_r = session.execute(_positions()).one()
    if collections_ and (state.get("parts") != "1" or unbuilt_):
        return False
    if change is not None:
        return False
    return (max_s or 0) <= int(state.get("pos:statements") or 0) and (max_r or 0) <= int(
        state.get("pos:reports") or 0
    )


def publish(*, session: Session, settings: Settings) -> int:
    """Publish versions for everything changed since the last run; how many were written."""
    if nothing_new(session, settings):
        return 0
    _lock(session)
    _remember_node(session, settings)
    _bare_revocations(session)
    _marked_shared(session)
    found = collections(session=session)
    pos_s = int(state_value(session, "pos:statements", "0"))
    pos_r = int(state_value(session, "pos:reports", "0"))
    max_s = session.execute(select(func.max(StatementRow.seq))).scalar() or 0
    max_r = session.execute(select(func.max(Report.seq))).scalar() or 0
    changes = pending(session)
    # Purged, withdrawn and released items come from the change feed, each looked at again
    # as an entity and as a report.
    dirty_entities: set[str] = set(changes.items)
    dirty_reports: set[str] = set(changes.items)
    purged, purged_reports = changes.deleted, changes.reports
    if found and (max_s > pos_s or max_r > pos_r):
        for row in session.execute(
            select(StatementRow.entity_id, StatementRow.report_id).where(
                StatementRow.seq > pos_s,
                StatementRow.seq <= max_s,
                ~StatementRow.dataset.startswith(VIA),
            )
        ):
            dirty_entities.add(row.entity_id)
            if row.report_id:
                dirty_reports.add(row.report_id)
        for report_id in session.execute(
            select(Report.id).where(Report.seq > pos_r, Report.seq <= max_r)
        ).scalars():
            dirty_reports.add(report_id)
    written = 0
    unbuilt = [c for c in found if not state_value(session, f"built:{c.id}")]
    # Once per store: entities published before they had parts get theirs.
    unparted = state_value(session, "parts") != "1"
    if found and (dirty_entities or dirty_reports or unbuilt or unparted):
        marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
        clock = Clock(state_value(session, "last_date_added"))
        received = _received_reports(session)
        all_entities: list[str] | None = None
        for collection in found:
            builder = Builder(session, settings, collection, marks, clock)
            if not builder.audience.partners:
                continue
            built_key = f"built:{collection.id}"
            entities, reports = dirty_entities, dirty_reports
            if not state_value(session, built_key):
                if all_entities is None:
                    all_entities = _local_entity_ids(session)
                entities = set(all_entities)
                reports = {r.id for r in session.execute(select(Report.id))}
                set_state(session, built_key, "1")
            elif unparted:
                if all_entities is None:
                    all_entities = _local_entity_ids(session)
                entities = entities | set(all_entities)
            # The node's own objects first, in the first run whatever it holds: were they
            # written after the items of that run, their place would tell whether the
            # first run came before or after the first filing (a matter of timing).
            builder.statics()
            # Reports first, so a partner pulling mid-way meets a report before its entities.
            builder.reports(sorted(reports), received)
            builder.entities(sorted(entities))
            # A purged report's versions went with its revocation; the earlier versions of
            # the entities it named that carry its statements go too.
            builder.prune(purged, purged_reports)
            builder.writer.flush()
            written += builder.writer.written
            queue_releases(session, builder.pending)
        set_state(
            session,
            "last_date_added",
            clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if clock.last else "",
        )
    if found:
        set_state(session, "parts", "1")
    set_state(session, "pos:statements", str(max_s))
    set_state(session, "pos:reports", str(max_r))
    consumed(session, changes)
    session.flush()
    return written
