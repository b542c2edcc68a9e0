"""Dependencies declared once: the database session, settings, locale and the actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Annotated
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request, Security
from fastapi.responses import RedirectResponse, Response
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.errors import AuthError, Forbidden
from vinculo.i18n import N_, pick_locale
from vinculo.security import sessions
from vinculo.security.audit import record
from vinculo.security.markings import PUBLIC, Actor
from vinculo.security.service import actor_for, token_for
from vinculo.settings import Settings

oauth2 = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    scopes={"read": "read what the account may see", "write": "file reports, import"},
)


# The dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in
# its thread pool, and the hand-off to a thread and back costs more than their work.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Requests that only read (HTTP's safe methods): their unit of work is read-only (db.py).
READING_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler succeeds, else rolled back.

    A GET or HEAD runs read-only: on SQLite it reads beside other readers instead of
    queueing for the write lock, and its reads' audit rows are appended just after it, before
    the answer is sent (vinculo.db.transaction).

    Opening the unit of work does no I/O (the session connects at its first statement), so
    it opens here, on the event loop; its end (commit or rollback, then close) talks to the
    database and runs in a worker thread, as FastAPI runs a plain generator dependency's,
    shielded from cancellation and outside the pool's limit (fastapi.concurrency's reasons).
    FastAPI would run the opening in a thread as well: one hand-off less per request.
    """
    reading = request.method in READING_METHODS
    unit = transaction(request.app.state.sessions, read_only=reading)
    session = unit.__enter__()
    # Kept for the page's own frame (the bell's count, web/templating.py), which reads in
    # this transaction rather than opening a second one beside it.
    request.state.session = session
    try:
        yield session
    except BaseException as exc:
        await _end(unit, exc)
        raise
    await _end(unit, None)


async def _end(unit: AbstractContextManager[Session], exc: BaseException | None) -> None:
    """Commit (no `exc`) or roll back, then close: in a worker thread, shielded."""
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(
            unit.__exit__,
            type(exc) if exc else None,
            exc,
            exc.__traceback__ if exc else None,
            limiter=CapacityLimiter(1),
        )


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": committed before the answer leaves, so a client that got its answer and
# asks again sees what the first request stored (the default would commit after sending).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_locale(request: Request, settings: SettingsDep) -> str:
    asked = request.query_params.get("lang")
    if asked in ("en", "es"):
        request.session["locale"] = asked
    chosen = asked or request.session.get("locale")
    if chosen in ("en", "es"):
        return str(chosen)
    return pick_locale(request.headers.get("accept-language"), settings.default_locale)


LocaleDep = Annotated[str, Depends(get_locale)]


def _with_locale(actor: Actor, locale: str) -> Actor:
    return Actor(
        username=actor.username,
        nation=actor.nation,
        agency=actor.agency,
        groups=actor.groups,
        roles=actor.roles,
        user_id=actor.user_id,
        locale=locale,
        time_zone=actor.time_zone,
    )


def get_api_actor(
    security_scopes: SecurityScopes,
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Actor:
    """The account behind the bearer token, if the token is live and holds the route's
    scopes; every API route but sign-in needs one."""
    if not token:
        raise AuthError(N_("sign in first: send an OAuth2 bearer token"))
    row = token_for(session=session, token=token)
    for scope in security_scopes.scopes:
        if scope not in row.scope_set:
            raise Forbidden(
                N_("this token lacks the scope {scope}; ask for a token with it"),
                field="scope",
                scope=scope,
            )
    locale = pick_locale(request.headers.get("accept-language"), row.user.locale)
    return _with_locale(actor_for(row.user), locale)


# Each API route declares its scope once, by the actor it takes.
ApiActor = Annotated[Actor, Security(get_api_actor, scopes=["read"])]
WriteActor = Annotated[Actor, Security(get_api_actor, scopes=["write"])]
TokenActor = Annotated[Actor, Security(get_api_actor)]  # any live token: manage tokens


IDLE_NOTICE = sessions.IDLE
LIFETIME_NOTICE = sessions.LIFETIME
# The one thing the cookie holds that signs in: the random key of a row in page_sessions.
SESSION_KEY = "sid"


def end_page_session(request: Request, notice: str | None = None) -> None:
    """Forget the page session in this cookie, keeping only its language (and a notice for
    /login). The server-side row is ended by the caller, where there is one."""
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale
    if notice:
        request.session["notice"] = notice


def sign_in_first(request: Request) -> Response:
    """To the sign-in page, and back to this page (query included) once signed in."""
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def get_page_actor(
    request: Request, session: SessionDep, locale: LocaleDep, settings: SettingsDep
) -> Actor:
    """The signed-in account of the page session, or the public.

    The cookie's key names a row in `page_sessions`; a session ended there (signed out, from
    any copy of the cookie) signs nobody in. One unused for `settings.session_idle_minutes`,
    older than `settings.session_max_hours`, or whose account was locked or disabled
    meanwhile ends now (and the sign-in page says why).
    """
    key = request.session.get(SESSION_KEY)
    if key is None:
        public = request.state.page_actor = _with_locale(PUBLIC, locale)
        return public
    resumed = sessions.resume(session=session, settings=settings, key=key)
    user = resumed.user
    if user is None or resumed.ended:
        notice = resumed.ended if resumed.ended in (IDLE_NOTICE, LIFETIME_NOTICE) else None
        end_page_session(request, notice)
        if user is not None:
            record(
                session=session,
                actor=actor_for(user),
                action="sign_out",
                kind="account",
                target=user.username,
                detail={"reason": resumed.ended},
            )
        return _with_locale(PUBLIC, locale)
    actor = request.state.page_actor = _with_locale(actor_for(user), locale)
    return actor


def page_actor_of(request: Request) -> Actor | None:
    """The actor `get_page_actor` found for this request: nobody signed in, or a live
    session's account (not one whose session it just ended), else None.

    A refusal's audit row and error page take it rather than look the session up twice
    more. The request's transaction has been rolled back by then, which leaves the session
    as it was when the actor was found.
    """
    found = getattr(request.state, "page_actor", None)
    return found if isinstance(found, Actor) else None


PageActor = Annotated[Actor, Depends(get_page_actor)]
