"""Programmes and the ledger, read under the access policy.

Every read filters rows by `visible_marking_ids`, so a row the reader may not see is
counted, summed and paged as if it did not exist. A ledger row names its programme only
when the reader may also see the programme, and a filter by programme matches only a
programme the reader may see, so a hidden programme's id is never confirmed.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from vinculo.assistance import codes
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.schemas import (
    LedgerList,
    LedgerRead,
    ProgrammeList,
    ProgrammeRead,
    TotalRead,
    Totals,
)
from vinculo.intel.service import markings_read
from vinculo.pagination import encode_key, newest_page
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import markings_by_id, visible_marking_ids

CENT = Decimal("0.01")


def list_programmes(
    *, session: Session, actor: Actor, cursor: str | None = None, limit: int = 25
) -> ProgrammeList:
    """Newest first, only the programmes the actor may see; `total` counts only those."""
    visible = visible_marking_ids(session=session, actor=actor)
    rows, more, total = newest_page(
        session, Programme, [Programme.marking_id.in_(visible)], cursor, limit
    )
    marks = markings_by_id(session=session, ids={p.marking_id for p in rows})
    record(session=session, actor=actor, action="list", kind="programme", ids=[p.id for p in rows])
    locale = actor.locale
    return ProgrammeList(
        items=[
            ProgrammeRead(
                id=p.id,
                name_en=p.name_en,
                name_es=p.name_es,
                description=p.description,
                pillar=p.pillar,
                pillar_label=codes.label(codes.PILLARS, p.pillar, locale),
                goal=p.goal,
                goal_label=codes.label(codes.GOALS, p.goal, locale),
                account=p.account,
                account_label=codes.label(codes.ACCOUNTS, p.account, locale),
                sector=p.sector,
                sector_label=codes.label(codes.SECTORS, p.sector, locale),
                partner=p.partner,
                funding_agency=p.funding_agency,
                managing_agency=p.managing_agency,
                source=p.source,
                release=p.release,
                markings=markings_read(marks[p.marking_id]),
            )
            for p in rows
        ],
        total=total,
        next_cursor=encode_key(rows[-1].id) if more and rows else None,
    )


def ledger_conditions(
    visible: list[int],
    *,
    fiscal_year: int | None,
    programme: str | None,
    partner: str | None,
    unit: str | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [LedgerTransaction.marking_id.in_(visible)]
    if fiscal_year is not None:
        where.append(LedgerTransaction.fiscal_year == fiscal_year)
    if programme is not None:
        shown = select(Programme.id).where(
            Programme.id == programme, Programme.marking_id.in_(visible)
        )
        where.append(LedgerTransaction.programme_id.in_(shown))
    if partner is not None:
        where.append(LedgerTransaction.partner == partner)
    if unit is not None:
        # A unit is asked for by its entity id or by its name as the source wrote it.
        where.append(
            (LedgerTransaction.unit_entity_id == unit) | (LedgerTransaction.unit_name == unit)
        )
    return where


def _ledger_read(
    r: LedgerTransaction, programme_shown: bool, marks: dict[int, Markings], locale: str
) -> LedgerRead:
    return LedgerRead(
        id=r.id,
        programme_id=r.programme_id if programme_shown else None,
        fiscal_year=r.fiscal_year,
        date=r.transaction_date,
        type=r.type,
        type_label=codes.label(codes.TRANSACTION_TYPES, r.type, locale),
        partner=r.partner,
        unit_name=r.unit_name,
        unit_entity_id=r.unit_entity_id,
        usd=r.usd,
        constant_usd=r.constant_usd,
        mxn=r.mxn,
        rate=r.rate,
        reverses=r.reverses,
        source=r.source,
        release=r.release,
        markings=markings_read(marks[r.marking_id]),
    )


def ledger_read(*, session: Session, actor: Actor, row: LedgerTransaction) -> LedgerRead:
    """One ledger row the actor has just written (and so may see) as the API shows it."""
    visible = visible_marking_ids(session=session, actor=actor)
    programme_shown = (
        session.execute(
            select(Programme.id).where(
                Programme.id == row.programme_id, Programme.marking_id.in_(visible)
            )
        ).scalar_one_or_none()
        is not None
    )
    marks = markings_by_id(session=session, ids={row.marking_id})
    return _ledger_read(row, programme_shown, marks, actor.locale)


def list_ledger(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    fiscal_year: int | None = None,
    programme: str | None = None,
    partner: str | None = None,
    unit: str | None = None,
) -> LedgerList:
    """Newest first, only the ledger rows the actor may see; `total` counts only those."""
    visible = visible_marking_ids(session=session, actor=actor)
    where = ledger_conditions(
        visible, fiscal_year=fiscal_year, programme=programme, partner=partner, unit=unit
    )
    rows, more, total = newest_page(session, LedgerTransaction, where, cursor, limit)
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    wanted = {r.programme_id for r in rows}
    shown = set(
        session.execute(
            select(Programme.id).where(Programme.id.in_(wanted), Programme.marking_id.in_(visible))
        ).scalars()
    )
    record(session=session, actor=actor, action="list", kind="ledger", ids=[r.id for r in rows])
    return LedgerList(
        items=[_ledger_read(r, r.programme_id in shown, marks, actor.locale) for r in rows],
        total=total,
        next_cursor=encode_key(rows[-1].id) if more and rows else None,
    )


def totals(
    *,
    session: Session,
    actor: Actor,
    fiscal_year: int | None = None,
    programme: str | None = None,
    partner: str | None = None,
    unit: str | None = None,
) -> Totals:
    """USD by fiscal year and transaction type over the rows the actor may see."""
    visible = visible_marking_ids(session=session, actor=actor)
    where = ledger_conditions(
        visible, fiscal_year=fiscal_year, programme=programme, partner=partner, unit=unit
    )
    found = session.execute(
        select(
            LedgerTransaction.fiscal_year,
            LedgerTransaction.type,
            func.sum(LedgerTransaction.usd),
            func.count(LedgerTransaction.seq),
        )
        .where(*where)
        .group_by(LedgerTransaction.fiscal_year, LedgerTransaction.type)
        .order_by(LedgerTransaction.fiscal_year, LedgerTransaction.type)
    ).all()
    record(session=session, actor=actor, action="list", kind="ledger_totals", ids=[])
    return Totals(
        items=[
            TotalRead(
                fiscal_year=year,
                type=kind,
                type_label=codes.label(codes.TRANSACTION_TYPES, kind, actor.locale),
                # SQLite sums Numeric as a float: back to cents, exact for any ledger's sum.
                usd=Decimal(str(total)).quantize(CENT),
                count=count,
            )
            for year, kind, total, count in found
        ]
    )
