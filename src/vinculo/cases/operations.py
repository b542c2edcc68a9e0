"""Event deconfliction on this node: planned operations of a case and the check that finds
another agency's operation meeting one in place and time.

Two planned operations of different agencies meet when their circles share ground (the
great-circle distance of the centres is at most the sum of the radii, cases/places.py) and
their windows overlap. The check reads only the grid cells the new circle touches
(`case_operation_cells`, indexed by cell and window end), then measures the few candidates.
A meeting raises an alert (cases/alerts.py) to both registrants and the watch supervisors at
once. The window is given in the place's own wall-clock time and stored in UTC with the
place's IANA zone, so two agencies entering times in different zones are compared in UTC.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.cases import alerts, operation_pointers
from vinculo.cases.models import Case, CaseAgency, CaseEvent
from vinculo.cases.operation_models import CaseOperation, CaseOperationCell
from vinculo.cases.operation_schemas import (
    OperationChange,
    OperationCheck,
    OperationList,
    OperationRead,
    OperationRegister,
)
from vinculo.cases.places import Place, cells, check_place, local_in, meet, parse_local, zone_at
from vinculo.cases.service import WRITERS, _open, _visible_case, _writable
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.settings import Settings

PLANNED, CANCELLED, DONE = "planned", "cancelled", "done"
STATUSES = (PLANNED, CANCELLED, DONE)


def kinds() -> vocab.Vocabulary:
    return vocab.load("operation_kinds")


@dataclass(frozen=True)
class Where:
    """A checked place and window: the circle, its zone and the window in UTC."""

    place: Place
    zone: str
    starts_at: datetime
    ends_at: datetime


def _where(
    latitude: float,
    longitude: float,
    radius_m: float,
    starts_local: str,
    ends_local: str,
    errors: list[InvalidInput],
) -> Where | None:
    """The place and window, or None with every fault added to `errors`."""
    place_errors = check_place(latitude, longitude, radius_m)
    errors.extend(place_errors)
    zone = None
    if not any(e.field in ("latitude", "longitude") for e in place_errors):
        try:
            zone = zone_at(latitude, longitude)
        except InvalidInput as error:
            errors.append(error)
    starts = ends = None
    if zone is not None:
        for name, text in (("starts_local", starts_local), ("ends_local", ends_local)):
            try:
                moment = parse_local(text, zone, name)
            except InvalidInput as error:
                errors.append(error)
                continue
            if name == "starts_local":
                starts = moment
            else:
                ends = moment
    if starts is not None and ends is not None and ends <= starts:
        errors.append(
            InvalidInput(N_("the window ends before it starts"), field="ends_local", value="")
        )
    if zone is None or starts is None or ends is None or place_errors or errors:
        return None
    return Where(Place(latitude, longitude, radius_m), zone, starts, ends)


def find_overlaps(
    session: Session,
    where: Where,
    *,
    agency: str,
    exclude: str | None = None,
    scan: bool = False,
) -> list[CaseOperation]:
    """Planned operations of other agencies, on open cases, meeting `where` in place and
    time. `scan` reads the operations table itself, whose place and window columns no index
    serves (the bench's peer), with the same answer."""
    query = select(CaseOperation).join(Case, Case.id == CaseOperation.case_id)
    if scan:
        query = query.where(
            CaseOperation.ends_at > where.starts_at, CaseOperation.starts_at < where.ends_at
        )
    else:
        query = query.join(
            CaseOperationCell, CaseOperationCell.operation_id == CaseOperation.id
        ).where(
            CaseOperationCell.cell.in_(cells(where.place)),
            CaseOperationCell.ends_at > where.starts_at,
            CaseOperationCell.starts_at < where.ends_at,
        )
    query = query.where(
        CaseOperation.status == PLANNED,
        CaseOperation.agency != agency,
        Case.status != "closed",
    )
    if exclude is not None:
        query = query.where(CaseOperation.id != exclude)
    found = {op.id: op for op in session.execute(query).scalars()}
    return [
        op
        for _, op in sorted(found.items())
        if meet(where.place, Place(op.latitude, op.longitude, op.radius_m))
    ]


def _index(session: Session, op: CaseOperation) -> None:
    """The operation's cells, while it is planned (none otherwise)."""
    session.execute(delete(CaseOperationCell).where(CaseOperationCell.operation_id == op.id))
    if op.status == PLANNED:
        place = Place(op.latitude, op.longitude, op.radius_m)
        session.add_all(
            CaseOperationCell(
                cell=c, operation_id=op.id, starts_at=op.starts_at, ends_at=op.ends_at
            )
            for c in cells(place)
        )


def operation_read(op: CaseOperation) -> OperationRead:
    return OperationRead(
        id=op.id,
        case_id=op.case_id,
        kind=op.kind,
        agency=op.agency,
        latitude=op.latitude,
        longitude=op.longitude,
        radius_m=op.radius_m,
        time_zone=op.time_zone,
        starts_at=op.starts_at,
        ends_at=op.ends_at,
        starts_local=local_in(op.starts_at, op.time_zone).isoformat(timespec="minutes"),
        ends_local=local_in(op.ends_at, op.time_zone).isoformat(timespec="minutes"),
        registered_by=op.registered_by,
        contact_name=op.contact_name,
        contact_agency=op.contact_agency,
        contact_phone=op.contact_phone,
        registered_at=op.registered_at,
        status=op.status,
    )


def _event(session: Session, actor: Actor, op: CaseOperation, action: str, note: str) -> None:
    session.add(
        CaseEvent(
            case_id=op.case_id,
            actor=actor.username or "",
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
        detail={"change": action, "operation": op.id, "note": note},
    )


def _check(
    session: Session, actor: Actor, op: CaseOperation, where: Where, settings: Settings
) -> OperationCheck:
    now = utcnow()
    raised = []
    for other in find_overlaps(session, where, agency=op.agency, exclude=op.id):
        alert = alerts.raise_alert(session, actor, op, other, now)
        if alert is not None:
            raised.append(alert)
    # Across nodes: published to the partners its case reaches, checked against theirs.
    raised.extend(operation_pointers.on_planned(session, settings, actor, op, now))
    session.flush()
    shown = {a.id for a in raised}
    found = alerts.case_alerts(session, actor, op.case_id, [op.id]) if shown else []
    return OperationCheck(
        operation=operation_read(op),
        alerts=[a for a in found if a.id in shown],
        checked=operation_pointers.checked(session, settings, op, now),
    )


def register_operation(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    operation_in: OperationRegister,
    settings: Settings,
) -> OperationCheck:
    """Register a planned operation on the case and check it against every other planned
    operation on this node. Bad input is refused naming each field, with nothing stored."""
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    assert actor.agency is not None and actor.user_id is not None
    errors: list[InvalidInput] = []
    kind = operation_in.kind.strip()
    if kind not in kinds():
        errors.append(
            InvalidInput(
                N_("unknown kind of operation {value}; one of: {known}"),
                field="kind",
                value=operation_in.kind,
                known=", ".join(kinds().codes()),
            )
        )
    agency = (operation_in.agency or actor.agency).strip().upper()
    if agency not in vocab.agencies():
        errors.append(
            InvalidInput(N_("unknown agency {value}"), field="agency", value=operation_in.agency)
        )
    else:
        on_case = set(
            session.execute(
                select(CaseAgency.agency).where(CaseAgency.case_id == case.id)
            ).scalars()
        )
        if agency not in on_case | {case.lead_agency}:
            errors.append(
                InvalidInput(
                    N_("agency {value} is not one of this case's agencies"),
                    field="agency",
                    value=agency,
                )
            )
    phone = operation_in.contact_phone.strip()
    if not phone:
        errors.append(
            InvalidInput(N_("give a phone number to be called on"), field="contact_phone")
        )
    where = _where(
        operation_in.latitude,
        operation_in.longitude,
        operation_in.radius_m,
        operation_in.starts_local,
        operation_in.ends_local,
        errors,
    )
    if errors or where is None:
        raise InvalidFields(errors)
    user = session.get(User, actor.user_id)
    contact_name = (
        operation_in.contact_name.strip()
        or (user.display_name if user else "")
        or (actor.username or "")
    )
    op = CaseOperation(
        id=secrets.token_hex(8),
        case_id=case.id,
        kind=kind,
        agency=agency,
        latitude=where.place.latitude,
        longitude=where.place.longitude,
        radius_m=where.place.radius_m,
        time_zone=where.zone,
        starts_at=where.starts_at,
        ends_at=where.ends_at,
        registered_by=actor.username or "",
        contact_name=contact_name,
        contact_agency=agency,
        contact_phone=phone,
        registered_at=utcnow(),
        status=PLANNED,
    )
    session.add(op)
    session.flush()
    _index(session, op)
    _event(session, actor, op, "operation", kind)
    return _check(session, actor, op, where, settings)


def list_operations(*, session: Session, actor: Actor, case_id: str) -> OperationList:
    """The case's operations and the alerts raised on them."""
    case = _visible_case(session, actor, case_id)
    ops = list(
        session.execute(
            select(CaseOperation)
            .where(CaseOperation.case_id == case.id)
            .order_by(CaseOperation.starts_at, CaseOperation.id)
        ).scalars()
    )
    record(session=session, actor=actor, action="read", kind="case", target=case.id, ids=[case.id])
    return OperationList(
        case_id=case.id,
        items=[operation_read(op) for op in ops],
        alerts=alerts.case_alerts(session, actor, case.id, [op.id for op in ops]),
    )


def _operation_on(session: Session, case: Case, operation_id: str) -> CaseOperation:
    op = session.get(CaseOperation, operation_id)
    if op is None or op.case_id != case.id:
        raise NotFound(N_("no such operation"), field="operation_id")
    return op


def get_operation(
    *, session: Session, actor: Actor, case_id: str, operation_id: str
) -> OperationRead:
    case = _visible_case(session, actor, case_id)
    op = _operation_on(session, case, operation_id)
    record(session=session, actor=actor, action="read", kind="case", target=case.id, ids=[case.id])
    return operation_read(op)


def set_status(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    operation_id: str,
    status: str,
    settings: Settings | None = None,
) -> OperationRead:
    """Cancel a planned operation or mark it done: either way it meets no other after, and
    its pointers are revoked at the partners they went to."""
    case = _writable(session, actor, case_id, WRITERS)
    op = _operation_on(session, case, operation_id)
    if status not in (CANCELLED, DONE):
        raise InvalidInput(N_("unknown status {value}"), field="status", value=status)
    if op.status != PLANNED:
        raise InvalidInput(N_("the operation is no longer planned"), field="status")
    op.status = status
    _index(session, op)
    operation_pointers.on_ended(session, settings or Settings(), op)
    _event(session, actor, op, f"operation_{status}", "")
    session.flush()
    return operation_read(op)


def change_operation(
    *,
    session: Session,
    actor: Actor,
    case_id: str,
    operation_id: str,
    change_in: OperationChange,
    settings: Settings,
) -> OperationCheck:
    """Move or reschedule a planned operation; checked again as a new one would be."""
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    op = _operation_on(session, case, operation_id)
    if op.status != PLANNED:
        raise InvalidInput(N_("the operation is no longer planned"), field="status")
    errors: list[InvalidInput] = []
    where = _where(
        change_in.latitude,
        change_in.longitude,
        change_in.radius_m,
        change_in.starts_local,
        change_in.ends_local,
        errors,
    )
    if errors or where is None:
        raise InvalidFields(errors)
    op.latitude, op.longitude, op.radius_m = (
        where.place.latitude,
        where.place.longitude,
        where.place.radius_m,
    )
    op.time_zone, op.starts_at, op.ends_at = where.zone, where.starts_at, where.ends_at
    _index(session, op)
    _event(session, actor, op, "operation_changed", "")
    return _check(session, actor, op, where, settings)
