"""The answers no handler planned: an unexpected exception (500) and Starlette's own HTTP errors
(unknown route, wrong method, a body that cannot be parsed).

Starlette answers an unexpected exception from its outermost middleware, outside every other,
so that answer carried none of the security headers and left no audit row. `CatchAll` sits
just inside `SecurityHeaders`: it answers the 500 itself, in the reader's language, records it
on the audit chain, and logs the traceback for the operators.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vinculo.errors import InvalidInput, VinculoError
from vinculo.i18n import N_
from vinculo.web.inputs import LONE_SURROGATE

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


def _audit(request: Request, exc: VinculoError, status: int, cause: str) -> None:
    from vinculo.web.app import record_refusal_apart

    try:
        record_refusal_apart(request, exc, status, extra={"exception": cause})
    except Exception:  # the database may be the failure; answer anyway
        log.exception("the refusal of %s %s could not be recorded", request.method, request.url)


def _answer(request: Request, exc: VinculoError, status: int) -> Response:
    from vinculo.web.app import API_PREFIX, api_error_response

    if request.url.path.startswith(API_PREFIX):
        return api_error_response(request, exc, status)
    try:
        from vinculo.web.pages import error_page

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
    from vinculo.web.app import _error_response

    if not (isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc.reason)):
        log.error("unexpected encoding error", exc_info=exc)
        _audit(request, server_error(), 500, type(exc).__name__)
        return _answer(request, server_error(), 500)
    return _error_response(request, InvalidInput(LONE_SURROGATE))
