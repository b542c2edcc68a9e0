"""Event deconfliction across nodes: a planned operation published to partner nodes as keyed
hashes of space-time cells, and partners' operation pointers checked against this node's.

What travels. One keyed hash (HMAC-SHA256 under the sharing agreement's key, as
target_keys.keyed_hash, kind "operation") per pair of a grid cell the circle's box touches
(cases/places.py, cells of 0.5 degrees) and a UTC day the window touches; never the place,
the window, the kind or the case. Both sides must use the same grid and the same days for
their hashes to meet, and two operations that meet in place and time always share a cell and
a UTC day, so a shared hash is necessary for an overlap — but coarser: a hit says "another
agency plans an operation in the same area on the same day — call this contact". Cells of
0.5 degrees (about 55 km) hold the widest circle allowed (50 km) in at most a few cells, and
days rather than hours keep an operation of a few days within one pointer's 64 hashes; an
operation that needs more is split over several pointers (at most MAX_PARTS).

To whom. As for targets (cases/pointers.py `routes`): partners whose nation is in the case's
REL TO and that hold the agreement's key. Cancelling, marking done or closing the case
revokes the pointers; they expire at the window's end.

On a hit each side raises an alert on its own node (cases/alerts.py), to the local
operation's registrant and the watch supervisors of its agencies, naming only the partner's
contact; the partner does the same when our pointer reaches it. The alert's flow
(acknowledge, resolve) stays local.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vinculo.cases import alerts
from vinculo.cases.models import Case, CaseEvent
from vinculo.cases.operation_models import AlertParty, CaseOperation, DeconflictionAlert
from vinculo.cases.operation_pointer_models import (
    CaseOperationKeyHash,
    CaseOperationPointer,
    PartnerAlertSide,
)
from vinculo.cases.places import Place, cells
from vinculo.cases.pointers import (
    MAX_CONTACT_PHONE,
    Outgoing,
    all_keys,
    checked_nodes,
    publish_outgoing,
    routes,
)
from vinculo.cases.schemas import CheckedNode
from vinculo.cases.target_keys import TargetKey, keyed_hash
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.exchange.deconfliction import (
    MAX_HASHES,
    MAX_LIFETIME,
    AgreementKey,
    Contact,
    HashSet,
)
from vinculo.exchange.models import PointerPartner, ReceivedPointer, ReceivedPointerHash
from vinculo.i18n import N_
from vinculo.notify.items import Item
from vinculo.notify.service import notify, register_kind
from vinculo.security.audit import hold_head, record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.settings import Settings

KIND = "operation"
PLANNED = "planned"  # operations.PLANNED (that module imports this one)
# An operation whose cells and days need more pointers than this is refused for a case with
# partners: it would spend a partner's flood limit on one operation.
MAX_PARTS = 8
PARTNER_ALERT = "partner_operation_alert"
PARTNER_ALERT_SENTENCE = N_(
    "Another agency on a partner node plans an operation in the same area on the same day "
    "as one you registered"
)
register_kind(PARTNER_ALERT, PARTNER_ALERT_SENTENCE)


def cell_days(op: CaseOperation) -> list[str]:
    """The (grid cell, UTC day) pairs the operation touches, as "row:col/YYYY-MM-DD"."""
    first = op.starts_at.date()
    # The window is half-open: one ending at midnight does not touch the next day.
    last = (op.ends_at - timedelta(microseconds=1)).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    place = Place(op.latitude, op.longitude, op.radius_m)
    return [f"{c}/{d.isoformat()}" for c in cells(place) for d in days]


def operation_hashes(op: CaseOperation, key: AgreementKey) -> HashSet:
    """The operation's keyed hashes under one agreement's key."""
    return HashSet(
        key.key_id, frozenset(keyed_hash(TargetKey(KIND, cd), key) for cd in cell_days(op))
    )


def _parts(hashes: HashSet) -> list[HashSet]:
    ordered = sorted(hashes.hashes)
    return [
        HashSet(hashes.key_id, frozenset(ordered[i : i + MAX_HASHES]))
        for i in range(0, len(ordered), MAX_HASHES)
    ]


def _case(session: Session, op: CaseOperation) -> Case:
    case = session.execute(select(Case).where(Case.id == op.case_id)).scalar_one_or_none()
    assert case is not None
    return case


def _contact(op: CaseOperation) -> Contact:
    return Contact(name=op.contact_name, agency=op.contact_agency, phone=op.contact_phone)


def _publishable(session: Session, settings: Settings, op: CaseOperation) -> None:
    """Refuse, naming the field, an operation a partner could not be sent whole."""
    if not routes(session, settings, _case(session, op)):
        return
    errors = []
    if len(op.contact_phone) > MAX_CONTACT_PHONE:
        errors.append(
            InvalidInput(
                N_("the phone number is longer than {limit} characters"),
                field="contact_phone",
                limit=MAX_CONTACT_PHONE,
            )
        )
    if op.ends_at - utcnow() > MAX_LIFETIME:
        errors.append(
            InvalidInput(
                N_("an operation told to partner nodes ends within {days} days"),
                field="ends_local",
                days=MAX_LIFETIME.days,
            )
        )
    if len(cell_days(op)) > MAX_PARTS * MAX_HASHES:
        errors.append(
            InvalidInput(
                N_("the window is too long to be told to partner nodes: shorten it to a few days"),
                field="ends_local",
            )
        )
    if errors:
        raise InvalidFields(errors)


def _keep_hashes(session: Session, settings: Settings, op: CaseOperation) -> None:
    """The operation's hashes under every agreement key, while it is planned (none after)."""
    session.execute(delete(CaseOperationKeyHash).where(CaseOperationKeyHash.operation_id == op.id))
    if op.status == PLANNED:
        for key in all_keys(settings):
            session.add_all(
                CaseOperationKeyHash(operation_id=op.id, key_id=key.key_id, hash=h.hmac)
                for h in sorted(operation_hashes(op, key).hashes)
            )
    session.flush()


def _publish(session: Session, settings: Settings, op: CaseOperation, *, revoked: bool) -> None:
    """Each pointer of the operation, new, changed or revoked, to the partners of its route;
    a pointer no longer needed (a key no longer routed, a part fewer) is revoked wherever it
    went."""
    earlier = {
        (row.key_id, row.part): row
        for row in session.execute(
            select(CaseOperationPointer).where(CaseOperationPointer.operation_id == op.id)
        ).scalars()
    }
    keys = {k.key_id: k for k in all_keys(settings)}
    wanted: dict[tuple[str, int], tuple[HashSet, tuple[str, ...]]] = {}
    if not revoked:
        for key_id, route in sorted(routes(session, settings, _case(session, op)).items()):
            for part, hashes in enumerate(_parts(operation_hashes(op, route.key))):
                wanted[(key_id, part)] = (hashes, route.partners)
    for slot, row in sorted(earlier.items()):
        if slot in wanted or row.key_id not in keys:
            continue
        went = tuple(p for p in row.partners.split(",") if p)
        if not went:
            continue  # revoked already
        # A revocation needs a hash to parse; the partner drops what it held anyway.
        some = _parts(operation_hashes(op, keys[row.key_id]))[0]
        _send(session, settings, op, slot, some, went, row=row, revoked=True)
    for slot, (hashes, partners) in sorted(wanted.items()):
        _send(session, settings, op, slot, hashes, partners, row=earlier.get(slot), revoked=False)
    session.flush()


def _send(
    session: Session,
    settings: Settings,
    op: CaseOperation,
    slot: tuple[str, int],
    hashes: HashSet,
    partners: tuple[str, ...],
    *,
    row: CaseOperationPointer | None,
    revoked: bool,
) -> None:
    if row is not None and not revoked:
        # A pointer moved off a partner (the case's REL TO narrowed) is revoked there.
        gone = {p for p in row.partners.split(",") if p} - set(partners)
        if gone:
            _send(session, settings, op, slot, hashes, tuple(sorted(gone)), row=row, revoked=True)
    if revoked and row is None:
        return
    pointer = publish_outgoing(
        session,
        settings,
        Outgoing(
            hashes=hashes,
            partners=partners,
            contact=_contact(op),
            expires=op.ends_at,
            pointer_id=row.pointer_id if row is not None else None,
            revoked=revoked,
        ),
    )
    if row is None:
        session.add(
            CaseOperationPointer(
                pointer_id=pointer.id,
                operation_id=op.id,
                key_id=slot[0],
                part=slot[1],
                partners=",".join(partners),
            )
        )
    elif revoked:
        # Kept with its id (reopening the case sends a new version of it), gone from
        # the partners it left.
        row.partners = ",".join(sorted({p for p in row.partners.split(",") if p} - set(partners)))
    else:
        row.partners = ",".join(partners)


def _open_with(session: Session, op: CaseOperation, pointer: ReceivedPointer) -> bool:
    """Whether an open alert already tells this operation of the pointer or its contact."""
    found = session.execute(
        select(PartnerAlertSide.alert_id)
        .join(DeconflictionAlert, DeconflictionAlert.id == PartnerAlertSide.alert_id)
        .where(
            PartnerAlertSide.operation_id == op.id,
            DeconflictionAlert.status == alerts.OPEN,
            (PartnerAlertSide.pointer_id == pointer.id)
            | (
                (PartnerAlertSide.partner == pointer.partner)
                & (PartnerAlertSide.contact_name == pointer.contact_name)
                & (PartnerAlertSide.contact_agency == pointer.contact_agency)
                & (PartnerAlertSide.contact_phone == pointer.contact_phone)
            ),
        )
    ).first()
    return found is not None


def raise_partner_alert(
    session: Session,
    actor: Actor | None,
    op: CaseOperation,
    pointer: ReceivedPointer,
    now: datetime,
) -> DeconflictionAlert | None:
    """An alert on this node between the local operation and a partner's pointer, unless one
    is open for it (or for the same contact): the registrant and the watch supervisors told
    at once, the case's timeline and the audit chain written, the partner's contact alone
    named."""
    if op.status != PLANNED or _open_with(session, op, pointer):
        return None
    alert = DeconflictionAlert(
        id=secrets.token_hex(8),
        operation_a=op.id,
        operation_b=None,
        raised_at=now,
        status=alerts.OPEN,
        resolved_by="",
        note="",
    )
    session.add(alert)
    session.flush()
    session.add(
        PartnerAlertSide(
            alert_id=alert.id,
            operation_id=op.id,
            partner=pointer.partner,
            pointer_id=pointer.id,
            contact_name=pointer.contact_name,
            contact_agency=pointer.contact_agency,
            contact_phone=pointer.contact_phone,
        )
    )
    parties: dict[int, str] = {}
    user = session.execute(
        select(User).where(User.username == op.registered_by)
    ).scalar_one_or_none()
    if user is not None:
        parties[user.id] = "a"
    for watch in alerts.watch_supervisors(session, {op.agency, _case(session, op).lead_agency}):
        parties.setdefault(watch.id, alerts.WATCH)
    session.add_all(AlertParty(alert_id=alert.id, user_id=u, side=s) for u, s in parties.items())
    contact = " · ".join((pointer.contact_name, pointer.contact_agency, pointer.contact_phone))
    session.add(
        CaseEvent(
            case_id=op.case_id,
            at=now,
            actor=(actor.username or "") if actor else "",
            action="alert_raised",
            item=f"operation:{op.id}",
            note=contact,
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=op.case_id,
        ids=[op.case_id],
        detail={
            "change": "alert_raised",
            "alert": alert.id,
            "operation": op.id,
            "partner": pointer.partner,
            "pointer": pointer.id,
            "note": contact,
        },
    )
    session.flush()
    for user_id in parties:
        notify(session, recipient=user_id, kind=PARTNER_ALERT, item=Item(alerts.ALERT, alert.id))
    return alert


def check_operation(
    session: Session, settings: Settings, actor: Actor | None, op: CaseOperation, now: datetime
) -> list[DeconflictionAlert]:
    """The operation against the partners' operation pointers it would itself be sent to: an
    alert per new hit."""
    case = _case(session, op)
    # One whose window has passed meets nothing: its pointer has expired at the partners.
    if op.status != PLANNED or case.status == "closed" or op.ends_at <= now:
        return []
    hold_head(session)  # a pointer arriving meanwhile is checked after
    raised = []
    for key_id, route in sorted(routes(session, settings, case).items()):
        mine = select(CaseOperationKeyHash.hash).where(
            CaseOperationKeyHash.operation_id == op.id, CaseOperationKeyHash.key_id == key_id
        )
        pointers = session.execute(
            select(ReceivedPointer)
            .join(ReceivedPointerHash, ReceivedPointerHash.pointer_id == ReceivedPointer.id)
            .outerjoin(PointerPartner, PointerPartner.partner == ReceivedPointer.partner)
            .where(
                ReceivedPointerHash.key_id == key_id,
                ReceivedPointerHash.kind == KIND,
                ReceivedPointerHash.hash.in_(mine),
                ReceivedPointer.key_id == key_id,
                ReceivedPointer.partner.in_(route.partners),
                ~ReceivedPointer.revoked,
                ReceivedPointer.expires > now,
                # A quarantined partner's pointers are held, never matched.
                PointerPartner.quarantined.is_not(True),
            )
            .distinct()
            .order_by(ReceivedPointer.id)
        ).scalars()
        for pointer in list(pointers):
            alert = raise_partner_alert(session, actor, op, pointer, now)
            if alert is not None:
                raised.append(alert)
    return raised


def on_planned(
    session: Session, settings: Settings, actor: Actor, op: CaseOperation, now: datetime
) -> list[DeconflictionAlert]:
    """A new or changed planned operation: refused if a partner could not be sent it whole,
    else its hashes kept, its pointers published and its check against the partners'
    pointers made; the alerts raised."""
    _publishable(session, settings, op)
    _keep_hashes(session, settings, op)
    _publish(session, settings, op, revoked=False)
    return check_operation(session, settings, actor, op, now)


def on_ended(session: Session, settings: Settings, op: CaseOperation) -> None:
    """Cancelled or done: its hashes gone, its pointers revoked wherever they went."""
    _keep_hashes(session, settings, op)
    _publish(session, settings, op, revoked=True)


def on_case_status(session: Session, settings: Settings, case: Case) -> None:
    """A case closed revokes its planned operations' pointers; reopened, they are published
    again and checked."""
    ops = session.execute(
        select(CaseOperation).where(
            CaseOperation.case_id == case.id, CaseOperation.status == PLANNED
        )
    ).scalars()
    for op in list(ops):
        closed = case.status == "closed"
        _publish(session, settings, op, revoked=closed)
        if not closed:
            check_operation(session, settings, None, op, utcnow())


def checked(
    session: Session, settings: Settings, op: CaseOperation, now: datetime
) -> list[CheckedNode]:
    """This node and each partner the operation's pointers go to, with when its pointers were
    last received (cases/pointers.py)."""
    return checked_nodes(session, settings, _case(session, op), now)


def check_received(session: Session, settings: Settings, pointer_ids: list[str]) -> None:
    """The exchange's hook: partners' pointers just received, each checked against this
    node's planned operations that would be published to that partner under that key."""
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
                ReceivedPointerHash.pointer_id == pointer.id, ReceivedPointerHash.kind == KIND
            )
            ops = session.execute(
                select(CaseOperation)
                .join(CaseOperationKeyHash, CaseOperationKeyHash.operation_id == CaseOperation.id)
                .join(Case, Case.id == CaseOperation.case_id)
                .where(
                    CaseOperationKeyHash.key_id == pointer.key_id,
                    CaseOperationKeyHash.hash.in_(theirs),
                    Case.status != "closed",
                    CaseOperation.status == PLANNED,
                    CaseOperation.ends_at > now,
                )
                .distinct()
                .order_by(CaseOperation.id)
            ).scalars()
            for op in list(ops):
                route = routes(session, settings, _case(session, op)).get(pointer.key_id)
                if route is None or pointer.partner not in route.partners:
                    continue
                raise_partner_alert(session, None, op, pointer, now)
    session.flush()


__all__ = [
    "MAX_PARTS",
    "PARTNER_ALERT",
    "cell_days",
    "check_operation",
    "check_received",
    "checked",
    "on_case_status",
    "on_ended",
    "on_planned",
    "operation_hashes",
    "raise_partner_alert",
]
