"""Equipment delivered to security-force units and its end-use monitoring, written and read
under the access policy.

An item carries a marking like a programme: every read filters by `visible_marking_ids`, so
one the reader may not see answers exactly as one that does not exist (the same 404, and
nothing counted or summed). A delivery and every transfer of custody go through the Leahy
gate (oversight/vetting.require_valid_approval) for the equipment purpose on the day the unit
takes the item; a refusal names the unit and the reason, and nothing is stored.

End-use monitoring follows the Golden Sentry and Blue Lantern programmes: a custody chain
(who holds the item from which day), and checks, scheduled or ad hoc, routine, enhanced or
Blue Lantern (pre-licence or post-shipment), each verified, with a discrepancy, or with the
item not found. An item whose last check (or, before any, its delivery) lies more than its
check interval before today is overdue: computed on read, never stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from vinculo.assistance.equipment_models import EquipmentCheck, EquipmentCustody, EquipmentItem
from vinculo.assistance.equipment_schemas import (
    CheckCreate,
    CheckRead,
    CustodyCreate,
    CustodyRead,
    EquipmentCreate,
    EquipmentList,
    EquipmentRead,
    EquipmentSummary,
    EquipmentTotals,
)
from vinculo.assistance.models import Programme, fiscal_year
from vinculo.assistance.training import (
    check_entity,
    fiscal_year_bounds,
    gate,
    require_writer,
    shown_programmes,
    visible_programme,
)
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.service import captions, markings_from_input, markings_read
from vinculo.pagination import encode_key, newest_page
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)

PURPOSE = "equipment"
CENT = Decimal("0.01")
TYPES = {
    "helicopter": N_("helicopter"),
    "aircraft": N_("aircraft"),
    "scanner": N_("non-intrusive inspection scanner"),
    "drone": N_("drone"),
    "radio": N_("radio"),
    "vehicle": N_("vehicle"),
    "vessel": N_("vessel"),
    "weapon": N_("weapon"),
    "surveillance": N_("surveillance equipment"),
    "computer": N_("computer equipment"),
    "other": N_("other equipment"),
}
CHECK_KINDS = {
    "routine": N_("routine end-use check"),
    "enhanced": N_("enhanced end-use check"),
    "blue_lantern_prelicense": N_("Blue Lantern pre-licence check"),
    "blue_lantern_postshipment": N_("Blue Lantern post-shipment check"),
}
RESULTS = {
    "verified": N_("verified"),
    "discrepancy": N_("discrepancy"),
    "not_found": N_("not found"),
}
# Results that are a finding: the accountability view counts them as discrepancies.
FINDINGS = ("discrepancy", "not_found")


def _new_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class CheckState:
    last_check: date | None
    next_check_due: date
    overdue: bool


def check_state(item: EquipmentItem, last_check: date | None, today: date) -> CheckState:
    """When the next check falls due, and whether it is overdue on `today`: no check within
    the item's interval since its last check, or since its delivery before any."""
    due = (last_check or item.delivered_on) + timedelta(days=item.check_interval_days)
    return CheckState(last_check, due, due < today)


def _last_checks(session: Session, ids: Sequence[str]) -> dict[str, date]:
    if not ids:
        return {}
    rows = session.execute(
        select(EquipmentCheck.item_id, func.max(EquipmentCheck.checked_on))
        .where(EquipmentCheck.item_id.in_(ids))
        .group_by(EquipmentCheck.item_id)
    ).all()
    return {item_id: last for item_id, last in rows}


def _findings(session: Session, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(EquipmentCheck.item_id, func.count(EquipmentCheck.id))
        .where(EquipmentCheck.item_id.in_(ids), EquipmentCheck.result.in_(FINDINGS))
        .group_by(EquipmentCheck.item_id)
    ).all()
    return {item_id: int(count) for item_id, count in rows}


def deliver(*, session: Session, actor: Actor, equipment_in: EquipmentCreate) -> EquipmentItem:
    """Store an item delivered to a unit, with the unit as its first holder, once the gate
    has found a valid approval of the unit for equipment on the delivery day; all or
    nothing."""
    agency = require_writer(actor)
    visible = visible_marking_ids(session=session, actor=actor)
    errors: list[InvalidInput] = []
    kind = equipment_in.type.strip().lower()
    if kind not in TYPES:
        errors.append(
            InvalidInput(
                N_("unknown equipment type {value}"), field="type", value=equipment_in.type
            )
        )
    serial = equipment_in.serial_number.strip()
    if not serial:
        errors.append(InvalidInput(N_("give the serial number"), field="serial_number"))
    if equipment_in.delivered_on > date.today():
        errors.append(InvalidInput(N_("the delivery day is in the future"), field="delivered_on"))
    unit = equipment_in.unit_entity_id.strip()
    bad = check_entity(session, visible, unit, "unit", "unit_entity_id")
    if bad is not None:
        errors.append(bad)
    programme = (equipment_in.programme_id or "").strip() or None
    if programme is not None and not visible_programme(session, visible, programme):
        errors.append(
            InvalidInput(
                N_("no programme {value} that you may see"), field="programme_id", value=programme
            )
        )
    markings: Markings | None = None
    try:
        markings = markings_from_input(
            session=session, actor=actor, markings_in=equipment_in.markings
        )
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None and markings.originator == agency
    approval = gate(session, unit, PURPOSE, equipment_in.delivered_on, "unit_entity_id")
    item = EquipmentItem(
        id=_new_id(),
        type=kind,
        description=equipment_in.description.strip(),
        serial_number=serial,
        value_usd=equipment_in.value_usd.quantize(CENT),
        unit_entity_id=unit,
        delivered_on=equipment_in.delivered_on,
        programme_id=programme,
        check_interval_days=equipment_in.check_interval_days,
        vetting_id=approval,
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(item)
    session.flush()
    session.add(
        EquipmentCustody(
            item_id=item.id,
            holder_unit_entity_id=unit,
            from_date=item.delivered_on,
            note="",
            vetting_id=approval,
            recorded_by=actor.username or "",
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="equipment",
        target=item.id,
        ids=[item.id],
        detail={
            "change": "delivered",
            "unit": unit,
            "vetting": approval,
            "markings": markings.signature(),
        },
    )
    session.flush()
    return item


def _visible(session: Session, actor: Actor, item_id: str) -> EquipmentItem:
    return visible_item(
        session=session,
        actor=actor,
        model=EquipmentItem,
        item_id=item_id,
        missing=N_("no such equipment item"),
    )


def transfer(
    *, session: Session, actor: Actor, item_id: str, custody_in: CustodyCreate
) -> EquipmentCustody:
    """Hand the item to another unit from a day on, once the gate has found a valid approval
    of that unit for equipment on that day; otherwise nothing is stored. An item the actor
    may not see answers as a missing one."""
    item = _visible(session, actor, item_id)
    require_writer(actor)
    visible = visible_marking_ids(session=session, actor=actor)
    errors: list[InvalidInput] = []
    holder = custody_in.holder_unit_entity_id.strip()
    bad = check_entity(session, visible, holder, "unit", "holder_unit_entity_id")
    if bad is not None:
        errors.append(bad)
    latest = session.execute(
        select(func.max(EquipmentCustody.from_date)).where(EquipmentCustody.item_id == item.id)
    ).scalar_one_or_none()
    if latest is not None and custody_in.from_date < latest:
        errors.append(
            InvalidInput(
                N_("custody cannot pass before {date}, when the last holder took it"),
                field="from_date",
                date=latest.isoformat(),
            )
        )
    if custody_in.from_date > date.today():
        errors.append(InvalidInput(N_("the day is in the future"), field="from_date"))
    if errors:
        raise InvalidFields(errors)
    approval = gate(session, holder, PURPOSE, custody_in.from_date, "holder_unit_entity_id")
    made = EquipmentCustody(
        item_id=item.id,
        holder_unit_entity_id=holder,
        from_date=custody_in.from_date,
        note=custody_in.note.strip(),
        vetting_id=approval,
        recorded_by=actor.username or "",
    )
    session.add(made)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="equipment",
        target=item.id,
        ids=[item.id],
        detail={
            "change": "custody",
            "holder": holder,
            "from": custody_in.from_date,
            "vetting": approval,
        },
    )
    return made


def add_check(
    *, session: Session, actor: Actor, item_id: str, check_in: CheckCreate
) -> EquipmentCheck:
    """Record an end-use check and its result; a discrepancy or an item not found is
    described. An item the actor may not see answers as a missing one."""
    item = _visible(session, actor, item_id)
    require_writer(actor)
    errors: list[InvalidInput] = []
    kind = check_in.kind.strip().lower()
    result = check_in.result.strip().lower()
    text = check_in.discrepancy.strip()
    if kind not in CHECK_KINDS:
        errors.append(
            InvalidInput(N_("unknown kind of check {value}"), field="kind", value=check_in.kind)
        )
    if result not in RESULTS:
        errors.append(
            InvalidInput(
                N_("a check is verified, a discrepancy or not found, not {value}"),
                field="result",
                value=check_in.result,
            )
        )
    elif result in FINDINGS and not text:
        errors.append(InvalidInput(N_("describe what the check found"), field="discrepancy"))
    elif result == "verified" and text:
        errors.append(
            InvalidInput(N_("a verified check has no discrepancy to describe"), field="discrepancy")
        )
    # A Blue Lantern pre-licence check comes before delivery; every other check after it.
    if kind != "blue_lantern_prelicense" and check_in.checked_on < item.delivered_on:
        errors.append(InvalidInput(N_("the check comes before the delivery"), field="checked_on"))
    if check_in.checked_on > date.today():
        errors.append(InvalidInput(N_("the day is in the future"), field="checked_on"))
    if errors:
        raise InvalidFields(errors)
    made = EquipmentCheck(
        item_id=item.id,
        checked_on=check_in.checked_on,
        scheduled=check_in.scheduled,
        kind=kind,
        result=result,
        discrepancy=text,
        checked_by=actor.username or "",
    )
    session.add(made)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="equipment",
        target=item.id,
        ids=[item.id],
        detail={
            "change": "check",
            "on": check_in.checked_on,
            "kind": kind,
            "result": result,
            "scheduled": check_in.scheduled,
        },
    )
    return made


def _summaries(
    session: Session, actor: Actor, items: Sequence[EquipmentItem]
) -> list[EquipmentSummary]:
    visible = visible_marking_ids(session=session, actor=actor)
    marks = markings_by_id(session=session, ids={i.marking_id for i in items})
    shown = shown_programmes(session, visible, (i.programme_id for i in items))
    seen = captions(session=session, entity_ids=[i.unit_entity_id for i in items], visible=visible)
    ids = [i.id for i in items]
    last = _last_checks(session, ids)
    found = _findings(session, ids)
    today = date.today()
    locale = actor.locale
    out = []
    for i in items:
        state = check_state(i, last.get(i.id), today)
        unit = i.unit_entity_id if i.unit_entity_id in seen else None
        out.append(
            EquipmentSummary(
                id=i.id,
                type=i.type,
                type_label=gettext(locale, TYPES.get(i.type, i.type)),
                description=i.description,
                serial_number=i.serial_number,
                value_usd=Decimal(i.value_usd).quantize(CENT),
                unit_entity_id=unit,
                unit_caption=seen[unit][1] if unit else "",
                delivered_on=i.delivered_on,
                fiscal_year=fiscal_year(i.delivered_on),
                programme_id=i.programme_id if i.programme_id in shown else None,
                check_interval_days=i.check_interval_days,
                last_check=state.last_check,
                next_check_due=state.next_check_due,
                overdue=state.overdue,
                discrepancies=found.get(i.id, 0),
                markings=markings_read(marks[i.marking_id]),
                banner=marks[i.marking_id].banner(),
                created_by=i.created_by,
                created_at=i.created_at,
            )
        )
    return out


def equipment_read(*, session: Session, actor: Actor, item: EquipmentItem) -> EquipmentRead:
    """The item, its custody chain (each holder named only when the actor may see it) and
    its checks, oldest first."""
    summary = _summaries(session, actor, [item])[0]
    visible = visible_marking_ids(session=session, actor=actor)
    chain = list(
        session.execute(
            select(EquipmentCustody)
            .where(EquipmentCustody.item_id == item.id)
            .order_by(EquipmentCustody.from_date, EquipmentCustody.id)
        ).scalars()
    )
    checks = list(
        session.execute(
            select(EquipmentCheck)
            .where(EquipmentCheck.item_id == item.id)
            .order_by(EquipmentCheck.checked_on, EquipmentCheck.id)
        ).scalars()
    )
    seen = captions(
        session=session, entity_ids=[c.holder_unit_entity_id for c in chain], visible=visible
    )
    record(session=session, actor=actor, action="read", kind="equipment", ids=[item.id])
    locale = actor.locale
    return EquipmentRead(
        **summary.model_dump(),
        custody=[
            CustodyRead(
                holder_unit_entity_id=c.holder_unit_entity_id
                if c.holder_unit_entity_id in seen
                else None,
                holder_caption=seen[c.holder_unit_entity_id][1]
                if c.holder_unit_entity_id in seen
                else "",
                from_date=c.from_date,
                note=c.note,
                recorded_by=c.recorded_by,
            )
            for c in chain
        ],
        checks=[
            CheckRead(
                checked_on=c.checked_on,
                scheduled=c.scheduled,
                kind=c.kind,
                kind_label=gettext(locale, CHECK_KINDS.get(c.kind, c.kind)),
                result=c.result,
                result_label=gettext(locale, RESULTS.get(c.result, c.result)),
                discrepancy=c.discrepancy,
                checked_by=c.checked_by,
            )
            for c in checks
        ],
    )


def get_equipment(*, session: Session, actor: Actor, item_id: str) -> EquipmentRead:
    item = _visible(session, actor, item_id)
    return equipment_read(session=session, actor=actor, item=item)


def _overdue_ids(session: Session, where: list[ColumnElement[bool]], today: date) -> list[str]:
    """The ids of the items matching `where` that are overdue on `today` (computed here, as
    date arithmetic differs between the backends)."""
    last = (
        select(EquipmentCheck.item_id, func.max(EquipmentCheck.checked_on).label("last"))
        .group_by(EquipmentCheck.item_id)
        .subquery()
    )
    rows = session.execute(
        select(EquipmentItem, last.c.last)
        .outerjoin(last, last.c.item_id == EquipmentItem.id)
        .where(*where)
    ).all()
    return [item.id for item, checked in rows if check_state(item, checked, today).overdue]


def _conditions(
    session: Session,
    visible: list[int],
    *,
    unit: str | None,
    type_: str | None,
    programme: str | None,
    fiscal_year: int | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [EquipmentItem.marking_id.in_(visible)]
    if unit is not None:
        # A unit the reader may not see matches nothing, as a unit that does not exist.
        if unit in captions(session=session, entity_ids=[unit], visible=visible):
            held = select(EquipmentCustody.item_id).where(
                EquipmentCustody.holder_unit_entity_id == unit
            )
            where.append((EquipmentItem.unit_entity_id == unit) | EquipmentItem.id.in_(held))
        else:
            where.append(false())
    if type_ is not None:
        where.append(EquipmentItem.type == type_.strip().lower())
    if programme is not None:
        shown = select(Programme.id).where(
            Programme.id == programme, Programme.marking_id.in_(visible)
        )
        where.append(EquipmentItem.programme_id.in_(shown))
    if fiscal_year is not None:
        first, last = fiscal_year_bounds(fiscal_year)
        where += [EquipmentItem.delivered_on >= first, EquipmentItem.delivered_on <= last]
    return where


def list_equipment(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    unit: str | None = None,
    type_: str | None = None,
    programme: str | None = None,
    fiscal_year: int | None = None,
    overdue: bool | None = None,
) -> EquipmentList:
    """Newest first, only the items the actor may see; `total` counts only those. `unit`
    matches the recipient or any holder; `overdue` is computed as of today."""
    visible = visible_marking_ids(session=session, actor=actor)
    where = _conditions(
        session, visible, unit=unit, type_=type_, programme=programme, fiscal_year=fiscal_year
    )
    if overdue is not None:
        late = _overdue_ids(session, where, date.today())
        where.append(EquipmentItem.id.in_(late) if overdue else EquipmentItem.id.not_in(late))
    page, more, total = newest_page(session, EquipmentItem, where, cursor, limit)
    record(session=session, actor=actor, action="list", kind="equipment", ids=[i.id for i in page])
    return EquipmentList(
        items=_summaries(session, actor, page),
        total=total,
        next_cursor=encode_key(page[-1].id) if more and page else None,
    )


def equipment_summary(
    *,
    session: Session,
    actor: Actor,
    unit_ids: Sequence[str],
    fiscal_year: int | None = None,
) -> EquipmentTotals:
    """Equipment delivered to the units `unit_ids` as the actor may see it, for the
    accountability view: the items (the actor may see) delivered to one of the units (the
    actor may see), their value, the checks made on them, how many are overdue today, and
    the checks that found a discrepancy or did not find the item."""
    visible = visible_marking_ids(session=session, actor=actor)
    units = list(captions(session=session, entity_ids=unit_ids, visible=visible))
    where: list[ColumnElement[bool]] = [
        EquipmentItem.marking_id.in_(visible),
        EquipmentItem.unit_entity_id.in_(units),
    ]
    if fiscal_year is not None:
        first, last = fiscal_year_bounds(fiscal_year)
        where += [EquipmentItem.delivered_on >= first, EquipmentItem.delivered_on <= last]
    count, value = session.execute(
        select(func.count(EquipmentItem.seq), func.sum(EquipmentItem.value_usd)).where(*where)
    ).one()
    ids = select(EquipmentItem.id).where(*where)
    checks = session.execute(
        select(func.count(EquipmentCheck.id)).where(EquipmentCheck.item_id.in_(ids))
    ).scalar_one()
    findings = session.execute(
        select(func.count(EquipmentCheck.id)).where(
            EquipmentCheck.item_id.in_(ids), EquipmentCheck.result.in_(FINDINGS)
        )
    ).scalar_one()
    overdue = _overdue_ids(session, where, date.today())
    record(session=session, actor=actor, action="list", kind="equipment_totals", ids=[])
    return EquipmentTotals(
        items=int(count),
        # SQLite sums Numeric as a float: back to cents, exact for any sum of items.
        value_usd=Decimal(str(value or 0)).quantize(CENT),
        checks=int(checks),
        overdue=len(overdue),
        discrepancies=int(findings),
    )
