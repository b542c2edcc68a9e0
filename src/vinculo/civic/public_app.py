"""The public site: a FastAPI app of its own, started by `vinculo serve --public`.

It is given `PublicSettings` only: its own store, the internal node's public key and the pull
token; never the internal database, the secret key or an account. It logs no request (the
server's access log is off and nothing here records a client), keeps the client's address
only hashed in memory for the rate limits, and purges its store of everything older than the
retention period at start-up and every hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vinculo.civic import crypto, store
from vinculo.civic.guard import ProofOfWork, RateLimits, Visits
from vinculo.civic.portal_views import portal_api, portal_router
from vinculo.civic.public_views import intake_api, router
from vinculo.civic.settings import PublicSettings

log = logging.getLogger("vinculo.civic.public")

_HEADERS = [
    (
        # 'wasm-unsafe-eval': the proof-of-work compiles its scrypt (WebAssembly, in pow.js
        # from this site); it allows no eval of JavaScript.
        b"content-security-policy",
        b"default-src 'self'; img-src 'self'; style-src 'self'; "
        b"script-src 'self' 'wasm-unsafe-eval'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]


class _Guard:
    """Security headers on every answer, and a body larger than the limit refused by its
    declared length before it is read."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is None and scope["method"] in ("POST", "PUT", "PATCH"):
            # A body of unknown length (chunked) could be of any size: its length first.
            response = JSONResponse({"detail": "send the body's length"}, status_code=411)
            await response(scope, receive, send)
            return
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            response = JSONResponse({"detail": "the request is too large"}, status_code=413)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("vinculo.civic").joinpath(name)))


def purge_now(engine: Engine, settings: PublicSettings) -> dict[str, int]:
    gone = store.purge(
        engine, today=datetime.now(UTC).date(), retention_days=settings.retention_days
    )
    log.info("public store purged: %s", gone)
    return gone


def create_public_app(settings: PublicSettings) -> FastAPI:
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(problems))
    node_key = crypto.public_key(settings.submission_key)
    engine = store.open_store(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        purge_now(engine, settings)

        async def hourly() -> None:
            while True:
                await asyncio.sleep(3600)
                await asyncio.to_thread(purge_now, engine, settings)

        task = asyncio.create_task(hourly())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        engine.dispose()

    app = FastAPI(
        title="Vínculo public intake",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.node_key = node_key
    app.state.pow = ProofOfWork(
        bits=settings.pow_bits,
        rounds=settings.pow_rounds,
        cost=settings.pow_cost,
        ttl_seconds=settings.pow_ttl_seconds,
    )
    app.state.limits = RateLimits()
    app.state.visits = Visits[object](settings.visit_minutes)
    app.state.templates = Environment(
        loader=FileSystemLoader(_package_dir("templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    body_limit = settings.max_attachments * settings.max_attachment_bytes * 2 + 1024 * 1024
    app.add_middleware(_Guard, max_bytes=body_limit)
    app.include_router(router)
    app.include_router(intake_api)
    app.include_router(portal_router)
    app.include_router(portal_api)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=_package_dir("static")), name="static")
    return app
