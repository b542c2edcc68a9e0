"""Target deconfliction on this node: register a case's subject, check it against every other
active registration, and tell both sides only whom to call.

A registration keeps its keys (cases/target_keys.py) only as keyed hashes under the
node-local key, one row each in `case_target_hashes`, indexed by hash: a check is one index
probe per key. A subject tied to an entity also gets one hash per entity its registrant sees
as the same identity (resolve/store.py `members`), so two spellings of one person that
identity resolution merged meet here even when no identifier is equal.

A hit between two cases of different agencies is the deliberate disclosure of
../shared/MARKINGS.md: each side gets a notice holding the other registration's contact name,
agency and phone, and nothing else of the other case (not its id, title, subjects or how many
of its registrations matched). Both notices go on each case's timeline and on the audit chain.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vinculo.cases.hit_notices import HIT, HIT_SENTENCE
from vinculo.cases.hit_notices import tell as _tell
from vinculo.cases.models import Case, CaseEvent, CaseNotice, CaseTarget, CaseTargetHash
from vinculo.cases.pointers import on_registered, on_renewed, on_withdrawn
from vinculo.cases.schemas import (
    NoticeRead,
    TargetCheck,
    TargetList,
    TargetRead,
    TargetRegister,
)
from vinculo.cases.service import WRITERS, _open, _visible_case, _writable
from vinculo.cases.target_keys import Target, TargetKey, keyed_hash, target_keys
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.exchange.deconfliction import AgreementKey
from vinculo.i18n import N_
from vinculo.intel.service import captions
from vinculo.notify.items import KINDS, Item, ItemKind
from vinculo.notify.service import notify, register_kind
from vinculo.resolve.store import members
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.settings import Settings

# A registration lapses unless renewed: an interest nobody confirms for a quarter is likely
# stale, and a stale one would send partners to a contact who no longer works the subject.
TARGET_DAYS = 90
LOCAL_KEY_ID = "local"
ACTIVE, EXPIRED, WITHDRAWN = "active", "expired", "withdrawn"
# The notification the other side's registrant gets, pointing at their own case.


def visible_cases(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return set()
    rows = session.execute(select(Case.id).where(Case.id.in_(ids), Case.marking_id.in_(visible)))
    return {r.id for r in rows}


def _case_titles(session: Session, actor: Actor, ids: list[str]) -> dict[str, str]:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return {}
    rows = session.execute(
        select(Case).where(Case.id.in_(ids), Case.marking_id.in_(visible))
    ).scalars()
    return {c.id: c.title(actor.locale) for c in rows}


# Cases as items notifications point at. vinculo.hooks wires them where the app and the
# command line start; registering here too keeps a script that only imports the service whole.
CASE = ItemKind("case", visible_cases, lambda i: f"/cases/{i}", N_("case {id}"), _case_titles)
KINDS.register(CASE)
register_kind(HIT, HIT_SENTENCE)


def local_key(settings: Settings) -> AgreementKey:
    """The node-local key the registrations' hashes are made under.

    Derived from the node's secret rather than kept beside the hashes: a copy of the database
    alone then cannot test guessed phone numbers or names against the table. It is separate
    from any agreement's key because those are shared with partners and rotate with the
    agreements, while the local table must stay comparable with itself. Changing
    VINCULO_SECRET_KEY therefore makes earlier registrations unmatched until re-registered.
    """
    secret = hmac.new(
        settings.secret_key.encode(), b"vinculo deconfliction local key", hashlib.sha256
    ).digest()
    return AgreementKey(LOCAL_KEY_ID, secret)


def target_hashes(
    key: AgreementKey, keys: Iterable[TargetKey], entity_ids: Iterable[str]
) -> set[str]:
    """The hashes a registration is indexed by: its keys' and its identity cluster's."""
    found = {keyed_hash(k, key).hmac for k in keys}
    found |= {keyed_hash(TargetKey("entity", e), key).hmac for e in entity_ids}
    return found


def status_of(target: CaseTarget, now: datetime) -> str:
    if target.status == ACTIVE and target.expires_at <= now:
        return EXPIRED
    return target.status


@dataclass(frozen=True)
class Hit:
    """Another case's active registration that shares a hash with the new one."""

    target_id: str
    case_id: str
    registered_by: str
    contact_name: str
    contact_agency: str
    contact_phone: str


def find_hits(
    session: Session,
    hashes: Iterable[str],
    *,
    now: datetime,
    case_id: str,
    agency: str,
    scan: bool = False,
) -> list[Hit]:
    """Active, unexpired registrations of other cases and other agencies holding any of
    `hashes`. `scan` compares through an expression no index serves (the bench's peer: the
    same table read row by row), with the same answer."""
    column: ColumnElement[Any] | InstrumentedAttribute[str] = (
        func.lower(CaseTargetHash.hash) if scan else CaseTargetHash.hash
    )
    rows = session.execute(
        select(
            CaseTarget.id,
            CaseTarget.case_id,
            CaseTarget.registered_by,
            CaseTarget.contact_name,
            CaseTarget.contact_agency,
            CaseTarget.contact_phone,
        )
        .join(CaseTargetHash, CaseTargetHash.target_id == CaseTarget.id)
        .join(Case, Case.id == CaseTarget.case_id)
        .where(
            column.in_(sorted(set(hashes))),
            # A closed case has no active interest left; its registrations stay on record.
            Case.status != "closed",
            CaseTarget.status == ACTIVE,
            CaseTarget.expires_at > now,
            CaseTarget.case_id != case_id,
            CaseTarget.agency != agency,
        )
        .distinct()
        .order_by(CaseTarget.id)
    )
    return [Hit(*r) for r in rows]


def _caption(target_in: TargetRegister) -> str:
    parts = [
        target_in.name,
        target_in.birth_date,
        *target_in.phones,
        target_in.curp,
        target_in.rfc,
        target_in.passport,
        " ".join(p for p in (target_in.plate, target_in.plate_state) if p) or None,
        target_in.account,
        target_in.address,
    ]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _read(target: CaseTarget, now: datetime) -> TargetRead:
    return TargetRead(
        id=target.id,
        kind=target.kind,
        caption=target.caption,
        entity_id=target.entity_id,
        registered_by=target.registered_by,
        agency=target.agency,
        contact_name=target.contact_name,
        contact_agency=target.contact_agency,
        contact_phone=target.contact_phone,
        registered_at=target.registered_at,
        expires_at=target.expires_at,
        status=status_of(target, now),
    )


def _notice_read(notice: CaseNotice) -> NoticeRead:
    return NoticeRead(
        target_id=notice.target_id,
        contact_name=notice.contact_name,
        contact_agency=notice.contact_agency,
        contact_phone=notice.contact_phone,
        at=notice.at,
    )


def _tell_both(
    session: Session, actor: Actor, target: CaseTarget, hits: list[Hit], now: datetime
) -> list[CaseNotice]:
    """The notices of a check's hits: this side's, one per contact, and the other sides'."""
    mine = (target.contact_name, target.contact_agency, target.contact_phone)
    told: dict[tuple[str, str, str], CaseNotice] = {}
    for hit in hits:
        theirs = (hit.contact_name, hit.contact_agency, hit.contact_phone)
        # One notice per contact: a count would tell how many of the other case's
        # registrations matched.
        if theirs not in told:
            told[theirs] = _tell(
                session,
                actor=actor,
                case_id=target.case_id,
                target_id=target.id,
                contact=theirs,
                now=now,
            )
        # The other side's row names no actor: who registered here is not theirs to learn.
        _tell(
            session, actor=None, case_id=hit.case_id, target_id=hit.target_id, contact=mine, now=now
        )
        # Their registrant hears of it without opening the case: the notification points at
        # their own case, which `notify` checks they may still see.
        notify(session, recipient=hit.registered_by, kind=HIT, item=Item("case", hit.case_id))
    return list(told.values())


def register_target(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    target_in: TargetRegister,
    settings: Settings,
) -> TargetCheck:
    """Register a subject on the case and check it against every other active registration
    on this node. Bad input is refused naming each field, with nothing stored."""
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    assert actor.agency is not None and actor.user_id is not None
    errors: list[InvalidInput] = []
    keys: tuple[TargetKey, ...] = ()
    try:
        keys = target_keys(
            Target(
                kind=target_in.kind,
                nation=actor.nation or "",
                name=target_in.name,
                birth_date=target_in.birth_date,
                phones=tuple(target_in.phones),
                curp=target_in.curp,
                rfc=target_in.rfc,
                passport=target_in.passport,
                passport_country=target_in.passport_country,
                plate=target_in.plate,
                plate_country=target_in.plate_country,
                plate_state=target_in.plate_state,
                account=target_in.account,
                address=target_in.address,
            )
        )
    except InvalidFields as error:
        errors.extend(error.errors)
    except InvalidInput as error:
        errors.append(error)
    cluster: list[str] = []
    entity_id = (target_in.entity_id or "").strip() or None
    if entity_id is not None:
        visible = visible_marking_ids(session=session, actor=actor)
        if entity_id not in captions(session=session, entity_ids=[entity_id], visible=visible):
            errors.append(
                InvalidInput(
                    N_("no entity {value} that you may see"), field="entity_id", value=entity_id
                )
            )
        else:
            cluster = members(session=session, actor=actor, entity_id=entity_id)
    phone = target_in.contact_phone.strip()
    if not phone:
        errors.append(
            InvalidInput(N_("give a phone number to be called on"), field="contact_phone")
        )
    if errors:
        raise InvalidFields(errors)
    user = session.get(User, actor.user_id)
    contact_name = (
        target_in.contact_name.strip()
        or (user.display_name if user else "")
        or (actor.username or "")
    )
    now = utcnow()
    target = CaseTarget(
        id=secrets.token_hex(8),
        case_id=case.id,
        kind=target_in.kind,
        caption=_caption(target_in),
        entity_id=entity_id,
        registered_by=actor.username or "",
        agency=actor.agency,
        contact_name=contact_name,
        contact_agency=actor.agency,
        contact_phone=phone,
        registered_at=now,
        expires_at=now + timedelta(days=TARGET_DAYS),
        status=ACTIVE,
    )
    hashes = target_hashes(local_key(settings), keys, cluster)
    hits = find_hits(session, hashes, now=now, case_id=case.id, agency=actor.agency)
    session.add(target)
    session.flush()
    session.add_all(CaseTargetHash(hash=h, target_id=target.id) for h in sorted(hashes))
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor=actor.username or "",
            action="target",
            item=f"target:{target.id}",
            note=target.kind,
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=case.id,
        ids=[case.id],
        detail={"change": "target", "target": target.id, "kind": target.kind},
    )
    told = _tell_both(session, actor, target, hits, now)
    session.flush()
    # Across nodes (cases/pointers.py): its pointers published to the partners its case may
    # reach, and its check against theirs.
    across, checked = on_registered(
        session=session, settings=settings, actor=actor, target=target, keys=keys, now=now
    )
    session.flush()
    return TargetCheck(
        target=_read(target, now),
        notices=[_notice_read(n) for n in [*told, *across]],
        checked=checked,
    )


def list_targets(*, session: Session, actor: Actor, case_id: str) -> TargetList:
    """The case's registrations and the notices its registrations were given."""
    case = _visible_case(session, actor, case_id)
    now = utcnow()
    targets = session.execute(
        select(CaseTarget)
        .where(CaseTarget.case_id == case.id)
        .order_by(CaseTarget.registered_at, CaseTarget.id)
    ).scalars()
    notices = session.execute(
        select(CaseNotice).where(CaseNotice.case_id == case.id).order_by(CaseNotice.id)
    ).scalars()
    record(session=session, actor=actor, action="read", kind="case", target=case.id, ids=[case.id])
    return TargetList(
        case_id=case.id,
        items=[_read(t, now) for t in targets],
        notices=[_notice_read(n) for n in notices],
    )


def _target_on(session: Session, case: Case, target_id: str) -> CaseTarget:
    target = session.get(CaseTarget, target_id)
    if target is None or target.case_id != case.id:
        raise NotFound(N_("no such target"), field="target_id")
    return target


def _change(session: Session, actor: Actor, case: Case, target: CaseTarget, change: str) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            actor=actor.username or "",
            action=f"target_{change}",
            item=f"target:{target.id}",
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=case.id,
        ids=[case.id],
        detail={"change": f"target_{change}", "target": target.id},
    )


def renew_target(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    target_id: str,
    settings: Settings | None = None,
) -> TargetRead:
    """Keep the registration active for another TARGET_DAYS from now (an expired one too);
    with the node's `settings`, its pointers go to partners again with the new expiry."""
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    target = _target_on(session, case, target_id)
    if target.status == WITHDRAWN:
        raise InvalidInput(
            N_("the registration was withdrawn: register the subject again"), field="status"
        )
    now = utcnow()
    lapsed = status_of(target, now) == EXPIRED
    target.status = ACTIVE
    target.expires_at = now + timedelta(days=TARGET_DAYS)
    _change(session, actor, case, target, "renewed")
    if lapsed and actor.agency:
        # While it lapsed, another agency may have registered the same subject and met
        # nothing: checked again now, so neither side goes on unaware. The notices are the
        # case's (GET .../targets).
        hashes = session.execute(
            select(CaseTargetHash.hash).where(CaseTargetHash.target_id == target.id)
        ).scalars()
        hits = find_hits(session, list(hashes), now=now, case_id=case.id, agency=target.agency)
        _tell_both(session, actor, target, hits, now)
    if settings is not None:
        on_renewed(session=session, settings=settings, actor=actor, target=target, lapsed=lapsed)
    session.flush()
    return _read(target, now)


def withdraw_target(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    target_id: str,
    settings: Settings | None = None,
) -> TargetRead:
    """End the registration: it no longer meets any other; with the node's `settings`, its
    pointers are revoked at every partner they went to."""
    case = _writable(session, actor, case_id, WRITERS)
    target = _target_on(session, case, target_id)
    if target.status != WITHDRAWN:
        target.status = WITHDRAWN
        _change(session, actor, case, target, "withdrawn")
        if settings is not None:
            on_withdrawn(session=session, settings=settings, target=target)
    session.flush()
    return _read(target, utcnow())
