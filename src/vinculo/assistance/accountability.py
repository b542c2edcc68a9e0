"""The accountability view: per unit, programme, implementing partner and fiscal year, the
money by transaction type, the unit's Leahy vetting and the allegations against it.

It answers the question oversight asks: "unit X has N allegations, vetting status Y, and
received $Z in fiscal year W." Everything comes from what the reader may see, through the one
policy (`visible_marking_ids`): ledger rows through `ledger_conditions` (as the ledger and
its totals read them), vetting requests and allegations through their markings, units
through the statements the reader may see. A row the reader may not see adds nothing to a
sum, a count, a status or a marking; a unit the reader may not see matches nothing, as a
unit that does not exist. Victims and witnesses (the protected part of an allegation) are
never read here: allegations are counted by status and violation only.

Allegations fall in the fiscal year they happened in (their first day), vetting decisions in
the fiscal year they were taken; the vetting status "now" is each request's status today.
When no unit is asked for but a programme or partner is, the allegations and vetting are
those of the units its visible ledger rows name (units the reader may see).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import BigInteger, ColumnElement, cast, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vinculo import vocab
from vinculo.assistance import codes
from vinculo.assistance.equipment import equipment_summary
from vinculo.assistance.equipment_models import EquipmentItem
from vinculo.assistance.equipment_schemas import EquipmentTotals
from vinculo.assistance.models import LedgerTransaction, Programme, fiscal_year
from vinculo.assistance.service import ledger_conditions
from vinculo.assistance.training import training_summary
from vinculo.assistance.training_models import TrainingEvent, TrainingParticipant
from vinculo.assistance.training_schemas import TrainingTotals
from vinculo.i18n import gettext
from vinculo.intel.marks import highest
from vinculo.intel.schemas import MarkingsRead
from vinculo.intel.service import captions, markings_read, visible_statements
from vinculo.oversight.allegation_models import Allegation, AllegationViolation
from vinculo.oversight.vetting import PURPOSES, STATUSES, status_on
from vinculo.oversight.vetting_models import VettingDecision, VettingRequest
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import markings_by_id, visible_marking_ids

CENT = Decimal("0.01")
# What a unit "received": money paid out to it (IATI's disbursement and expenditure).
RECEIVED = ("3", "4")
# Vetting statuses from the most to the least restrictive: the one a unit is shown under
# when several of its current requests (one per purpose) disagree.
SEVERITY = ("suspended", "denied", "expired", "pending", "approved")


# --- shapes ----------------------------------------------------------------------------------


class MoneyRead(BaseModel):
    type: str
    type_label: str
    usd: Decimal
    count: int


class CountRead(BaseModel):
    code: str
    label: str
    count: int


class VettingNow(BaseModel):
    id: str
    subject: str
    purpose: str
    purpose_label: str
    status: str
    status_label: str
    valid_from: date | None
    valid_until: date | None


class VettingStep(BaseModel):
    request_id: str
    fiscal_year: int
    at: datetime
    from_status: str
    from_label: str
    to_status: str
    to_label: str


class YearRead(BaseModel):
    fiscal_year: int
    money: list[MoneyRead]
    received_usd: Decimal
    allegations: int
    allegations_by_status: list[CountRead]
    allegations_by_violation: list[CountRead]
    vetting_decisions: list[VettingStep]
    # Training of the units' people and equipment delivered to them in the year, as
    # assistance/training.py and equipment.py count them for the reader.
    training: TrainingTotals
    equipment: EquipmentTotals


class StateRead(BaseModel):
    state: str
    usd: Decimal
    received_usd: Decimal
    allegations: int


class AccountabilityRead(BaseModel):
    unit: str | None
    unit_caption: str | None
    programme: str | None
    programme_name: str | None
    partner: str | None
    fiscal_year: int | None
    years: list[YearRead]
    received_usd: Decimal
    allegations: int
    allegations_by_status: list[CountRead]
    allegations_by_violation: list[CountRead]
    vetting_status: str | None
    vetting_status_label: str | None
    vetting: list[VettingNow]
    training: TrainingTotals
    equipment: EquipmentTotals
    states: list[StateRead]
    markings: list[MarkingsRead]
    banner: str
    banner_tlp: str


# --- the ledger ------------------------------------------------------------------------------


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _usd_sum(session: Session) -> tuple[ColumnElement[Any], Decimal]:
    """The sum of USD, exact to the cent, and what to multiply it by: PostgreSQL sums
    numeric exactly; SQLite keeps a Numeric as a float, and a float sum of tens of
    thousands of amounts can be a cent off, so there whole cents are summed as integers."""
    if session.get_bind().dialect.name == "sqlite":
        return func.sum(cast(func.round(LedgerTransaction.usd * 100), BigInteger)), CENT
    return func.sum(LedgerTransaction.usd), Decimal(1)


def _ledger(
    session: Session, where: list[ColumnElement[bool]]
) -> list[tuple[int, str, str | None, str, int, Decimal, int]]:
    """(fiscal year, type, unit entity id, unit name, marking id, USD, count) over the rows
    the conditions keep: one pass over the ledger, grouped."""
    total, scale = _usd_sum(session)
    query = (
        select(
            LedgerTransaction.fiscal_year,
            LedgerTransaction.type,
            LedgerTransaction.unit_entity_id,
            LedgerTransaction.unit_name,
            LedgerTransaction.marking_id,
            total,
            func.count(),
        )
        .where(*where)
        .group_by(
            LedgerTransaction.fiscal_year,
            LedgerTransaction.type,
            LedgerTransaction.unit_entity_id,
            LedgerTransaction.unit_name,
            LedgerTransaction.marking_id,
        )
    )
    return [
        (y, t, u, n, m, _money(Decimal(str(s or 0)) * scale), c)
        for y, t, u, n, m, s, c in session.execute(query)
    ]


def _named(unit: str) -> ColumnElement[bool]:
    return LedgerTransaction.unit_name == unit


def _not_by_marking(
    where: list[ColumnElement[bool]], visible: list[int]
) -> list[ColumnElement[bool]]:
    """The same conditions, the visibility one written so that no index on the marking is
    used for it: without statistics SQLite would otherwise walk the marking's index (most
    of the ledger) rather than the name's (a unit's rows). The rows kept are the same."""
    shown = LedgerTransaction.marking_id.in_(visible)
    return [
        (LedgerTransaction.marking_id + 0).in_(visible) if c.compare(shown) else c for c in where
    ]


# --- units and their states ------------------------------------------------------------------


def _unit_states(session: Session, visible: list[int], units: Iterable[str]) -> dict[str, str]:
    """unit entity id -> the state of its address, from the statements the reader may see."""
    ids = sorted(set(units))
    if not ids:
        return {}
    rows = visible_statements(session=session, entity_ids=ids, visible=visible)
    address_of: dict[str, str] = {}
    for unit, found in rows.items():
        for row in sorted(found, key=lambda r: r.id):
            if row.prop == "addressEntity":
                address_of.setdefault(unit, row.value)
    addresses = visible_statements(
        session=session, entity_ids=set(address_of.values()), visible=visible
    )
    state_of: dict[str, str] = {}
    for address, found in addresses.items():
        for row in sorted(found, key=lambda r: r.id):
            if row.prop == "state" and row.value.strip():
                state_of.setdefault(address, row.value.strip())
                break
    return {u: state_of[a] for u, a in address_of.items() if a in state_of}


# --- vetting and allegations -----------------------------------------------------------------


def _in_year(column: InstrumentedAttribute[date], year: int) -> ColumnElement[bool]:
    return (column >= date(year - 1, 10, 1)) & (column <= date(year, 9, 30))


def _allegations(
    session: Session,
    visible: list[int],
    units: list[str] | None,
    year: int | None,
) -> tuple[list[tuple[str, date, str, str, list[str]]], set[int]]:
    """(id, first day, status, state, violations) of the allegations the reader may see
    against the units (all when `units` is None), and their marking ids. Parties (victims
    and witnesses) are never read."""
    where: list[ColumnElement[bool]] = [Allegation.marking_id.in_(visible)]
    if units is not None:
        where.append(Allegation.unit_entity_id.in_(units) if units else false())
    if year is not None:
        where.append(_in_year(Allegation.occurred_from, year))
    rows = session.execute(
        select(
            Allegation.id,
            Allegation.occurred_from,
            Allegation.status,
            Allegation.state,
            Allegation.marking_id,
        ).where(*where)
    ).all()
    violations: dict[str, list[str]] = defaultdict(list)
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):
        for allegation_id, code in session.execute(
            select(AllegationViolation.allegation_id, AllegationViolation.code)
            .where(AllegationViolation.allegation_id.in_(ids[start : start + 500]))
            .order_by(AllegationViolation.code)
        ):
            violations[allegation_id].append(code)
    found = [(r[0], r[1], r[2], r[3], violations[r[0]]) for r in rows]
    return found, {r[4] for r in rows}


def _counts(found: Iterable[str], vocabulary: str, locale: str) -> list[CountRead]:
    tally: dict[str, int] = defaultdict(int)
    for code in found:
        tally[code] += 1
    words = vocab.load(vocabulary)
    return [
        CountRead(code=code, label=words.label(code, locale), count=n)
        for code, n in sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    ]


def _vetting(
    session: Session, visible: list[int], units: list[str] | None
) -> tuple[list[VettingRequest], list[VettingDecision]]:
    """The vetting requests the reader may see of the units (all when None), oldest first,
    and their decisions."""
    where: list[ColumnElement[bool]] = [VettingRequest.marking_id.in_(visible)]
    if units is not None:
        where.append(VettingRequest.subject_entity_id.in_(units) if units else false())
    requests = list(
        session.execute(select(VettingRequest).where(*where).order_by(VettingRequest.seq)).scalars()
    )
    ids = [r.id for r in requests]
    decisions: list[VettingDecision] = []
    for start in range(0, len(ids), 500):
        decisions += session.execute(
            select(VettingDecision).where(VettingDecision.request_id.in_(ids[start : start + 500]))
        ).scalars()
    decisions.sort(key=lambda d: (d.at, d.id))
    return requests, decisions


# --- training and equipment ------------------------------------------------------------------


def _training_marks(
    session: Session, visible: list[int], units: list[str], year: int | None
) -> set[int]:
    """The markings of the training events and equipment the summaries count, for the
    banner: events the reader may see with a seat from the units, items delivered to them."""
    if not units:
        return set()
    events = select(TrainingEvent.marking_id).where(
        TrainingEvent.marking_id.in_(visible),
        TrainingEvent.id.in_(
            select(TrainingParticipant.event_id).where(
                TrainingParticipant.unit_entity_id.in_(units)
            )
        ),
    )
    items = select(EquipmentItem.marking_id).where(
        EquipmentItem.marking_id.in_(visible), EquipmentItem.unit_entity_id.in_(units)
    )
    if year is not None:
        events = events.where(_in_year(TrainingEvent.starts_on, year))
        items = items.where(_in_year(EquipmentItem.delivered_on, year))
    return set(session.execute(events.distinct()).scalars()) | set(
        session.execute(items.distinct()).scalars()
    )


# --- the view --------------------------------------------------------------------------------


def accountability(
    *,
    session: Session,
    actor: Actor,
    unit_id: str | None = None,
    programme_id: str | None = None,
    partner: str | None = None,
    fiscal_year: int | None = None,
) -> AccountabilityRead:
    """The accountability view over what the actor may see, one audited read."""
    locale = actor.locale
    visible = visible_marking_ids(session=session, actor=actor)
    unit = (unit_id or "").strip() or None
    programme = (programme_id or "").strip() or None
    partner = (partner or "").strip() or None
    where = ledger_conditions(
        visible, fiscal_year=fiscal_year, programme=programme, partner=partner, unit=None
    )
    if unit is None:
        ledger = _ledger(session, where)
    else:
        # The ledger's unit filter (an entity id, or the name as the source wrote it) as two
        # queries, each of which an index on its column answers alone, rather than one OR
        # that makes the store fetch every row it matches from the table: the same rows,
        # each once.
        by_id = _ledger(session, [*where, LedgerTransaction.unit_entity_id == unit])
        # Rows named so that carry this id are counted above already (grouped by the id).
        by_name = [
            row
            for row in _ledger(session, [*_not_by_marking(where, visible), _named(unit)])
            if row[2] != unit
        ]
        ledger = by_id + by_name

    # The units the view is about: the one asked for, when the reader may see it; else
    # those the programme's or partner's rows name; else every unit (None).
    units: list[str] | None
    unit_caption: str | None = None
    if unit is not None:
        seen = captions(session=session, entity_ids=[unit], visible=visible)
        units = [unit] if unit in seen else []
        unit_caption = seen[unit][1] if unit in seen else None
    elif programme is not None or partner is not None:
        named = {u for _y, _t, u, _n, _m, _s, _c in ledger if u}
        units = sorted(captions(session=session, entity_ids=named, visible=visible))
    else:
        units = None
    programme_name: str | None = None
    if programme is not None:
        shown = session.execute(
            select(Programme).where(Programme.id == programme, Programme.marking_id.in_(visible))
        ).scalar_one_or_none()
        programme_name = shown.name(locale) if shown else None

    allegations, allegation_marks = _allegations(session, visible, units, fiscal_year)
    requests, decisions = _vetting(session, visible, units)

    # Money by year and type, and by state (of the unit's visible address).
    money: dict[int, dict[str, list[Decimal | int]]] = defaultdict(dict)
    by_unit_usd: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    ledger_marks: set[int] = set()
    for year, kind, unit_entity, _name, marking, usd, count in ledger:
        cell = money[year].setdefault(kind, [Decimal(0), 0])
        cell[0] = Decimal(cell[0]) + usd
        cell[1] = int(cell[1]) + count
        ledger_marks.add(marking)
        if unit_entity:
            by_unit_usd[unit_entity][0] += usd
            if kind in RECEIVED:
                by_unit_usd[unit_entity][1] += usd
    states = _unit_states(session, visible, by_unit_usd)
    by_state: dict[str, list[Decimal | int]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for unit_entity, (total, received) in by_unit_usd.items():
        if unit_entity in states:
            cell = by_state[states[unit_entity]]
            cell[0] = Decimal(cell[0]) + total
            cell[1] = Decimal(cell[1]) + received
    for _id, _day, _status, state, _codes in allegations:
        if state.strip():
            cell = by_state[state.strip()]
            cell[2] = int(cell[2]) + 1

    today = date.today()
    requests_by_id = {r.id: r for r in requests}
    steps_by_year: dict[int, list[VettingStep]] = defaultdict(list)
    for d in decisions:
        year = fiscal_year_of(d.at)
        if fiscal_year is not None and year != fiscal_year:
            continue
        steps_by_year[year].append(
            VettingStep(
                request_id=d.request_id,
                fiscal_year=year,
                at=d.at,
                from_status=d.from_status,
                from_label=gettext(locale, STATUSES.get(d.from_status, d.from_status)),
                to_status=d.to_status,
                to_label=gettext(locale, STATUSES.get(d.to_status, d.to_status)),
            )
        )
    allegations_by_year: dict[int, list[tuple[str, date, str, str, list[str]]]] = defaultdict(list)
    for a in allegations:
        allegations_by_year[fiscal_year_of(a[1])].append(a)

    subjects = captions(
        session=session,
        entity_ids=[r.subject_entity_id for r in requests if r.subject_entity_id],
        visible=visible,
    )
    now = [
        VettingNow(
            id=r.id,
            subject=(
                subjects[r.subject_entity_id][1]
                if r.subject_entity_id in subjects
                else r.subject_name
            ),
            purpose=r.purpose,
            purpose_label=gettext(locale, PURPOSES.get(r.purpose, r.purpose)),
            status=status_on(r, today),
            status_label=gettext(locale, STATUSES[status_on(r, today)]),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
        )
        for r in reversed(requests)
    ]
    # A later request for the same subject and purpose replaces an earlier one (a renewed
    # approval, a suspension lifted), as the Leahy gate reads them; of what is current, the
    # most restrictive is the unit's status.
    current: dict[tuple[str, str], VettingRequest] = {}
    for r in requests:
        current[(r.subject_entity_id or r.subject_name, r.purpose)] = r
    overall = min((status_on(r, today) for r in current.values()), key=SEVERITY.index, default=None)

    # The units whose training and equipment count: those of the view (only those the
    # reader may see count, as training_summary and equipment_summary check).
    scope = (
        units
        if units is not None
        else sorted(
            captions(
                session=session,
                entity_ids={u for _y, _t, u, *_rest in ledger if u},
                visible=visible,
            )
        )
    )
    training = training_summary(
        session=session, actor=actor, unit_ids=scope, fiscal_year=fiscal_year
    )
    equipment = equipment_summary(
        session=session, actor=actor, unit_ids=scope, fiscal_year=fiscal_year
    )
    years = sorted(set(money) | set(steps_by_year) | set(allegations_by_year), reverse=True)
    if fiscal_year is not None:
        years = [y for y in years if y == fiscal_year] or [fiscal_year]
    shown_years: list[YearRead] = []
    for year in years:
        cells = money.get(year, {})
        rows = [
            MoneyRead(
                type=kind,
                type_label=codes.label(codes.TRANSACTION_TYPES, kind, locale),
                usd=Decimal(cells[kind][0]),
                count=int(cells[kind][1]),
            )
            for kind in sorted(cells, key=_type_order)
        ]
        found = allegations_by_year.get(year, [])
        shown_years.append(
            YearRead(
                fiscal_year=year,
                money=rows,
                received_usd=sum((m.usd for m in rows if m.type in RECEIVED), Decimal(0)).quantize(
                    CENT
                ),
                allegations=len(found),
                allegations_by_status=_counts((a[2] for a in found), "allegation_statuses", locale),
                allegations_by_violation=_counts(
                    (c for a in found for c in a[4]), "violations", locale
                ),
                vetting_decisions=steps_by_year.get(year, []),
                training=(
                    training
                    if year == fiscal_year or not training.events
                    else training_summary(
                        session=session, actor=actor, unit_ids=scope, fiscal_year=year
                    )
                ),
                equipment=(
                    equipment
                    if year == fiscal_year or not equipment.items
                    else equipment_summary(
                        session=session, actor=actor, unit_ids=scope, fiscal_year=year
                    )
                ),
            )
        )

    used = ledger_marks | allegation_marks | {r.marking_id for r in requests}
    if training.events or equipment.items:
        used |= _training_marks(session, visible, scope, fiscal_year)
    marks = markings_by_id(session=session, ids=used)
    shown_marks: list[Markings] = sorted(
        {m.banner(): m for m in marks.values()}.values(), key=lambda m: m.banner()
    )
    banner, tlp = highest(shown_marks)
    record(
        session=session,
        actor=actor,
        action="list",
        kind="accountability",
        ids=[r.id for r in requests_by_id.values()] + [a[0] for a in allegations],
    )
    return AccountabilityRead(
        unit=unit,
        unit_caption=unit_caption,
        programme=programme,
        programme_name=programme_name,
        partner=partner,
        fiscal_year=fiscal_year,
        years=shown_years,
        received_usd=sum((y.received_usd for y in shown_years), Decimal(0)).quantize(CENT),
        allegations=len(allegations),
        allegations_by_status=_counts((a[2] for a in allegations), "allegation_statuses", locale),
        allegations_by_violation=_counts(
            (c for a in allegations for c in a[4]), "violations", locale
        ),
        vetting_status=overall,
        vetting_status_label=gettext(locale, STATUSES[overall]) if overall else None,
        vetting=now,
        training=training,
        equipment=equipment,
        states=[
            StateRead(
                state=state,
                usd=Decimal(cell[0]),
                received_usd=Decimal(cell[1]),
                allegations=int(cell[2]),
            )
            for state, cell in sorted(by_state.items())
        ],
        markings=[markings_read(m) for m in shown_marks],
        banner=banner,
        banner_tlp=tlp,
    )


def fiscal_year_of(day: date | datetime) -> int:
    return fiscal_year(day.date() if isinstance(day, datetime) else day)


def _type_order(kind: str) -> tuple[int, str]:
    return (0, "") if kind == codes.APPROPRIATION else (1, kind.zfill(3))


__all__ = ["AccountabilityRead", "accountability"]
