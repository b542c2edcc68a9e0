"""REST route that records money in the ledger (the Leahy gate decides a disbursement)."""

from __future__ import annotations

from fastapi import APIRouter

from vinculo.assistance import disbursements
from vinculo.assistance.disbursement_schemas import DisbursementCreate
from vinculo.assistance.schemas import LedgerRead
from vinculo.assistance.service import ledger_read
from vinculo.web.deps import SessionDep, WriteActor

router = APIRouter(prefix="/assistance", tags=["assistance"])


@router.post("/disbursements", response_model=LedgerRead, status_code=201)
def record_disbursement(
    given: DisbursementCreate, session: SessionDep, actor: WriteActor
) -> LedgerRead:
    row = disbursements.record_disbursement(session=session, actor=actor, given=given)
    return ledger_read(session=session, actor=actor, row=row)
