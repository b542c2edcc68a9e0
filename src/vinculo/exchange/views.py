"""The release queue (API and page) and the exchange's state page (partners, cursors,
quarantine). Only supervisors decide releases, and only their own agency's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from vinculo.errors import VinculoError
from vinculo.exchange import release
from vinculo.exchange.models import QuarantinedObject, SyncCursor
from vinculo.exchange.partners import collections
from vinculo.intel.marks import dataset_markings, report_markings
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, require
from vinculo.web.deps import ApiActor, PageActor, SessionDep, SettingsDep, WriteActor, sign_in_first
from vinculo.web.templating import render

api = APIRouter(prefix="/exchange", tags=["exchange"])
pages = APIRouter(include_in_schema=False)


class ReleaseRead(BaseModel):
    id: int
    dataset: str
    report_id: str | None
    partner: str
    originator: str
    state: str
    title: str
    decided_by: str | None
    reason: str


class ReleaseList(BaseModel):
    items: list[ReleaseRead]


class ReleaseDecision(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=2000)


def _read(item: release.ReleaseItem) -> ReleaseRead:
    return ReleaseRead(
        id=item.id,
        dataset=item.dataset,
        report_id=item.report_id,
        partner=item.partner,
        originator=item.originator,
        state=item.state,
        title=item.title,
        decided_by=item.decided_by,
        reason=item.reason,
    )


@api.get("/releases", response_model=ReleaseList)
def list_releases(session: SessionDep, actor: ApiActor, decided: bool = False) -> ReleaseList:
    """ORCON items of the actor's agency waiting for release to a partner node."""
    items = release.pending(session=session, actor=actor, include_decided=decided)
    return ReleaseList(items=[_read(i) for i in items])


@api.post("/releases/{request_id}", response_model=ReleaseRead)
def decide_release(
    request_id: int, decision: ReleaseDecision, session: SessionDep, actor: WriteActor
) -> ReleaseRead:
    """Approve or refuse one release; the publisher sends an approved item at once."""
    row = release.decide(
        session=session,
        actor=actor,
        request_id=request_id,
        approve=decision.approve,
        reason=decision.reason,
    )
    items = release.pending(session=session, actor=actor, include_decided=True)
    return _read(next(i for i in items if i.id == row.id))


def _marks(
    session: SessionDep, actor: Actor, items: list[release.ReleaseItem]
) -> dict[int, list[Markings]]:
    """Each release item's markings, as the page shows them beside it: its report's, or
    those of the imported statements it stands for."""
    visible = visible_marking_ids(session=session, actor=actor)
    reports = report_markings(
        session=session, report_ids=[i.report_id for i in items if i.report_id], visible=visible
    )
    datasets = dataset_markings(
        session=session, datasets=[i.dataset for i in items if not i.report_id], visible=visible
    )
    return {
        i.id: [reports[i.report_id]] if i.report_id in reports else datasets.get(i.dataset, [])
        for i in items
    }


@pages.get("/exchange/releases")
def releases_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    items = release.pending(session=session, actor=actor, include_decided=True)
    waiting = [i for i in items if i.state == "pending"]
    decided = [i for i in items if i.state != "pending"]
    return render(
        request,
        "exchange/releases.html",
        actor=actor,
        waiting=waiting,
        decided=decided,
        marks=_marks(session, actor, items),
    )


@pages.post("/exchange/releases/{request_id}")
def releases_decide(
    request_id: int,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        release.decide(
            session=session,
            actor=actor,
            request_id=request_id,
            approve=decision == "approve",
            reason=reason,
        )
    except VinculoError as problem:
        if problem.field != "reason":
            raise
        session.rollback()
        items = release.pending(session=session, actor=actor, include_decided=True)
        return render(
            request,
            "exchange/releases.html",
            actor=actor,
            waiting=[i for i in items if i.state == "pending"],
            decided=[i for i in items if i.state != "pending"],
            marks=_marks(session, actor, items),
            problem=problem.render(actor.locale),
            problem_id=request_id,
            status_code=422,
        )
    return RedirectResponse("/exchange/releases", status_code=303)


@pages.get("/exchange")
def exchange_page(
    request: Request, session: SessionDep, settings: SettingsDep, actor: PageActor
) -> Response:
    """This node, its partners, the collections it serves, where each pull stands and what
    was quarantined (ids, reasons and counts only: no content)."""
    if not actor.signed_in:
        return sign_in_first(request)
    require(actor, Permission.RELEASE)
    cursors = list(session.execute(select(SyncCursor).order_by(SyncCursor.partner)).scalars())
    quarantine: list[Any] = list(
        session.execute(
            select(
                QuarantinedObject.partner,
                QuarantinedObject.reason,
                func.count().label("n"),
                func.max(QuarantinedObject.received_at).label("last"),
            ).group_by(QuarantinedObject.partner, QuarantinedObject.reason)
        )
    )
    return render(
        request,
        "exchange/status.html",
        actor=actor,
        settings=settings,
        collections=collections(session=session),
        cursors=cursors,
        quarantine=quarantine,
    )
