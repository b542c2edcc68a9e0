"""How a refused request is answered and put on record, with one map from refusal to status.

A refusal (a `VinculoError` a handler raised) answers JSON under the API prefix and a page
elsewhere, in the reader's language, and leaves an audit row. The TAXII server answers in its
own media type (exchange/taxii_auth.py) but takes its status from the same map and records
the refusal here too.

The answers no handler planned: an unexpected exception (500) and Starlette's own HTTP errors
(unknown route, wrong method, a body that cannot be parsed). Starlette answers an unexpected
exception from its outermost middleware, outside every other, so that answer carried none of
the security headers and left no audit row. `CatchAll` sits just inside `SecurityHeaders`: it
answers the 500 itself, in the reader's language, records it on the audit chain, and logs the
traceback for the operators.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vinculo.db import transaction
from vinculo.errors import (
    AuthError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    VinculoError,
)
from vinculo.i18n import N_, pick_locale
from vinculo.security import sessions
from vinculo.security.audit import record
from vinculo.security.service import actor_for
from vinculo.web.deps import SESSION_KEY, page_actor_of
from vinculo.web.inputs import LONE_SURROGATE
from vinculo.web.pages import error_page

API_PREFIX = "/api/v1"

log = logging.getLogger("vinculo.web")


class ServerError(VinculoError):
    """An answer the server failed to give (HTTP 500); the cause is in the log."""


class HttpError(VinculoError):
    """One of Starlette's own HTTP errors, carried as the audit row and page expect."""

    def detail(self, locale: str) -> str:
        return str(self.params.get("detail", ""))


def server_error() -> ServerError:
    return ServerError(
        N_(
            "the server failed to answer this request; nothing of it was kept, and the "
            "failure is on record for the administrators"
        )
    )


class TooManyRequests(VinculoError):
    """More of something at once than this server allows (HTTP 429)."""


# The status of each kind of refusal, the most specific first: (kind, web, TAXII). TAXII 2.1
# answers any bad input 400, an oversized body too; the web tells them apart (413, 422).
_STATUSES: tuple[tuple[type[VinculoError], int, int], ...] = (
    (NotFound, 404, 404),
    (AuthError, 401, 401),
    (Forbidden, 403, 403),
    (TooManyRequests, 429, 429),
    (TooLarge, 413, 400),
    (InvalidInput, 422, 400),
)


def status_of(exc: VinculoError, *, taxii: bool = False) -> int:
    """The HTTP status a refusal answers with, on the web or (`taxii`) the TAXII server."""
    for kind, web_status, taxii_status in _STATUSES:
        if isinstance(exc, kind):
            return taxii_status if taxii else web_status
    return 400


def locale_of(request: Request) -> str:
    """The reader's language: `?lang=`, else the browser's Accept-Language."""
    chosen = request.query_params.get("lang")
    if chosen in ("en", "es"):
        return str(chosen)
    return pick_locale(request.headers.get("accept-language"), "en")


def record_refusal(
    session: Session,
    request: Request,
    exc: VinculoError,
    status: int,
    extra: dict[str, object] | None = None,
) -> None:
    """The audit row of a refused request, in the given session's transaction."""
    found = page_actor_of(request)
    if found is not None:
        actor = found if found.signed_in else None
    else:
        key = request.session.get(SESSION_KEY) if "session" in request.scope else None
        user = sessions.user_of(session=session, key=key)
        actor = actor_for(user) if user else None
    record(
        session=session,
        actor=actor,
        action="refused",
        kind="request",
        # The path as asked; a NUL in it (refused as input) cannot be stored either.
        target=request.url.path[:200].replace("\x00", "\ufffd"),
        outcome=str(status),
        detail={
            "method": request.method,
            "error": exc.render("en"),
            "field": exc.field,
            "username": exc.params.get("username"),
            "client": request.client.host if request.client else None,
            **(extra or {}),
        },
    )


def record_refusal_apart(
    request: Request, exc: VinculoError, status: int, extra: dict[str, object] | None = None
) -> None:
    """An audit row for every refused request, in a transaction of its own.

    The request's own transaction has been rolled back by now (nothing it tried is stored),
    so the attempt is written separately.
    """
    with transaction(request.app.state.sessions) as session:
        record_refusal(session, request, exc, status, extra)


def api_error_response(
    request: Request, exc: VinculoError, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON body every refused API request answers with, in the reader's language."""
    locale = locale_of(request)
    body: dict[str, object] = {"detail": exc.render(locale), "error": exc.to_dict(locale)}
    errors = getattr(exc, "errors", None)
    if errors:
        body["errors"] = [e.to_dict(locale) for e in errors]
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(request: Request, exc: Exception) -> Response:
    """A refusal a handler raised: on record, then JSON under the API prefix, a page elsewhere."""
    assert isinstance(exc, VinculoError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    record_refusal_apart(request, exc, status)
    if not request.url.path.startswith(API_PREFIX):
        return error_page(request, status, exc)
    return api_error_response(request, exc, status, headers)


def _audit(request: Request, exc: VinculoError, status: int, cause: str) -> None:
    try:
        record_refusal_apart(request, exc, status, extra={"exception": cause})
    except Exception:  # the database may be the failure; answer anyway
        log.exception("the refusal of %s %s could not be recorded", request.method, request.url)


def _answer(request: Request, exc: VinculoError, status: int) -> Response:
    if request.url.path.startswith(API_PREFIX):
        return api_error_response(request, exc, status)
    try:
        return error_page(request, status, exc)
    except Exception:  # the page itself may be what fails
        log.exception("the error page could not be drawn")
        return PlainTextResponse(exc.render("en"), status_code=status)


class CatchAll:
    """Answer an unexpected exception with a 500 that has the headers and an audit row."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # every failure gets an answer
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if started:  # half an answer is out: nothing can be said any more
                raise
            request = Request(scope, receive)
            error = server_error()
            await run_in_threadpool(_audit, request, error, 500, type(exc).__name__)
            response = await run_in_threadpool(_answer, request, error, 500)
            await response(scope, receive, send)


def http_error_response(request: Request, exc: Exception) -> Response:
    """Starlette's own HTTP errors, answered as before but on record like every refusal."""
    assert isinstance(exc, HTTPException)
    error = HttpError("{detail}", detail=str(exc.detail)[:200])
    _audit(request, error, exc.status_code, type(exc).__name__)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def unencodable_response(request: Request, exc: Exception) -> Response:
    """A lone surrogate that got past `check_input` (it cannot come from anywhere but input):
    bad input, not a failure of the server."""
    if not (isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc.reason)):
        log.error("unexpected encoding error", exc_info=exc)
        _audit(request, server_error(), 500, type(exc).__name__)
        return _answer(request, server_error(), 500)
    return error_response(request, InvalidInput(LONE_SURROGATE))
