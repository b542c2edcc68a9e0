"""The release queue: originator-controlled (ORCON) sources wait here until a supervisor of
the originating agency approves their release to a partner node (or refuses it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, NotFound
from vinculo.exchange.changes import note_changed
from vinculo.exchange.models import ReleaseRequest
from vinculo.i18n import N_
from vinculo.intel.models import Report, StatementRow
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, require


@dataclass
class ReleaseItem:
    id: int
    dataset: str
    partner: str
    originator: str
    state: str
    requested_at: datetime
    decided_by: str | None
    reason: str
    title: str
    report_id: str | None


def _visible_sources(session: Session, actor: Actor, datasets: list[str]) -> dict[str, str]:
    """dataset -> title, for the sources whose statements (or report) the actor may see."""
    visible = visible_marking_ids(session=session, actor=actor)
    found: dict[str, str] = {}
    report_ids = [d.split(":", 1)[1] for d in datasets if d.startswith("report:")]
    if report_ids:
        for report in session.execute(
            select(Report).where(Report.id.in_(report_ids), Report.marking_id.in_(visible))
        ).scalars():
            found[f"report:{report.id}"] = report.title(actor.locale)
    others = [d for d in datasets if not d.startswith("report:")]
    if others:
        rows = session.execute(
            select(StatementRow.dataset)
            .where(StatementRow.dataset.in_(others), StatementRow.marking_id.in_(visible))
            .distinct()
        )
        for row in rows:
            found[row.dataset] = row.dataset
    return found


def pending(*, session: Session, actor: Actor, include_decided: bool = False) -> list[ReleaseItem]:
    """The requests the actor may decide: their agency originated them, and they may see them."""
    require(actor, Permission.RELEASE)
    query = select(ReleaseRequest).where(ReleaseRequest.originator == (actor.agency or ""))
    if not include_decided:
        query = query.where(ReleaseRequest.state == "pending")
    rows = list(session.execute(query.order_by(ReleaseRequest.id)).scalars())
    titles = _visible_sources(session, actor, sorted({r.dataset for r in rows}))
    items = [
        ReleaseItem(
            id=r.id,
            dataset=r.dataset,
            partner=r.partner,
            originator=r.originator,
            state=r.state,
            requested_at=r.requested_at,
            decided_by=r.decided_by,
            reason=r.reason,
            title=titles[r.dataset],
            report_id=r.dataset.split(":", 1)[1] if r.dataset.startswith("report:") else None,
        )
        for r in rows
        if r.dataset in titles
    ]
    record(
        session=session,
        actor=actor,
        action="list",
        kind="release",
        ids=[i.report_id or i.dataset for i in items],
    )
    return items


def decide(
    *, session: Session, actor: Actor, request_id: int, approve: bool, reason: str
) -> ReleaseRequest:
    """Approve or refuse a release; one the actor may not decide answers as a missing one."""
    require(actor, Permission.RELEASE)
    row = session.get(ReleaseRequest, request_id)
    if row is None or row.originator != actor.agency:
        raise NotFound(N_("no such release request"), field="id")
    if not _visible_sources(session, actor, [row.dataset]):
        raise NotFound(N_("no such release request"), field="id")
    if len(reason.strip()) < 5:
        raise InvalidInput(N_("say why the item is released or held"), field="reason")
    row.state = "approved" if approve else "refused"
    row.decided_by = actor.username
    row.decided_at = utcnow()
    row.reason = reason.strip()
    # The items the request names, and only they: the publisher looks at them again.
    ids = [str(i) for i in json.loads(row.items or "[]")]
    note_changed(session=session, item_ids=ids)
    record(
        session=session,
        actor=actor,
        action="release",
        kind="release",
        target=str(row.id),
        ids=ids,
        detail={
            "dataset": row.dataset,
            "partner": row.partner,
            "originator": row.originator,
            "state": row.state,
        },
    )
    return row
