"""HTML pages: sign-in and sign-out here; each domain adds its own views router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo.db import transaction
from vinculo.errors import AuthError, VinculoError
from vinculo.i18n import N_, gettext, pick_locale
from vinculo.security import sessions
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User
from vinculo.web.deps import (
    IDLE_NOTICE,
    LIFETIME_NOTICE,
    SESSION_KEY,
    LocaleDep,
    PageActor,
    SessionDep,
    SettingsDep,
    end_page_session,
    get_page_actor,
)
from vinculo.web.signin import check_rate, in_sign_in_pool, sign_in
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the sign-in form cannot send anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def error_page(request: Request, status: int, exc: VinculoError) -> Response:
    locale = request.query_params.get("lang") or request.session.get("locale")
    if locale not in ("en", "es"):
        locale = pick_locale(request.headers.get("accept-language"))
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    # Raised before the page's own dependencies ran to the end, so the actor is found again.
    with request.app.state.sessions() as session:
        actor = get_page_actor(request, session, str(locale), request.app.state.settings)
    return render(request, "error.html", actor=actor, status_code=status, status=status, error=exc)


def _notice(request: Request, settings: SettingsDep, locale: str) -> str | None:
    """Why the visitor is back at sign-in, said once."""
    notice = request.session.pop("notice", None)
    if notice == IDLE_NOTICE:
        return gettext(
            locale,
            N_("You were signed out after {minutes} minutes without activity. Sign in again."),
            minutes=f"{settings.session_idle_minutes:g}",
        )
    if notice == LIFETIME_NOTICE:
        return gettext(
            locale,
            N_("You were signed out: a session lasts at most {hours} hours. Sign in again."),
            hours=f"{settings.session_max_hours:g}",
        )
    return None


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, locale: LocaleDep, settings: SettingsDep, next: str = "/"
) -> Response:
    actor = Actor(username=None, locale=locale)
    return render(
        request,
        "login.html",
        actor=actor,
        next=_safe_next(next),
        error=None,
        notice=_notice(request, settings, locale),
    )


def _record_failure(request: Request, username: str, error: VinculoError, status: int) -> None:
    with transaction(request.app.state.sessions) as session:
        record(
            session=session,
            actor=None,
            action="sign_in" if status == 401 else "refused",
            kind="account",
            target=username.strip()[:64],
            outcome="failed" if status == 401 else str(status),
            detail={
                "error": error.render("en"),
                "client": request.client.host if request.client else None,
            },
        )


def _start_session(request: Request, user: User) -> str:
    """A new server-side session; an earlier one in this browser ends."""
    with transaction(request.app.state.sessions) as session:
        sessions.end(session=session, key=request.session.get(SESSION_KEY))
        return sessions.start(
            session=session, user=user, user_agent=request.headers.get("user-agent")
        )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    locale: LocaleDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """No transaction is open while the password is checked (web/signin.py)."""
    error: VinculoError | None = check_rate(request, username)
    status = 429
    if error is None:
        try:
            user = await sign_in(request, username=username, password=password, code=code)
        except AuthError as refused:
            # The failure count (and the lockout it may lead to) is committed already.
            error, status = refused, 401
    if error is not None:
        await in_sign_in_pool(request, lambda: _record_failure(request, username, error, status))
        actor = Actor(username=None, locale=locale)
        headers = {"Retry-After": str(error.params["seconds"])} if status == 429 else None
        response = render(
            request,
            "login.html",
            actor=actor,
            status_code=status,
            next=_safe_next(next),
            error=error,
            username=username,
        )
        response.headers.update(headers or {})
        return response
    key = await in_sign_in_pool(request, lambda: _start_session(request, user))
    # A new session (and so a new CSRF token) for the signed-in account: none carried over.
    request.session.clear()
    request.session[SESSION_KEY] = key
    request.session["locale"] = locale if "lang" in request.query_params else user.locale
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if actor.signed_in:
        record(
            session=session,
            actor=actor,
            action="sign_out",
            kind="account",
            target=actor.username,
        )
    # Ended on the server: a copy of this cookie signs nobody in any more.
    sessions.end(session=session, key=request.session.get(SESSION_KEY))
    end_page_session(request)
    return RedirectResponse("/login", status_code=303)
