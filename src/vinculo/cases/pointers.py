"""Target deconfliction across nodes, on the cases side: which pointers a registration
publishes and to whom, its check against the pointers partners sent, and the check of a
partner's pointer when it arrives (wired into the exchange's POINTER_HOOKS by vinculo.hooks).

Who receives a pointer. A case's registration goes to a partner node only when the partner's
nation is in the case's REL TO and the partner holds a sharing agreement's key with this node
(`VINCULO_DECONFLICTION_KEYS`); it goes under that key, so a nation outside the agreement
gets nothing: a case marked REL TO USA, MEX never sends a pointer to the Guatemalan node.

The hashes. The node-local hashes (cases/targets.py) cannot be turned into an agreement's,
and the clear keys are not kept, so a registration's keys are hashed at registration under
every configured agreement key too (`case_target_key_hashes`): a partner's pointer is checked
against those, and a renewal or a withdrawal publishes them again. A key added to the
settings later covers registrations made after it (or registered again).

A hit is told once per pair of registration and partner pointer (`case_pointer_hits`), on
the local case's timeline and the audit chain, holding only the partner's contact. The
partner learns ours the same way: our pointer reaches it, and its own check finds the hit.
A registration is checked only against partners it is itself published to, so both sides
always learn of each other.

Other sources of pointers (planned operations as space-time cells) plug in by gathering
`Outgoing` pointers of their own and handing them to `publish_outgoing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.cases.hit_notices import HIT, tell
from vinculo.cases.models import Case, CaseNotice, CaseTarget
from vinculo.cases.pointer_models import CasePointerHit, CaseTargetKeyHash, CaseTargetPointer
from vinculo.cases.schemas import CheckedNode
from vinculo.cases.target_keys import TargetKey, hash_set
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.exchange.deconfliction import (
    AgreementKey,
    Contact,
    HashSet,
    KeyHash,
    Pointer,
    agreement_keys_for,
    build_pointer,
)
from vinculo.exchange.models import PointerPartner, ReceivedPointer, ReceivedPointerHash
from vinculo.exchange.pointers import is_quarantined, last_pulled, publish_pointer
from vinculo.i18n import N_
from vinculo.notify.items import Item
from vinculo.notify.service import notify
from vinculo.security.audit import hold_head
from vinculo.security.markings import Actor
from vinculo.security.models import MarkingRow, utcnow
from vinculo.settings import Settings

# The pointer's contact fields are bounded (exchange/deconfliction.py).
MAX_CONTACT_PHONE = 40


@dataclass(frozen=True)
class Route:
    """An agreement key and the partner nodes a case's pointers go to under it."""

    key: AgreementKey
    partners: tuple[str, ...]


@dataclass(frozen=True)
class Outgoing:
    """A pointer to publish: what any source of pointers (targets, later operations) hands
    to `publish_outgoing`."""

    hashes: HashSet
    partners: tuple[str, ...]
    contact: Contact
    expires: datetime
    pointer_id: str | None = None
    revoked: bool = False


def all_keys(settings: Settings) -> list[AgreementKey]:
    """Every agreement key configured, once each."""
    seen: dict[str, AgreementKey] = {}
    for config in settings.partners:
        for key in agreement_keys_for(settings=settings, partner=config.name):
            seen.setdefault(key.key_id, key)
    for c in settings.deconfliction_keys:
        seen.setdefault(c.key_id, AgreementKey(c.key_id, c.secret.get_secret_value().encode()))
    return list(seen.values())


def routes(session: Session, settings: Settings, case: Case) -> dict[str, Route]:
    """Under each agreement key, the partners a pointer of the case may go to: their nation
    in the case's REL TO and the key shared with them."""
    marking = session.get(MarkingRow, case.marking_id)
    rel_to = marking.to_markings().rel_to if marking is not None else frozenset()
    found: dict[str, tuple[AgreementKey, list[str]]] = {}
    for config in settings.partners:
        if config.nation not in rel_to:
            continue
        for key in agreement_keys_for(settings=settings, partner=config.name):
            found.setdefault(key.key_id, (key, []))[1].append(config.name)
    return {k: Route(key, tuple(sorted(p))) for k, (key, p) in found.items()}


def publish_outgoing(session: Session, settings: Settings, outgoing: Outgoing) -> Pointer:
    """Build the pointer and write it into each of its partners' pointer collections."""
    now = utcnow()
    lifetime = max(outgoing.expires - now, timedelta(seconds=1))
    pointer = build_pointer(
        hashes=outgoing.hashes,
        node=settings.node_name,
        contact=outgoing.contact,
        now=now,
        lifetime=lifetime,
        pointer_id=outgoing.pointer_id,
    )
    if outgoing.revoked:
        pointer = replace(pointer, revoked=True)
    return publish_pointer(
        session=session, settings=settings, pointer=pointer, partners=outgoing.partners
    )


def _case(session: Session, case_id: str) -> Case | None:
    return session.execute(select(Case).where(Case.id == case_id)).scalar_one_or_none()


def _contact(target: CaseTarget) -> Contact:
    return Contact(
        name=target.contact_name, agency=target.contact_agency, phone=target.contact_phone
    )


def _stored_hashes(session: Session, target_id: str) -> dict[str, HashSet]:
    rows = session.execute(
        select(CaseTargetKeyHash).where(CaseTargetKeyHash.target_id == target_id)
    ).scalars()
    found: dict[str, set[KeyHash]] = {}
    for row in rows:
        found.setdefault(row.key_id, set()).add(KeyHash(row.kind, row.hash))
    return {k: HashSet(k, frozenset(v)) for k, v in found.items()}


def gather_target_pointers(
    session: Session, settings: Settings, target: CaseTarget, *, revoked: bool = False
) -> list[Outgoing]:
    """The pointers a registration publishes: one per agreement key its case may send under,
    to the partners holding that key (the same pointer id version after version)."""
    case = _case(session, target.case_id)
    if case is None:
        return []
    hashes = _stored_hashes(session, target.id)
    earlier = {
        row.key_id: row
        for row in session.execute(
            select(CaseTargetPointer).where(CaseTargetPointer.target_id == target.id)
        ).scalars()
    }
    out = []
    for key_id, route in sorted(routes(session, settings, case).items()):
        if key_id not in hashes:
            continue
        prev = earlier.get(key_id)
        partners = route.partners
        if revoked and prev is not None:
            # A withdrawal reaches every partner the pointer went to.
            partners = tuple(sorted(set(partners) | {p for p in prev.partners.split(",") if p}))
        if revoked and prev is None:
            continue
        out.append(
            Outgoing(
                hashes=hashes[key_id],
                partners=partners,
                contact=_contact(target),
                expires=target.expires_at,
                pointer_id=prev.pointer_id if prev is not None else None,
                revoked=revoked,
            )
        )
    return out


def _publish_target(
    session: Session, settings: Settings, target: CaseTarget, *, revoked: bool = False
) -> None:
    for outgoing in gather_target_pointers(session, settings, target, revoked=revoked):
        pointer = publish_outgoing(session, settings, outgoing)
        row = session.get(CaseTargetPointer, pointer.id)
        if row is None:
            session.add(
                CaseTargetPointer(
                    pointer_id=pointer.id,
                    target_id=target.id,
                    key_id=pointer.key_id,
                    partners=",".join(outgoing.partners),
                )
            )
        else:
            row.partners = ",".join(outgoing.partners)
    session.flush()


def _stale(settings: Settings, at: datetime | None, now: datetime) -> bool:
    """Whether a partner's pointers are too old to stand for "no conflict": no pull that
    succeeded within three sync intervals (ten seconds at least)."""
    limit = timedelta(seconds=max(3 * settings.sync_interval_seconds, 10))
    return at is None or now - at > limit


def checked_nodes(
    session: Session, settings: Settings, case: Case, now: datetime
) -> list[CheckedNode]:
    """This node, and every partner the case's pointers go to with when its pointers were
    last received: a partner that is down reads "not checked since …", never "no conflict"."""
    out = [CheckedNode(node=settings.node_name, at=now)]
    partners = sorted({p for r in routes(session, settings, case).values() for p in r.partners})
    for partner in partners:
        at = last_pulled(session, partner)
        out.append(
            CheckedNode(
                node=partner,
                at=at,
                stale=_stale(settings, at, now),
                quarantined=is_quarantined(session, partner),
            )
        )
    return out


def _hit(
    session: Session,
    *,
    actor: Actor | None,
    target: CaseTarget,
    pointer: ReceivedPointer,
    now: datetime,
) -> CaseNotice | None:
    """Tell the registration's case of a partner's pointer, once."""
    if session.get(CasePointerHit, (target.id, pointer.id)) is not None:
        return None
    session.add(CasePointerHit(target_id=target.id, pointer_id=pointer.id, at=now))
    notice = tell(
        session,
        actor=actor,
        case_id=target.case_id,
        target_id=target.id,
        contact=(pointer.contact_name, pointer.contact_agency, pointer.contact_phone),
        now=now,
    )
    if actor is None or actor.username != target.registered_by:
        notify(session, recipient=target.registered_by, kind=HIT, item=Item("case", target.case_id))
    return notice


def _matching_pointers(
    session: Session, hashes: dict[str, HashSet], routes_: dict[str, Route], now: datetime
) -> list[ReceivedPointer]:
    found: dict[str, ReceivedPointer] = {}
    for key_id, route in routes_.items():
        mine = hashes.get(key_id)
        if mine is None or not route.partners:
            continue
        rows = session.execute(
            select(ReceivedPointer)
            .join(ReceivedPointerHash, ReceivedPointerHash.pointer_id == ReceivedPointer.id)
            .outerjoin(PointerPartner, PointerPartner.partner == ReceivedPointer.partner)
            .where(
                ReceivedPointerHash.key_id == key_id,
                ReceivedPointerHash.hash.in_(sorted(h.hmac for h in mine.hashes)),
                ReceivedPointer.key_id == key_id,
                ReceivedPointer.partner.in_(route.partners),
                ~ReceivedPointer.revoked,
                ReceivedPointer.expires > now,
                # A quarantined partner's pointers are held, never matched.
                PointerPartner.quarantined.is_not(True),
            )
            .distinct()
        ).scalars()
        for row in rows:
            found[row.id] = row
    return [found[k] for k in sorted(found)]


def check_target(
    session: Session, settings: Settings, actor: Actor | None, target: CaseTarget, now: datetime
) -> list[CaseNotice]:
    """The registration against the pointers partners sent: a notice per new hit."""
    case = _case(session, target.case_id)
    if case is None:
        return []
    hold_head(session)  # a pointer arriving meanwhile is checked after
    pointers = _matching_pointers(
        session, _stored_hashes(session, target.id), routes(session, settings, case), now
    )
    told: dict[tuple[str, str, str], CaseNotice] = {}
    for pointer in pointers:
        if session.get(CasePointerHit, (target.id, pointer.id)) is not None:
            continue
        contact = (pointer.contact_name, pointer.contact_agency, pointer.contact_phone)
        if contact in told:
            # One notice per contact; the pair is still remembered as told.
            session.add(CasePointerHit(target_id=target.id, pointer_id=pointer.id, at=now))
            continue
        notice = _hit(session, actor=actor, target=target, pointer=pointer, now=now)
        if notice is not None:
            told[contact] = notice
    return list(told.values())


def on_registered(
    *,
    session: Session,
    settings: Settings,
    actor: Actor,
    target: CaseTarget,
    keys: Iterable[TargetKey],
    now: datetime,
) -> tuple[list[CaseNotice], list[CheckedNode]]:
    """A new registration: its hashes under every agreement key kept, its pointers published,
    and its check against the partners' pointers; the notices and the nodes checked."""
    if len(target.contact_phone) > MAX_CONTACT_PHONE:
        raise InvalidFields(
            [
                InvalidInput(
                    N_("the phone number is longer than {limit} characters"),
                    field="contact_phone",
                    limit=MAX_CONTACT_PHONE,
                )
            ]
        )
    keys = tuple(keys)
    case = _case(session, target.case_id)
    assert case is not None
    for key in all_keys(settings):
        session.add_all(
            CaseTargetKeyHash(target_id=target.id, key_id=key.key_id, hash=h.hmac, kind=h.kind)
            for h in sorted(hash_set(keys, key).hashes)
        )
    session.flush()
    _publish_target(session, settings, target)
    notices = check_target(session, settings, actor, target, now)
    return notices, checked_nodes(session, settings, case, now)


def on_renewed(
    *, session: Session, settings: Settings, actor: Actor, target: CaseTarget, lapsed: bool
) -> None:
    """A renewal: a new version of each pointer with the new expiry; a registration that had
    lapsed is checked against the partners' pointers again."""
    _publish_target(session, settings, target)
    if lapsed:
        check_target(session, settings, actor, target, utcnow())


def on_withdrawn(*, session: Session, settings: Settings, target: CaseTarget) -> None:
    """A withdrawal: each pointer revoked at every partner it went to."""
    _publish_target(session, settings, target, revoked=True)


def on_case_status(*, session: Session, settings: Settings, case: Case) -> None:
    """A case closed revokes the pointers of its active registrations, which meet nothing
    while it is closed (cases/targets.py); reopened, they are published again."""
    now = utcnow()
    rows = session.execute(
        select(CaseTarget).where(
            CaseTarget.case_id == case.id,
            CaseTarget.status == "active",
            CaseTarget.expires_at > now,
        )
    ).scalars()
    for target in list(rows):
        _publish_target(session, settings, target, revoked=case.status == "closed")


def check_received(session: Session, settings: Settings, pointer_ids: list[str]) -> None:
    """The exchange's hook: partners' pointers just received, each checked against this
    node's active registrations that would be published to that partner under that key."""
    hold_head(session)
    now = utcnow()
    for start in range(0, len(pointer_ids), 500):
        pointers = session.execute(
            select(ReceivedPointer).where(
                ReceivedPointer.id.in_(pointer_ids[start : start + 500]),
                ~ReceivedPointer.revoked,
                ReceivedPointer.expires > now,
            )
        ).scalars()
        for pointer in list(pointers):
            theirs = select(ReceivedPointerHash.hash).where(
                ReceivedPointerHash.pointer_id == pointer.id
            )
            targets = session.execute(
                select(CaseTarget)
                .join(CaseTargetKeyHash, CaseTargetKeyHash.target_id == CaseTarget.id)
                .join(Case, Case.id == CaseTarget.case_id)
                .where(
                    CaseTargetKeyHash.key_id == pointer.key_id,
                    CaseTargetKeyHash.hash.in_(theirs),
                    Case.status != "closed",
                    CaseTarget.status == "active",
                    CaseTarget.expires_at > now,
                )
                .distinct()
                .order_by(CaseTarget.id)
            ).scalars()
            for target in list(targets):
                case = _case(session, target.case_id)
                route = routes(session, settings, case).get(pointer.key_id) if case else None
                if route is None or pointer.partner not in route.partners:
                    continue
                _hit(session, actor=None, target=target, pointer=pointer, now=now)
    session.flush()


__all__ = [
    "Outgoing",
    "Route",
    "check_received",
    "check_target",
    "checked_nodes",
    "gather_target_pointers",
    "on_case_status",
    "on_registered",
    "on_renewed",
    "on_withdrawn",
    "publish_outgoing",
    "routes",
]
