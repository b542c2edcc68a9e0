"""Money recorded in Vínculo: a disbursement reaches a unit or person only through the Leahy
gate (oversight/vetting.require_valid_approval), checked on the day it is recorded for.

An imported row (assistance/importer.py) is history already spent and is not gated; a row
recorded here is a new act, so it is refused, with the reason, when the recipient lacks an
approval for disbursements on that day or is suspended or denied.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.assistance import codes
from vinculo.assistance.disbursement_schemas import DisbursementCreate
from vinculo.assistance.models import LedgerTransaction, Programme, fiscal_year
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.service import markings_from_input
from vinculo.oversight.vetting import require_valid_approval
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.policy import marking_id_for, markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, require

SOURCE = "vinculo"
# Money that reaches its recipient: these need the recipient's approval.
REACHING = {codes.DISBURSEMENT, "4"}


def _programme(session: Session, visible: list[int], programme_id: str) -> Programme:
    found = session.execute(
        select(Programme).where(Programme.id == programme_id, Programme.marking_id.in_(visible))
    ).scalar_one_or_none()
    if found is None:
        # A programme the actor may not see is answered as one that does not exist.
        raise NotFound(N_("no such programme"), field="programme_id")
    return found


def _reversed(session: Session, visible: list[int], row_id: str, programme_id: str) -> None:
    found = session.execute(
        select(LedgerTransaction.id).where(
            LedgerTransaction.id == row_id,
            LedgerTransaction.programme_id == programme_id,
            LedgerTransaction.marking_id.in_(visible),
        )
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput(
            N_("no ledger row {value} of this programme to reverse"), field="reverses", value=row_id
        )


def _check(session: Session, visible: list[int], given: DisbursementCreate) -> list[InvalidInput]:
    errors: list[InvalidInput] = []
    if codes.label(codes.TRANSACTION_TYPES, given.type, "en") == given.type:
        errors.append(
            InvalidInput(N_("unknown transaction type {value}"), field="type", value=given.type)
        )
    if given.usd == 0:
        errors.append(InvalidInput(N_("the amount is zero"), field="usd"))
    if given.usd < 0 and not given.reverses:
        errors.append(
            InvalidInput(N_("a negative amount needs the ledger row it reverses"), field="reverses")
        )
    if given.reverses:
        try:
            _reversed(session, visible, given.reverses, given.programme_id)
        except InvalidInput as error:
            errors.append(error)
    if given.type in REACHING and given.usd > 0 and not given.recipient_entity_id:
        errors.append(
            InvalidInput(
                N_("a disbursement names the unit or person it reaches"),
                field="recipient_entity_id",
            )
        )
    return errors


def record_disbursement(
    *, session: Session, actor: Actor, given: DisbursementCreate
) -> LedgerTransaction:
    """Store one ledger row, all or nothing; money reaching a recipient passes the gate."""
    require(actor, Permission.RECORD_ASSISTANCE)
    visible = visible_marking_ids(session=session, actor=actor)
    programme = _programme(session, visible, given.programme_id)
    errors = _check(session, visible, given)
    markings: Markings | None = None
    if given.markings is None:
        markings = markings_by_id(session=session, ids={programme.marking_id})[programme.marking_id]
    else:
        try:
            markings = markings_from_input(session=session, actor=actor, markings_in=given.markings)
        except MarkingError as error:
            error.field = f"markings.{error.field}"
            errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None
    if given.type in REACHING and given.usd > 0 and given.recipient_entity_id:
        require_valid_approval(
            session=session,
            subject_entity_id=given.recipient_entity_id,
            purpose="disbursement",
            on=given.date,
        )
    row_id = secrets.token_hex(8)
    row = LedgerTransaction(
        id=row_id,
        key=f"{SOURCE}:{row_id}",
        programme_id=programme.id,
        fiscal_year=fiscal_year(given.date),
        transaction_date=given.date,
        type=given.type,
        partner=(given.partner or programme.partner).strip(),
        unit_name=given.recipient_name.strip(),
        unit_entity_id=given.recipient_entity_id,
        usd=given.usd,
        constant_usd=None,
        mxn=given.mxn,
        rate=given.rate,
        reverses=given.reverses,
        source=SOURCE,
        release="",
        source_line=0,
        marking_id=marking_id_for(session=session, markings=markings),
    )
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="ledger",
        target=row.id,
        ids=[row.id],
        detail={
            "change": "recorded",
            "programme": programme.id,
            "type": given.type,
            "usd": str(Decimal(given.usd)),
            "recipient": given.recipient_entity_id or "",
            "markings": markings.signature(),
        },
    )
    return row
