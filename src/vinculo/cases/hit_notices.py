"""A deconfliction hit's notice to one side, on the same node (cases/targets.py) or from a
partner's pointer (cases/pointers.py): its case's timeline and the audit chain, naming only
its own case and registration and the other side's contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from vinculo.cases.models import CaseEvent, CaseNotice
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor

# The notification the other side's registrant gets, pointing at their own case.
HIT = "deconfliction_hit"
HIT_SENTENCE = N_("Another agency has an active interest in a subject registered on your case")


def tell(
    session: Session,
    *,
    actor: Actor | None,
    case_id: str,
    target_id: str,
    contact: tuple[str, str, str],
    now: datetime,
) -> CaseNotice:
    """One side's notice: on its case's timeline and the audit chain, naming only its own
    case and registration and the other side's contact."""
    name, agency, phone = contact
    notice = CaseNotice(
        case_id=case_id,
        target_id=target_id,
        contact_name=name,
        contact_agency=agency,
        contact_phone=phone,
        at=now,
    )
    session.add(notice)
    session.add(
        CaseEvent(
            case_id=case_id,
            at=now,
            actor=actor.username or "" if actor else "",
            action="deconfliction",
            item=f"target:{target_id}",
            note=f"{name} · {agency} · {phone}",
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=case_id,
        ids=[case_id],
        detail={
            "change": "deconfliction_notice",
            "target": target_id,
            "contact": {"name": name, "agency": agency, "phone": phone},
        },
    )
    return notice
