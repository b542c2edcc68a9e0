"""Deconfliction pointers between nodes: published into a collection of each partner's own,
received from partners, and partners that misbehave quarantined.

Transport. Each partner node that may receive a pointer has a TAXII collection of its own,
`deconfliction-<partner>` (partners.POINTER_ALIAS), served to that node alone: a pointer under
an agreement's key goes only to the collections of the partners holding that key whose nation
the case may reach (cases/pointers.py decides which), so a nation outside the agreement has
nothing to pull. The collections are never built from intelligence (publish.py), never listed
or served to a person (serve.py), and what a partner pulls from them is diverted by the
ingest to `receive_pointers` before anything is stored as a received object: a pointer never
becomes a statement, a report or an entity, and no reader's page or API reads it as intel.

Receiving. Each pointer is checked strictly (`parse_pointer`) and against what this node
knows of the partner: the agreement key must be one shared with that partner and the
registering node the partner itself. The newest version of each is kept with its hashes,
indexed by (key id, hash); a revocation drops them, and an expired pointer stops matching.
The matching itself is the cases domain's (POINTER_HOOKS, wired in vinculo.hooks), since the
exchange may not read cases.

Quarantine (the rule, docs/security.md). A partner is quarantined when it sends one pointer
that fails the checks (malformed, over-long, made already expired, under a key it does not
hold with this node, in another node's name), or more pointers than
`deconfliction_pointers_per_minute` in a minute or `deconfliction_pointers_per_hour` in an
hour. From then its pointers are held: stored but never matched, its earlier ones too, and
past the hourly limit not even stored (the rate limit). An audit row records the quarantine,
the offending pointer goes to the exchange's quarantine with its reason, and the status shows
in `vinculo exchange pointers`; an administrator releases it (`--release`), which checks its
held pointers then.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vinculo import wiring
from vinculo.errors import InvalidInput
from vinculo.exchange.deconfliction import (
    POINTER_TYPE,
    Pointer,
    PointerRejected,
    agreement_keys_for,
    parse_pointer,
    pointer_object,
)
from vinculo.exchange.models import (
    ExchangeCollection,
    ExchangeObject,
    PointerPartner,
    QuarantinedObject,
    ReceivedPointer,
    ReceivedPointerHash,
    SyncCursor,
)
from vinculo.exchange.partners import POINTER_ALIAS, create_collection, partner_config
from vinculo.exchange.stix import SPEC, content_hash, parse_timestamp, timestamp
from vinculo.exchange.stored import POINTER_KEY, set_state, state_value
from vinculo.exchange.writer import Clock
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.settings import Settings

# A pointer is a few hundred bytes; one far larger is not a pointer whatever it parses as.
MAX_POINTER_BYTES = 16_384
# The notice's contact agency column holds an agency code.
MAX_AGENCY = 16

PointerHook = Callable[[Session, Settings, list[str]], None]


class PointerHooks(wiring.Hooks[PointerHook]):
    """What runs on pointers just received and matchable: the cases domain's check."""

    def __init__(self) -> None:
        # Stored but never checked, a partner's pointer would miss a hit for good.
        super().__init__(
            unwired="the pointer hooks are not wired: call vinculo.hooks.wire_hooks() where "
            "the app is assembled before pulling from partners"
        )

    def run(self, session: Session, settings: Settings, pointer_ids: list[str]) -> None:
        if not pointer_ids:
            return
        for hook in self.hooks:
            hook(session, settings, pointer_ids)


POINTER_HOOKS = PointerHooks()


def pointer_collection(*, session: Session, settings: Settings, partner: str) -> ExchangeCollection:
    """The partner's pointer collection, made the first time a pointer goes to it."""
    alias = f"{POINTER_ALIAS}{partner}"
    found = session.execute(
        select(ExchangeCollection).where(ExchangeCollection.alias == alias)
    ).scalar_one_or_none()
    if found is not None:
        return found
    collection = create_collection(
        session=session,
        settings=settings,
        alias=alias,
        title_en=f"Deconfliction pointers for node {partner}",
        title_es=f"Punteros de desconflicción para el nodo {partner}",
        partners=[partner],
    )
    # The publisher builds no intelligence into it (publish.py leaves it out).
    set_state(session, f"built:{collection.id}", "1")
    return collection


def publish_pointer(
    *, session: Session, settings: Settings, pointer: Pointer, partners: Sequence[str]
) -> Pointer:
    """Write a version of the pointer (new, renewed or revoked) into each partner's pointer
    collection, in the caller's transaction; the version written (its `modified` after
    any earlier version's)."""
    if not partners:
        return pointer
    # Imported here: publish imports the builder and the rest of the publishing side.
    from vinculo.exchange.publish import _lock

    # One writer of date_added at a time, with the publisher: a partner's cursor relies on
    # it only growing.
    _lock(session)
    last = session.execute(
        select(func.max(ExchangeObject.modified)).where(ExchangeObject.stix_id == pointer.id)
    ).scalar()
    if last is not None and timestamp(pointer.modified) <= last:
        later = parse_timestamp(last) + timedelta(milliseconds=1)
        pointer = replace(pointer, modified=later, created=min(pointer.created, later))
    obj = pointer_object(pointer)
    payload = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    clock = Clock(state_value(session, "last_date_added"))
    for partner in sorted(set(partners)):
        collection = pointer_collection(session=session, settings=settings, partner=partner)
        if pointer.revoked:
            # A withdrawal leaves only the revocation: its earlier versions go.
            session.execute(
                delete(ExchangeObject).where(
                    ExchangeObject.collection_id == collection.id,
                    ExchangeObject.stix_id == pointer.id,
                )
            )
        session.add(
            ExchangeObject(
                collection_id=collection.id,
                stix_id=pointer.id,
                stix_type=POINTER_TYPE,
                spec_version=SPEC,
                modified=obj["modified"],
                date_added=clock.next(),
                item_key=f"{POINTER_KEY}{pointer.id}",
                marking_ids="",
                content_hash=content_hash(obj),
                revoked=pointer.revoked,
                payload=payload,
            )
        )
    if clock.last is not None:
        set_state(session, "last_date_added", clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    session.flush()
    return pointer


def _partner(session: Session, partner: str) -> PointerPartner:
    row = session.get(PointerPartner, partner)
    if row is None:
        row = PointerPartner(
            partner=partner, quarantined=False, reason="", minute_count=0, hour_count=0
        )
        session.add(row)
        session.flush()
    return row


def _quarantine(
    session: Session, state: PointerPartner, reason: str, now: datetime, actor: Actor | None
) -> None:
    if state.quarantined:
        return
    state.quarantined = True
    state.reason = reason[:2000]
    state.since = now
    record(
        session=session,
        actor=actor,
        action="write",
        kind="exchange",
        target=f"node:{state.partner}",
        detail={"change": "deconfliction_quarantine", "reason": reason[:500]},
    )


def _count(state: PointerPartner, now: datetime) -> None:
    """One more pointer in the partner's current minute and hour (fixed windows)."""
    if state.minute_start is None or now - state.minute_start >= timedelta(minutes=1):
        state.minute_start, state.minute_count = now, 0
    if state.hour_start is None or now - state.hour_start >= timedelta(hours=1):
        state.hour_start, state.hour_count = now, 0
    state.minute_count += 1
    state.hour_count += 1


def _check(obj: Any, settings: Settings, partner: str, now: datetime) -> Pointer:
    """A pointer the partner sent, checked strictly and against what this node knows of the
    partner; raises `PointerRejected` naming the field."""
    text = json.dumps(obj, ensure_ascii=False)
    if len(text.encode()) > MAX_POINTER_BYTES:
        raise PointerRejected("object", f"longer than {MAX_POINTER_BYTES} bytes")
    modified: datetime | None = None
    if isinstance(obj, dict) and isinstance(obj.get("modified"), str):
        try:
            modified = parse_timestamp(obj["modified"])
        except ValueError:
            modified = None
    # Checked as of when it was made (never later than now): a pointer that lapsed since is
    # stale, not bad; one made already expired, or living too long, is refused.
    pointer = parse_pointer(obj, now=min(modified, now) if modified is not None else now)
    if pointer.registering_node != partner:
        raise PointerRejected("registering_node", f"is not the partner node {partner}")
    if pointer.key_id not in {
        k.key_id for k in agreement_keys_for(settings=settings, partner=partner)
    }:
        raise PointerRejected("key_id", f"not an agreement key shared with {partner}")
    if len(pointer.contact.agency) > MAX_AGENCY:
        raise PointerRejected("contact.agency", f"longer than {MAX_AGENCY} characters")
    return pointer


@dataclass
class Received:
    stored: int = 0
    quarantined: int = 0
    held: int = 0


def receive_pointers(
    *,
    session: Session,
    settings: Settings,
    partner: str,
    collection_id: str,
    objects: Sequence[Any],
    actor: Actor | None = None,
) -> Received:
    """Store the pointers of one page from `partner` in the caller's transaction, quarantine
    the partner if the rule says so, and check the matchable ones (POINTER_HOOKS)."""
    out = Received()
    if not objects:
        return out
    now = utcnow()
    state = _partner(session, partner)
    fresh: list[str] = []
    for obj in objects:
        _count(state, now)
        state.last_received_at = now
        stix_id = str(obj.get("id", ""))[:100] if isinstance(obj, dict) else ""
        if state.hour_count > settings.deconfliction_pointers_per_hour * 2:
            # The rate limit: a flood past twice the hourly limit is not even stored.
            out.held += 1
            continue
        if (
            state.minute_count > settings.deconfliction_pointers_per_minute
            or state.hour_count > settings.deconfliction_pointers_per_hour
        ):
            _quarantine(session, state, "flood: more pointers than the limit", now, actor)
        try:
            pointer = _check(obj, settings, partner, now)
        except PointerRejected as rejected:
            out.quarantined += 1
            session.add(
                QuarantinedObject(
                    partner=partner,
                    collection_id=collection_id,
                    stix_id=stix_id,
                    reason="pointer",
                    detail=str(rejected)[:2000],
                    payload=json.dumps(obj, ensure_ascii=False)[:100_000],
                )
            )
            _quarantine(session, state, str(rejected), now, actor)
            continue
        if _store(session, partner, pointer, now):
            out.stored += 1
            if not pointer.revoked and pointer.expires > now:
                fresh.append(pointer.id)
    session.flush()
    if state.quarantined:
        out.held += len(fresh)
        return out
    POINTER_HOOKS.run(session, settings, fresh)
    return out


def _store(session: Session, partner: str, pointer: Pointer, now: datetime) -> bool:
    """Keep the pointer's newest version and its hashes; whether this one was newer."""
    row = session.get(ReceivedPointer, pointer.id)
    if row is not None and (row.partner != partner or row.modified >= pointer.modified):
        # An older or replayed version, or another partner's id: what is stored stays.
        return False
    if row is None:
        row = ReceivedPointer(id=pointer.id, partner=partner)
        session.add(row)
    row.key_id = pointer.key_id
    row.registering_node = pointer.registering_node
    row.contact_name = pointer.contact.name
    row.contact_agency = pointer.contact.agency
    row.contact_phone = pointer.contact.phone
    row.modified = pointer.modified
    row.expires = pointer.expires
    row.revoked = pointer.revoked
    row.received_at = now
    session.flush()
    session.execute(delete(ReceivedPointerHash).where(ReceivedPointerHash.pointer_id == pointer.id))
    if not pointer.revoked and pointer.expires > now:
        session.add_all(
            ReceivedPointerHash(pointer_id=pointer.id, hash=h.hmac, kind=h.kind, key_id=row.key_id)
            for h in sorted(pointer.hashes)
        )
    return True


@dataclass(frozen=True)
class PartnerPointers:
    """What an administrator sees of one partner's pointers."""

    partner: str
    quarantined: bool
    reason: str
    since: datetime | None
    active: int
    last_received_at: datetime | None
    last_pulled_at: datetime | None


def note_pulled(session: Session, partner: str) -> None:
    """A pull of everything the partner serves us succeeded (the sync worker's note)."""
    _partner(session, partner).last_pulled_at = utcnow()


def last_pulled(session: Session, partner: str) -> datetime | None:
    """When a pull from the partner last succeeded, its pointer collection among what it
    serves us (or, before any such note, when a page of it was last stored)."""
    row = session.get(PointerPartner, partner)
    if row is not None and row.last_pulled_at is not None:
        return row.last_pulled_at
    return session.execute(
        select(func.max(SyncCursor.updated_at)).where(SyncCursor.partner == partner)
    ).scalar()


def is_quarantined(session: Session, partner: str) -> bool:
    row = session.get(PointerPartner, partner)
    return row is not None and row.quarantined


def pointer_status(*, session: Session, settings: Settings) -> list[PartnerPointers]:
    """Every partner's pointer status, for `vinculo exchange pointers`."""
    now = utcnow()
    out = []
    for config in settings.partners:
        row = session.get(PointerPartner, config.name)
        active = session.execute(
            select(func.count())
            .select_from(ReceivedPointer)
            .where(
                ReceivedPointer.partner == config.name,
                ~ReceivedPointer.revoked,
                ReceivedPointer.expires > now,
            )
        ).scalar_one()
        out.append(
            PartnerPointers(
                partner=config.name,
                quarantined=bool(row and row.quarantined),
                reason=row.reason if row else "",
                since=row.since if row else None,
                active=int(active),
                last_received_at=row.last_received_at if row else None,
                last_pulled_at=last_pulled(session, config.name),
            )
        )
    return out


def release_partner(
    *, session: Session, settings: Settings, partner: str, actor: Actor | None = None
) -> int:
    """End a partner's quarantine (an administrator's act, on the audit chain) and check its
    held pointers now; how many active pointers were checked."""
    if partner_config(settings=settings, name=partner) is None:
        raise InvalidInput(N_("unknown partner node {value}"), field="partner", value=partner)
    state = _partner(session, partner)
    was = state.quarantined
    state.quarantined = False
    state.reason = ""
    state.since = None
    state.minute_count = state.hour_count = 0
    record(
        session=session,
        actor=actor,
        action="write",
        kind="exchange",
        target=f"node:{partner}",
        detail={"change": "deconfliction_release", "was_quarantined": was},
    )
    now = utcnow()
    ids = list(
        session.execute(
            select(ReceivedPointer.id).where(
                ReceivedPointer.partner == partner,
                ~ReceivedPointer.revoked,
                ReceivedPointer.expires > now,
            )
        ).scalars()
    )
    session.flush()
    POINTER_HOOKS.run(session, settings, ids)
    return len(ids)


__all__ = [
    "MAX_POINTER_BYTES",
    "POINTER_HOOKS",
    "PartnerPointers",
    "Received",
    "is_quarantined",
    "last_pulled",
    "note_pulled",
    "pointer_collection",
    "pointer_status",
    "publish_pointer",
    "receive_pointers",
    "release_partner",
]
