"""The dissemination record (28 CFR 23.20(f)): who received which items, why and when."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from vinculo.db import Base
from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.roles import Permission, require


class Dissemination(Base):
    __tablename__ = "disseminations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sender: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    ids: Mapped[str] = mapped_column(Text)


def disseminate(
    *,
    session: Session,
    actor: Actor,
    recipient: str,
    purpose: str,
    channel: str,
    kind: str,
    ids: Sequence[str],
) -> Dissemination:
    """Record that `ids` left Vínculo for `recipient`, and append it to the audit chain."""
    require(actor, Permission.DISSEMINATE)
    if not recipient.strip():
        raise InvalidInput(N_("name who receives the items"), field="recipient")
    if len(purpose.strip()) < 5:
        raise InvalidInput(N_("say why the items are disseminated"), field="purpose")
    row = Dissemination(
        sender=actor.username or "",
        recipient=recipient.strip(),
        purpose=purpose.strip(),
        channel=channel,
        kind=kind,
        ids=json.dumps(list(ids), ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="disseminate",
        kind=kind,
        target=recipient.strip(),
        ids=ids,
        detail={"purpose": purpose.strip(), "channel": channel, "dissemination": row.id},
    )
    return row
