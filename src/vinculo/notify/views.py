"""Pages: the reader's notifications (the bell), their e-mail and webhook, their watchlist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vinculo.errors import InvalidFields, InvalidInput, NotFound, VinculoError
from vinculo.intel.views import Show
from vinculo.notify import service, watch, webhooks
from vinculo.notify.models import NotifyState
from vinculo.security.markings import Actor
from vinculo.settings import Settings
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)


def _errors(error: VinculoError, locale: str) -> dict[str, list[str]]:
    """The error's messages by the field they name, in the reader's language."""
    if isinstance(error, InvalidFields):
        return error.by_field(locale)
    return {error.field or "": [error.detail(locale)]}


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in or actor.user_id is None:
        return sign_in_first(request)
    return _notifications(request, session, actor)


def _notifications(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    secret: str | None = None,
) -> Response:
    assert actor.user_id is not None
    settings: Settings = request.app.state.settings
    watch.scan(session=session, actor=actor)
    items = service.list_notifications(session=session, actor=actor)
    state: NotifyState = service.state_for(session=session, user_id=actor.user_id)
    return render(
        request,
        "notify/notifications.html",
        actor=actor,
        status_code=status_code,
        show=Show(actor.locale),
        items=items,
        unread_here=sum(1 for n in items if not n.read),
        form={"email": state.email, "by_email": state.by_email, **(form or {})},
        webhook_url=state.webhook_url,
        webhook_hosts=sorted(settings.webhook_hosts),
        secret=secret,
        errors=errors or {},
        saved=request.query_params.get("saved") == "1",
    )


@router.post("/notifications/read")
def mark_read_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    id: Annotated[int | None, Form()] = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    service.mark_read(session=session, actor=actor, ids=None if id is None else [id])
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    email: Annotated[str, Form(max_length=254)] = "",
    by_email: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in or actor.user_id is None:
        return sign_in_first(request)
    wanted = by_email == "on"
    try:
        with session.begin_nested():
            service.set_email(session=session, actor=actor, email=email, by_email=wanted)
    except InvalidInput as error:
        return _notifications(
            request,
            session,
            actor,
            status_code=422,
            errors=_errors(error, actor.locale),
            form={"email": email, "by_email": wanted},
        )
    return RedirectResponse("/notifications?saved=1", status_code=303)


@router.post("/notifications/webhook", response_class=HTMLResponse)
def webhook_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PageActor,
    url: Annotated[str, Form(max_length=500)] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in or actor.user_id is None:
        return sign_in_first(request)
    if remove:
        webhooks.remove_webhook(session=session, actor=actor)
        return RedirectResponse("/notifications?saved=1", status_code=303)
    try:
        with session.begin_nested():
            secret = webhooks.set_webhook(session=session, settings=settings, actor=actor, url=url)
    except InvalidInput as error:
        return _notifications(
            request,
            session,
            actor,
            status_code=422,
            errors=_errors(error, actor.locale),
            form={"url": url},
        )
    # The secret is shown in this answer alone: not redirected to a page that could show it again.
    return _notifications(request, session, actor, secret=secret)


@router.get("/watch", response_class=HTMLResponse)
def watch_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _watch(request, session, actor)


def _watch(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    errors: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "notify/watch.html",
        actor=actor,
        status_code=status_code,
        show=Show(actor.locale),
        watches=watch.list_watches(session=session, actor=actor),
        kinds=watch.WATCH_KINDS,
        errors=errors or {},
        form=form
        or {
            "kind": request.query_params.get("kind", "name"),
            "value": request.query_params.get("value", ""),
        },
    )


@router.post("/watch", response_class=HTMLResponse)
def add_watch_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    kind: Annotated[str, Form(max_length=16)] = "",
    value: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        with session.begin_nested():
            watch.add_watch(session=session, actor=actor, kind=kind, value=value)
    except (InvalidInput, NotFound) as error:
        # An entity id the reader may not see is refused as a missing one: the same 404.
        return _watch(
            request,
            session,
            actor,
            status_code=422 if isinstance(error, InvalidInput) else 404,
            errors=_errors(error, actor.locale),
            form={"kind": kind, "value": value},
        )
    return RedirectResponse("/watch", status_code=303)


@router.post("/watch/{watch_id}/delete")
def remove_watch_page(
    request: Request, watch_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    # Any text is taken (and answers as a missing watch).
    watch.remove_watch(session=session, actor=actor, watch_id=watch_id[:64])
    return RedirectResponse("/watch", status_code=303)
