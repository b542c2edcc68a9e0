"""The FastAPI application factory: API under /api/v1, pages at the root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Lifespan

from vinculo.assistance.accountability_api import router as accountability_router
from vinculo.assistance.api import router as assistance_router
from vinculo.assistance.disbursements_api import router as disbursements_router
from vinculo.assistance.equipment_api import router as equipment_router
from vinculo.assistance.outcomes_api import router as outcomes_router
from vinculo.assistance.public_api import router as public_aggregates_router
from vinculo.assistance.training_api import router as training_router
from vinculo.assistance.views import router as assistance_pages
from vinculo.cases.api import router as cases_router
from vinculo.cases.map_api import router as map_router
from vinculo.cases.map_views import router as map_pages
from vinculo.cases.operations_api import router as operations_router
from vinculo.cases.operations_views import router as operations_pages
from vinculo.cases.views import router as cases_pages
from vinculo.civic.api import router as civic_router
from vinculo.civic.service import Puller
from vinculo.civic.views import router as civic_pages
from vinculo.db import make_engine, make_sessionmaker
from vinculo.errors import InvalidFields, InvalidInput, TooLarge, VinculoError
from vinculo.exchange.api import router as taxii_router
from vinculo.exchange.views import api as exchange_router
from vinculo.exchange.views import pages as exchange_pages
from vinculo.hooks import wire_hooks
from vinculo.i18n import N_
from vinculo.intel.api import router as intel_router
from vinculo.intel.form_views import router as report_form_pages
from vinculo.intel.import_views import router as import_pages
from vinculo.intel.pdf_views import router as report_pdf_pages
from vinculo.intel.retention_api import router as retention_router
from vinculo.intel.translation_api import pages as translation_pages
from vinculo.intel.translation_api import router as translation_router
from vinculo.intel.views import router as intel_pages
from vinculo.logs import configure_logging
from vinculo.network.api import router as network_router
from vinculo.network.views import router as network_pages
from vinculo.notify.api import router as notify_router
from vinculo.notify.mail import Mailer
from vinculo.notify.views import router as notify_pages
from vinculo.oversight.allegations_api import router as allegations_router
from vinculo.oversight.api import router as oversight_router
from vinculo.oversight.vetting_api import router as vetting_router
from vinculo.oversight.views import router as oversight_pages
from vinculo.resolve.api import router as resolve_router
from vinculo.resolve.assign_api import pages as assign_pages
from vinculo.resolve.assign_api import router as assign_router
from vinculo.resolve.views import router as resolve_pages
from vinculo.security.account_views import router as account_pages
from vinculo.security.api import router as security_router
from vinculo.security.trail_api import router as trail_router
from vinculo.security.views import router as audit_pages
from vinculo.settings import Settings
from vinculo.web.errors import (
    API_PREFIX,
    CatchAll,
    error_response,
    http_error_response,
    unencodable_response,
)
from vinculo.web.inputs import check_input
from vinculo.web.limits import BodyLimit
from vinculo.web.pages import router as pages_router
from vinculo.web.security import SecurityHeaders, check_csrf
from vinculo.web.startup import check_can_start


def _validation_message(error: dict[str, object]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return N_("this field is required")
    if kind.startswith(("date", "datetime")):
        return N_("not a valid date; write it as YYYY-MM-DD")
    if kind.startswith(("int", "float", "decimal")):
        return N_("not a valid number")
    if kind.startswith(("string_too", "too_")):
        return N_("the text is too short or too long")
    if kind.startswith(("json", "model", "dict")):
        return N_("not a valid JSON object")
    return N_("not a valid value")


def _request_validation_response(request: Request, exc: Exception) -> Response:
    """FastAPI's own 422, but in the reader's language and with each field named."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        field = ".".join(location[1:] if len(location) > 1 else location)
        errors.append(InvalidInput(_validation_message(error), field=field))
    return error_response(request, InvalidFields(errors))


def _size(count: int) -> str:
    """A byte count as people read it: 100 MB, 64 KB, 900 bytes."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"


def _too_large_response(request: Request, exc: Exception) -> Response:
    """The request body passed `max_upload_bytes` (web/limits.py stopped reading it): a 413
    in the reader's language, with an audit row, as every refusal."""
    limit = request.app.state.settings.max_upload_bytes
    return error_response(
        request,
        TooLarge(
            N_("the request is larger than the {limit} this server accepts"),
            field="body",
            limit=_size(limit),
        ),
    )


def static_dir() -> Path:
    return Path(str(resources.files("vinculo.web").joinpath("static")))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start-up checks and the background senders of the app being served (its state)."""
    settings: Settings = app.state.settings
    sessions: sessionmaker[Session] = app.state.sessions
    check_can_start(settings=settings, sessions=sessions)
    # Notification e-mails and webhook calls, when an SMTP server or a webhook host is set.
    sending = bool(settings.smtp_host or settings.webhook_hosts)
    mailer = Mailer(sessions=sessions, settings=settings) if sending else None
    if mailer is not None:
        mailer.start()
    # The civic channel's pull, when its public site is set: this node opens every
    # connection, the public site never connects inward.
    puller = Puller(sessions=sessions, settings=settings) if settings.civic_url else None
    if puller is not None:
        puller.start()
    yield
    if puller is not None:
        puller.stop()
    if mailer is not None:
        mailer.stop()
    app.state.engine.dispose()


def _healthz(request: Request) -> dict[str, str]:
    engine: Engine = request.app.state.engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok", "database": engine.dialect.name}


_DESCRIPTION = "Binational security-cooperation platform: reports, entities, search."


def _blank_app(*, lifespan: Lifespan[FastAPI] | None = None) -> FastAPI:
    return FastAPI(
        title="Vínculo",
        version="0.1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # Swagger UI and ReDoc load from a CDN: none is served (nothing from outside).
        docs_url=None,
        redoc_url=None,
        # Every state-changing page request carries the session's CSRF token (web/security.py).
        # Every JSON it carries is checked once for what would fail deep in a handler.
        dependencies=[Depends(check_csrf), Depends(check_input)],
    )


def build_routes() -> APIRouter:
    """Every route of the platform, with the start-up and shutdown of the app serving them.

    The routes hold nothing of one app: what they need (settings, engine, sessions) they
    read from `request.app.state`, so apps may share one table (`route_table`).
    """
    app = _blank_app(lifespan=_lifespan)
    app.include_router(security_router, prefix=API_PREFIX)
    app.include_router(intel_router, prefix=API_PREFIX)
    app.include_router(retention_router, prefix=API_PREFIX)
    app.include_router(translation_router, prefix=API_PREFIX)
    app.include_router(notify_router, prefix=API_PREFIX)
    app.include_router(trail_router, prefix=API_PREFIX)
    app.include_router(taxii_router)
    app.include_router(exchange_router, prefix=API_PREFIX)
    app.include_router(exchange_pages)
    app.include_router(pages_router)
    # Before the report pages: /reports/{report_id} would take /reports/new for an id.
    app.include_router(report_form_pages)
    app.include_router(intel_pages)
    app.include_router(report_pdf_pages)
    app.include_router(import_pages)
    app.include_router(translation_pages)
    app.include_router(notify_pages)
    app.include_router(assistance_router, prefix=API_PREFIX)
    app.include_router(disbursements_router, prefix=API_PREFIX)
    app.include_router(public_aggregates_router, prefix=API_PREFIX)
    app.include_router(training_router, prefix=API_PREFIX)
    app.include_router(equipment_router, prefix=API_PREFIX)
    app.include_router(outcomes_router, prefix=API_PREFIX)
    app.include_router(accountability_router, prefix=API_PREFIX)
    app.include_router(assistance_pages)
    app.include_router(cases_router, prefix=API_PREFIX)
    app.include_router(operations_router, prefix=API_PREFIX)
    app.include_router(operations_pages)
    app.include_router(cases_pages)
    app.include_router(map_router, prefix=API_PREFIX)
    app.include_router(map_pages)
    app.include_router(oversight_router, prefix=API_PREFIX)
    app.include_router(allegations_router, prefix=API_PREFIX)
    app.include_router(vetting_router, prefix=API_PREFIX)
    app.include_router(oversight_pages)
    app.include_router(civic_router, prefix=API_PREFIX)
    app.include_router(civic_pages)
    app.include_router(network_router, prefix=API_PREFIX)
    app.include_router(network_pages)
    app.include_router(resolve_router, prefix=API_PREFIX)
    app.include_router(resolve_pages)
    app.include_router(assign_router, prefix=API_PREFIX)
    app.include_router(assign_pages)
    app.include_router(audit_pages)
    app.include_router(account_pages)

    app.add_api_route("/healthz", _healthz, methods=["GET"], tags=["health"])
    static = static_dir()
    static.mkdir(parents=True, exist_ok=True)
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app.router


@cache
def route_table() -> APIRouter:
    """The route table every app of this process serves, assembled once.

    Since FastAPI 0.137 an included router's routes are prepared (each one's dependency tree
    and response model) lazily, per app, on the first request that passes them: a third of a
    second of CPU for this table. A process that makes many apps (nodes on loopback, the
    test suite, which makes hundreds) paid it for each; shared, it is paid once.
    """
    return build_routes()


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The app for `settings`; `engine`, when given, is the caller's own for the same store
    (a test's), so both share one pool and one cache of compiled statements."""
    configure_logging()
    wire_hooks()
    engine = engine or make_engine(settings)
    app = _blank_app()
    app.router = route_table()
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    # Inside the session middleware, so a 413 page knows who was signed in.
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes, refuse=_too_large_response)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="vinculo_session",
        max_age=None,  # gone when the browser closes; idle sign-out is kept server-side
        same_site="lax",
        https_only=settings.behind_tls,
    )
    # Inside the headers: an unexpected exception answers a 500 that has them, on record.
    app.add_middleware(CatchAll)
    # Added last, so it wraps the rest: every answer gets the headers, errors included.
    app.add_middleware(SecurityHeaders, behind_tls=settings.behind_tls)
    app.add_exception_handler(VinculoError, error_response)
    app.add_exception_handler(HTTPException, http_error_response)
    app.add_exception_handler(UnicodeEncodeError, unencodable_response)
    app.add_exception_handler(RequestValidationError, _request_validation_response)
    app.add_exception_handler(413, _too_large_response)
    return app
