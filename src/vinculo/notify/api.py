"""REST routes for notifications and the watchlist: each reader's own, of items they may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from vinculo.notify import service, watch, webhooks
from vinculo.notify.models import NotifyState
from vinculo.notify.schemas import (
    NotificationList,
    NotificationRead,
    ReadIn,
    ReadResult,
    WatchCreate,
    WatchList,
    WatchRead,
    WebhookRead,
    WebhookSet,
)
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=NotificationList)
def notifications(session: SessionDep, actor: ApiActor) -> NotificationList:
    """The newest notifications of items the reader may see now, and how many are unread."""
    watch.scan(session=session, actor=actor)
    items = service.list_notifications(session=session, actor=actor)
    return NotificationList(
        items=[
            NotificationRead(
                id=n.id,
                kind=n.kind,
                message=n.sentence,
                label=n.item_label,
                item_kind=n.item.kind,
                item_id=n.item.id,
                link=n.link,
                created_at=n.created_at,
                read=n.read,
            )
            for n in items
        ],
        unread=service.unread_count(session=session, actor=actor),
    )


@router.post("/notifications/read", response_model=ReadResult)
def mark_read(read_in: ReadIn, session: SessionDep, actor: WriteActor) -> ReadResult:
    """Mark the reader's notifications read: those named, or all of them."""
    return ReadResult(marked=service.mark_read(session=session, actor=actor, ids=read_in.ids))


@router.get("/watch", response_model=WatchList)
def watchlist(session: SessionDep, actor: ApiActor) -> WatchList:
    """What the reader watches: entities, names, phones, searches."""
    return WatchList(
        items=[
            WatchRead(id=w.id, kind=w.kind, value=w.value, link=w.link)
            for w in watch.list_watches(session=session, actor=actor)
        ]
    )


@router.post("/watch", response_model=WatchRead, status_code=201)
def add_watch(watch_in: WatchCreate, session: SessionDep, actor: WriteActor) -> WatchRead:
    """Watch an entity (its id), a name, a phone number or a search."""
    row = watch.add_watch(session=session, actor=actor, kind=watch_in.kind, value=watch_in.value)
    return WatchRead(
        id=watch.watch_key(row),
        kind=row.kind,
        value=row.value,
        link=watch.link_for(row.kind, row.value, row.norm),
    )


@router.delete("/watch/{watch_id}", status_code=204)
def remove_watch(
    watch_id: Annotated[str, Path(max_length=64)], session: SessionDep, actor: WriteActor
) -> None:
    """Stop watching; someone else's watch answers as a missing one."""
    watch.remove_watch(session=session, actor=actor, watch_id=watch_id)


def _webhook(session: SessionDep, settings: SettingsDep, actor: ApiActor) -> WebhookRead:
    # Read, not made: a GET stores nothing (an account that never chose has no row yet).
    state = session.get(NotifyState, actor.user_id)
    url = state.webhook_url if state is not None else ""
    return WebhookRead(url=url, hosts=sorted(settings.webhook_hosts))


@router.get("/notifications/webhook", response_model=WebhookRead)
def webhook(session: SessionDep, settings: SettingsDep, actor: ApiActor) -> WebhookRead:
    """The reader's webhook (never its secret) and the hosts this node may call."""
    return _webhook(session, settings, actor)


@router.put("/notifications/webhook", response_model=WebhookRead)
def set_webhook(
    webhook_in: WebhookSet, session: SessionDep, settings: SettingsDep, actor: WriteActor
) -> WebhookRead:
    """Send the reader's notifications to this address, signed with a new secret (shown once)."""
    secret = webhooks.set_webhook(
        session=session, settings=settings, actor=actor, url=webhook_in.url
    )
    return _webhook(session, settings, actor).model_copy(update={"secret": secret})


@router.delete("/notifications/webhook", status_code=204)
def remove_webhook(session: SessionDep, actor: WriteActor) -> None:
    """Send the reader's notifications to no webhook."""
    webhooks.remove_webhook(session=session, actor=actor)
