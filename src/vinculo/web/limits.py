"""The largest request body the server reads (`Settings.max_upload_bytes`).

A pure ASGI middleware, so a body too large is refused before it is read into memory or a
temporary file: at once when its declared size (Content-Length) is over the limit, or as
soon as the bytes received pass it (a chunked upload). Either way the answer is the app's
own 413 — in the reader's language, with an audit row — made by `refuse`.

FastAPI's own `max_body_size` is not used: when the declared size is over the limit,
Starlette replaces whatever the app answers with a plain-text "Content Too Large".
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = 413


class BodyLimit:
    """Refuses request bodies over `max_bytes`; `refuse` makes the 413 answer.

    A body found too large while it is being read raises HTTPException(413) from `receive`,
    which FastAPI passes through its body parsing to the app's handler for 413.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, refuse: Callable[[Request, Exception], Response]
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = HTTPException(TOO_LARGE)
            response = await run_in_threadpool(self.refuse, Request(scope, receive), error)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(TOO_LARGE)
            return message

        await self.app(scope, counted, send)
