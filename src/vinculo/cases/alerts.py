"""Deconfliction alerts between planned operations: raised, acknowledged by both sides,
resolved — each step on both cases' timelines and the audit chain.

An alert is shown to its parties only (`deconfliction_alert_parties`): each operation's
registrant, who acknowledges for that side, and the watch supervisors of the agencies
involved. A side learns the other operation's contact (name, agency, phone) and that the two
meet in place and time; never the other case, its title or the operation's kind (the
deliberate disclosure of ../shared/MARKINGS.md). A watch supervisor sees both contacts and
no case. Readers of a case see the alerts on its operations as its side's reader would.

An alert raised by a partner node's pointer (cases/operation_pointers.py) has no local second
operation: its other side is the partner's contact (`deconfliction_alert_partners`), and its
flow stays on this node — this side acknowledges, then it may be resolved.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vinculo.cases.models import Case, CaseEvent
from vinculo.cases.operation_models import AlertParty, CaseOperation, DeconflictionAlert
from vinculo.cases.operation_pointer_models import PartnerAlertSide
from vinculo.cases.operation_schemas import AlertList, AlertRead, AlertResolve, ContactRead
from vinculo.cases.targets import visible_cases
from vinculo.errors import Forbidden, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.notify.items import KINDS, Item, ItemKind
from vinculo.notify.service import notify, register_kind
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow

OPEN, RESOLVED = "open", "resolved"
SIDES = ("a", "b")
WATCH = "watch"
SUPERVISOR = "supervisor"  # vocab/roles.yml: the account role that keeps the watch
ALERT = "deconfliction_alert"
ALERT_SENTENCE = N_(
    "Another agency plans an operation at the same place and time as one you registered"
)


def visible_alerts(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    """The alerts among `ids` the actor is a party to (the only ones it may see)."""
    if actor.user_id is None or not ids:
        return set()
    rows = session.execute(
        select(AlertParty.alert_id).where(
            AlertParty.alert_id.in_(ids), AlertParty.user_id == actor.user_id
        )
    )
    return {r.alert_id for r in rows}


ALERT_ITEM = ItemKind(
    ALERT, visible_alerts, lambda i: f"/deconfliction/alerts#alert-{i}", N_("alert {id}")
)
KINDS.register(ALERT_ITEM)
register_kind(ALERT, ALERT_SENTENCE)


def _contact(op: CaseOperation) -> tuple[str, str, str]:
    return op.contact_name, op.contact_agency, op.contact_phone


def _line(contact: tuple[str, str, str]) -> str:
    return " · ".join(contact)


def _event(
    session: Session,
    *,
    actor: Actor | None,
    op: CaseOperation,
    action: str,
    alert: DeconflictionAlert,
    note: str,
    now: datetime,
) -> None:
    """One step on one side's case: its timeline and the audit chain. The other side's row
    names no actor: who works there is not theirs to learn."""
    session.add(
        CaseEvent(
            case_id=op.case_id,
            at=now,
            actor=(actor.username or "") if actor else "",
            action=action,
            item=f"operation:{op.id}",
            note=note,
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=op.case_id,
        ids=[op.case_id],
        detail={"change": action, "alert": alert.id, "operation": op.id, "note": note},
    )


def watch_supervisors(session: Session, agencies: Iterable[str]) -> list[User]:
    """The active supervisor accounts of the agencies involved."""
    rows = session.execute(
        select(User)
        .where(User.agency.in_(sorted(set(agencies))), User.active.is_(True))
        .order_by(User.id)
    ).scalars()
    return [u for u in rows if SUPERVISOR in u.role_set]


def raise_alert(
    session: Session, actor: Actor, mine: CaseOperation, theirs: CaseOperation, now: datetime
) -> DeconflictionAlert | None:
    """An alert between two meeting operations, unless one is already open for the pair:
    parties recorded, both timelines written, every party notified at once."""
    already = session.execute(
        select(DeconflictionAlert.id).where(
            DeconflictionAlert.status == OPEN,
            or_(
                (DeconflictionAlert.operation_a == mine.id)
                & (DeconflictionAlert.operation_b == theirs.id),
                (DeconflictionAlert.operation_a == theirs.id)
                & (DeconflictionAlert.operation_b == mine.id),
            ),
        )
    ).first()
    if already is not None:
        return None
    alert = DeconflictionAlert(
        id=secrets.token_hex(8),
        operation_a=mine.id,
        operation_b=theirs.id,
        raised_at=now,
        status=OPEN,
        resolved_by="",
        note="",
    )
    session.add(alert)
    session.flush()
    parties: dict[int, str] = {}
    for side, op in zip(SIDES, (mine, theirs), strict=True):
        user = session.execute(
            select(User).where(User.username == op.registered_by)
        ).scalar_one_or_none()
        if user is not None and user.id not in parties:
            parties[user.id] = side
    cases = {
        c.id: c.lead_agency
        for c in session.execute(select(Case).where(Case.id.in_([mine.case_id, theirs.case_id])))
        .scalars()
        .all()
    }
    agencies = {mine.agency, theirs.agency, *cases.values()}
    for user in watch_supervisors(session, agencies):
        parties.setdefault(user.id, WATCH)
    session.add_all(AlertParty(alert_id=alert.id, user_id=u, side=s) for u, s in parties.items())
    _event(
        session,
        actor=actor,
        op=mine,
        action="alert_raised",
        alert=alert,
        note=_line(_contact(theirs)),
        now=now,
    )
    _event(
        session,
        actor=None,
        op=theirs,
        action="alert_raised",
        alert=alert,
        note=_line(_contact(mine)),
        now=now,
    )
    session.flush()
    for user_id in parties:
        notify(session, recipient=user_id, kind=ALERT, item=Item(ALERT, alert.id))
    return alert


def _ops(session: Session, alert: DeconflictionAlert) -> tuple[CaseOperation, CaseOperation | None]:
    """The alert's operations; the second is None when it is a partner node's."""
    a = session.get(CaseOperation, alert.operation_a)
    b = session.get(CaseOperation, alert.operation_b) if alert.operation_b else None
    assert a is not None
    return a, b


def _partner_side(session: Session, alert: DeconflictionAlert) -> PartnerAlertSide:
    side = session.get(PartnerAlertSide, alert.id)
    assert side is not None
    return side


def _other(
    session: Session, alert: DeconflictionAlert, b: CaseOperation | None
) -> tuple[str, str, str]:
    """Side b's contact: its operation's, or the partner's its pointer named."""
    if b is not None:
        return _contact(b)
    side = _partner_side(session, alert)
    return side.contact_name, side.contact_agency, side.contact_phone


def _sides(b: CaseOperation | None) -> tuple[str, ...]:
    """The sides that acknowledge here: a partner's side does so on its own node."""
    return SIDES if b is not None else SIDES[:1]


def _parties(session: Session, alert_ids: list[str]) -> dict[str, list[AlertParty]]:
    found: dict[str, list[AlertParty]] = {}
    if not alert_ids:
        return found
    for party in session.execute(
        select(AlertParty).where(AlertParty.alert_id.in_(alert_ids))
    ).scalars():
        found.setdefault(party.alert_id, []).append(party)
    return found


def _acked(parties: list[AlertParty], side: str) -> datetime | None:
    times = [p.acknowledged_at for p in parties if p.side == side and p.acknowledged_at]
    return min(times) if times else None


def alert_read(
    session: Session,
    actor: Actor,
    alert: DeconflictionAlert,
    parties: list[AlertParty],
    *,
    side: str,
    own_cases: set[str],
) -> AlertRead:
    """The alert as one reader sees it: a side's (its own operation and the other's contact)
    or the watch's (both contacts, no case)."""
    a, b = _ops(session, alert)
    b_contact = _other(session, alert, b)
    mine = next((p for p in parties if p.user_id == actor.user_id), None)
    acks = {s: _acked(parties, s) for s in SIDES}
    both = all(acks[s] for s in _sides(b))
    if side == WATCH:
        contacts = [
            ContactRead(side=s, name=n, agency=ag, phone=ph, acknowledged_at=acks[s])
            for s, (n, ag, ph) in (("a", _contact(a)), ("b", b_contact))
        ]
        case_id = operation_id = None
    else:
        own = a if side == "a" or b is None else b
        other_side = "b" if side == "a" else "a"
        theirs = b_contact if side == "a" else _contact(a)
        contacts = [
            ContactRead(side=label, name=n, agency=ag, phone=ph, acknowledged_at=acks[which])
            for label, which, (n, ag, ph) in (
                ("yours", side, _contact(own)),
                ("theirs", other_side, theirs),
            )
        ]
        shown = own.case_id in own_cases
        case_id = own.case_id if shown else None
        operation_id = own.id if shown else None
    party_side = mine.side if mine else None
    is_open = alert.status == OPEN
    return AlertRead(
        id=alert.id,
        status=alert.status,
        raised_at=alert.raised_at,
        role="watch" if side == WATCH else "side",
        case_id=case_id,
        operation_id=operation_id,
        contacts=contacts,
        partner=_partner_side(session, alert).partner if b is None else None,
        resolved_at=alert.resolved_at,
        note=alert.note,
        may_acknowledge=bool(
            is_open and mine and party_side in SIDES and mine.acknowledged_at is None
        ),
        may_resolve=bool(is_open and mine and both),
    )


def list_alerts(*, session: Session, actor: Actor, status: str | None = None) -> AlertList:
    """The alerts the actor is a party to, newest first."""
    if actor.user_id is None:
        return AlertList(items=[])
    query = (
        select(DeconflictionAlert, AlertParty.side)
        .join(AlertParty, AlertParty.alert_id == DeconflictionAlert.id)
        .where(AlertParty.user_id == actor.user_id)
        .order_by(DeconflictionAlert.raised_at.desc(), DeconflictionAlert.id)
    )
    if status in (OPEN, RESOLVED):
        query = query.where(DeconflictionAlert.status == status)
    rows = session.execute(query).all()
    parties = _parties(session, [r[0].id for r in rows])
    case_ids = [op.case_id for r in rows for op in _ops(session, r[0]) if op is not None]
    own = visible_cases(session, actor, case_ids)
    record(
        session=session,
        actor=actor,
        action="read",
        kind="deconfliction_alert",
        target="",
        ids=[r[0].id for r in rows],
    )
    return AlertList(
        items=[
            alert_read(session, actor, alert, parties[alert.id], side=side, own_cases=own)
            for alert, side in rows
        ]
    )


def case_alerts(session: Session, actor: Actor, case_id: str, op_ids: list[str]) -> list[AlertRead]:
    """The alerts on a case's operations, as that side's reader sees them (the caller has
    checked the reader may see the case)."""
    if not op_ids:
        return []
    alerts = list(
        session.execute(
            select(DeconflictionAlert)
            .where(
                or_(
                    DeconflictionAlert.operation_a.in_(op_ids),
                    DeconflictionAlert.operation_b.in_(op_ids),
                )
            )
            .order_by(DeconflictionAlert.raised_at.desc(), DeconflictionAlert.id)
        ).scalars()
    )
    parties = _parties(session, [a.id for a in alerts])
    return [
        alert_read(
            session,
            actor,
            alert,
            parties.get(alert.id, []),
            side="a" if alert.operation_a in op_ids else "b",
            own_cases={case_id},
        )
        for alert in alerts
    ]


def _party(session: Session, actor: Actor, alert_id: str) -> tuple[DeconflictionAlert, AlertParty]:
    """The alert and the actor's place in it; one it is no party to answers as missing."""
    party = (
        session.get(AlertParty, {"alert_id": alert_id, "user_id": actor.user_id})
        if actor.user_id is not None
        else None
    )
    alert = session.get(DeconflictionAlert, alert_id) if party else None
    if party is None or alert is None:
        raise NotFound(N_("no such alert"), field="alert_id")
    return alert, party


def _read_one(session: Session, actor: Actor, alert: DeconflictionAlert, side: str) -> AlertRead:
    a, b = _ops(session, alert)
    own = visible_cases(session, actor, [a.case_id, *([b.case_id] if b else [])])
    return alert_read(
        session, actor, alert, _parties(session, [alert.id])[alert.id], side=side, own_cases=own
    )


def acknowledge(*, session: Session, actor: Actor, alert_id: str) -> AlertRead:
    """The actor's side has seen the alert and will call the other contact."""
    alert, party = _party(session, actor, alert_id)
    if party.side not in SIDES:
        raise Forbidden(
            N_("only the two operations' contacts acknowledge an alert"), field="alert_id"
        )
    if alert.status != OPEN:
        raise InvalidInput(N_("the alert is already resolved"), field="status")
    if party.acknowledged_at is None:
        now = utcnow()
        party.acknowledged_at = now
        a, b = _ops(session, alert)
        own, other = (a, b) if party.side == "a" else (b, a)
        assert own is not None
        _event(
            session, actor=actor, op=own, action="alert_acknowledged", alert=alert, note="", now=now
        )
        if other is not None:
            _event(
                session,
                actor=None,
                op=other,
                action="alert_acknowledged",
                alert=alert,
                note=_line(_contact(own)),
                now=now,
            )
    session.flush()
    return _read_one(session, actor, alert, party.side)


def resolve(
    *, session: Session, actor: Actor, alert_id: str, resolve_in: AlertResolve
) -> AlertRead:
    """Close the alert with a note once both sides acknowledged it (a watch supervisor or
    either side)."""
    alert, party = _party(session, actor, alert_id)
    if alert.status != OPEN:
        raise InvalidInput(N_("the alert is already resolved"), field="status")
    note = resolve_in.note.strip()
    if not note:
        raise InvalidInput(N_("say how the overlap was settled"), field="note")
    parties = _parties(session, [alert.id])[alert.id]
    if not all(_acked(parties, s) for s in _sides(_ops(session, alert)[1])):
        raise InvalidInput(
            N_("both sides must acknowledge the alert before it is resolved"), field="status"
        )
    now = utcnow()
    alert.status = RESOLVED
    alert.resolved_at = now
    alert.resolved_by = actor.username or ""
    alert.note = note
    for side, op in zip(SIDES, _ops(session, alert), strict=True):
        if op is None:
            continue
        _event(
            session,
            actor=actor if party.side == side else None,
            op=op,
            action="alert_resolved",
            alert=alert,
            note=note,
            now=now,
        )
    session.flush()
    return _read_one(session, actor, alert, party.side)
