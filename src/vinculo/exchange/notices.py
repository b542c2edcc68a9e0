"""Release requests as items notifications may point at, and the notice a new one sends.

A release request is seen by those who may decide it (exchange/release.py): supervisors of
the originating agency who may see its source. Wired by vinculo.hooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.exchange.models import ReleaseRequest
from vinculo.exchange.release import _visible_sources
from vinculo.i18n import N_
from vinculo.notify.items import Item, ItemKind
from vinculo.notify.service import notify_holders
from vinculo.security.markings import Actor
from vinculo.security.roles import Permission, allowed

MAX_ID = 2**31 - 1


def visible_releases(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    numbers = [int(i) for i in ids if i.isdigit() and 0 < int(i) <= MAX_ID]
    if not numbers or not allowed(actor, Permission.RELEASE):
        return set()
    rows = list(
        session.execute(
            select(ReleaseRequest).where(
                ReleaseRequest.id.in_(numbers), ReleaseRequest.originator == (actor.agency or "")
            )
        ).scalars()
    )
    sources = _visible_sources(session, actor, sorted({r.dataset for r in rows}))
    return {str(r.id) for r in rows if r.dataset in sources}


RELEASE = ItemKind(
    "release", visible_releases, lambda _i: "/exchange/releases", N_("release request {id}")
)


def announce(session: Session, requests: list[ReleaseRequest]) -> None:
    """Tell the originating agency's supervisors of new release requests."""
    for request in requests:
        notify_holders(
            session,
            agency=request.originator,
            permission=Permission.RELEASE,
            kind="release_request",
            item=Item("release", str(request.id)),
        )
