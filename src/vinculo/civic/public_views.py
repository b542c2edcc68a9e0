"""The public site's pages and the intake API the internal node calls.

Pages: the reporting form, the receipt, the follow-up (receipt and passphrase), a visit's
status and replies, adding information. API (`/intake/v1`, the pull token as a bearer token):
pending submissions, their acknowledgement, an update pushed for a receipt.

The client's address is read in one place, `_client`, and only to count it (hashed with the
day's salt, in memory) against the rate limits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from vinculo.civic import diceware, intake, store
from vinculo.civic.guard import RateLimits, Verdict, Visits
from vinculo.civic.settings import PublicSettings
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.i18n import N_, gettext, pick_locale

CSRF_COOKIE = "csrf"
VISIT_COOKIE = "visit"

router = APIRouter()
intake_api = APIRouter(prefix="/intake/v1")


def _settings(request: Request) -> PublicSettings:
    settings: PublicSettings = request.app.state.settings
    return settings


def _today() -> Any:
    return datetime.now(UTC).date()


def locale_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in ("en", "es"):
        return asked
    return pick_locale(request.headers.get("accept-language"), _settings(request).default_locale)


def _client(request: Request) -> str:
    """The address to count a request against (never stored, never logged)."""
    if _settings(request).forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else ""


def _render(
    request: Request,
    template: str,
    locale: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    env = request.app.state.templates

    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    html = env.get_template(template).render(
        _=_, locale=locale, csrf=csrf, request=request, **context
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=_settings(request).behind_tls,
        )
    return response


def _csrf_ok(request: Request, form_token: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and isinstance(form_token, str) and hmac.compare_digest(cookie, form_token)


def _message(
    request: Request, locale: str, status_code: int, title: str, text: str
) -> HTMLResponse:
    return _render(request, "message.html", locale, status_code, title=title, text=text)


def _refused(request: Request, locale: str) -> HTMLResponse:
    return _message(
        request,
        locale,
        403,
        N_("The form expired"),
        N_("Open the form again and send it from there."),
    )


def _too_many(request: Request, locale: str) -> HTMLResponse:
    return _message(
        request,
        locale,
        429,
        N_("Too many attempts"),
        N_("Too many attempts from this connection. Wait an hour and try again."),
    )


async def _files(form: Any) -> list[tuple[str, bytes]]:
    found = []
    for item in form.getlist("attachments"):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            found.append((item.filename or "", await item.read()))
    return found


def _form_context(request: Request, values: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "categories": list(intake.categories()),
        "places": list(intake.places()),
        "values": values or {},
        "challenge": request.app.state.pow.challenge(),
        "settings": _settings(request),
    }


def _errors(error: InvalidFields, locale: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for each in error.errors:
        field = str(each.field)
        found[field] = " ".join(filter(None, (found.get(field), each.detail(locale))))
    return found


@router.get("/", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    locale = locale_of(request)
    return _render(request, "report.html", locale, errors={}, **_form_context(request))


@router.post("/report", response_class=HTMLResponse)
async def file_report(request: Request) -> Response:
    settings = _settings(request)
    form = await request.form(max_files=settings.max_attachments + 1)
    locale = str(form.get("lang")) if form.get("lang") in ("en", "es") else locale_of(request)
    if not _csrf_ok(request, form.get("csrf")):
        return _refused(request, locale)
    # The check hashes (scrypt, one per round): off the event loop, which it would hold.
    verdict = await run_in_threadpool(
        request.app.state.pow.check,
        str(form.get("pow_challenge", "")),
        str(form.get("pow_counter", "")),
    )
    solved = verdict is Verdict.SOLVED
    limits: RateLimits = request.app.state.limits
    kind, limit = (
        ("pow", settings.limit_with_pow) if solved else ("nojs", settings.limit_without_pow)
    )
    # A wrong answer counts against the stricter limit too: sending them is no way around it.
    if not limits.allow(kind, _client(request), limit):
        return _too_many(request, locale)
    if verdict is Verdict.EXPIRED:
        return _refused(request, locale)
    if verdict is Verdict.REFUSED:
        return _message(
            request,
            locale,
            400,
            N_("The form could not be checked"),
            N_(
                "Your browser's check of this form was missing, wrong or already used, and "
                "nothing was stored. Open the form again and send it from there."
            ),
        )
    values = {
        name: str(form.get(name, "") or "")
        for name in ("category", "state", "municipality", "when", "what")
    }
    report = intake.ReportIn(**values, attachments=await _files(form))
    try:
        checked = intake.check_report(
            report,
            max_chars=settings.max_text_chars,
            max_files=settings.max_attachments,
            max_bytes=settings.max_attachment_bytes,
            today=_today(),
        )
    except InvalidFields as error:
        return _render(
            request,
            "report.html",
            locale,
            400,
            errors=_errors(error, locale),
            **_form_context(request, values),
        )
    receipt, passphrase = intake.file_report(
        request.app.state.engine,
        node_key=request.app.state.node_key,
        checked=checked,
        locale=locale,
        today=_today(),
    )
    return _render(request, "receipt.html", locale, receipt=receipt, passphrase=passphrase)


@router.get("/follow-up", response_class=HTMLResponse)
def follow_up_form(request: Request) -> HTMLResponse:
    return _render(request, "follow_up.html", locale_of(request), failed=False)


@router.post("/follow-up", response_class=HTMLResponse)
async def follow_up(request: Request) -> Response:
    settings = _settings(request)
    form = await request.form(max_files=0)
    locale = str(form.get("lang")) if form.get("lang") in ("en", "es") else locale_of(request)
    if not _csrf_ok(request, form.get("csrf")):
        return _refused(request, locale)
    if not request.app.state.limits.allow("follow-up", _client(request), settings.limit_follow_up):
        return _too_many(request, locale)
    visit = intake.open_visit(
        request.app.state.engine,
        receipt=str(form.get("receipt", "")),
        passphrase=str(form.get("passphrase", "")),
    )
    if visit is None:
        return _render(request, "follow_up.html", locale, 400, failed=True)
    token = request.app.state.visits.start(visit)
    response = RedirectResponse(f"/follow-up/status?lang={locale}", status_code=303)
    # A session cookie (no expiry): gone when the browser closes, and after `visit_minutes`.
    response.set_cookie(
        VISIT_COOKIE, token, httponly=True, samesite="strict", secure=settings.behind_tls
    )
    return response


def _visit(request: Request) -> intake.Visit | None:
    visits: Visits[intake.Visit] = request.app.state.visits
    return visits.get(request.cookies.get(VISIT_COOKIE))


def _status_page(
    request: Request, visit: intake.Visit, locale: str, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    status, updates = intake.read_updates(request.app.state.engine, visit)
    context: dict[str, Any] = {"errors": {}, "added": False, **extra}
    return _render(
        request,
        "status.html",
        locale,
        status_code,
        status=status,
        statuses=intake.STATUSES,
        updates=updates,
        receipt=visit.receipt,
        settings=_settings(request),
        **context,
    )


@router.get("/follow-up/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    locale = locale_of(request)
    visit = _visit(request)
    if visit is None:
        return RedirectResponse(f"/follow-up?lang={locale}", status_code=303)
    return _status_page(request, visit, locale)


@router.post("/follow-up/add", response_class=HTMLResponse)
async def add_information(request: Request) -> Response:
    settings = _settings(request)
    form = await request.form(max_files=settings.max_attachments + 1)
    locale = str(form.get("lang")) if form.get("lang") in ("en", "es") else locale_of(request)
    visit = _visit(request)
    if visit is None:
        return RedirectResponse(f"/follow-up?lang={locale}", status_code=303)
    if not _csrf_ok(request, form.get("csrf")):
        return _refused(request, locale)
    if not request.app.state.limits.allow("add", _client(request), settings.limit_with_pow):
        return _too_many(request, locale)
    try:
        intake.add_information(
            request.app.state.engine,
            node_key=request.app.state.node_key,
            visit=visit,
            what=str(form.get("what", "") or ""),
            attachments=await _files(form),
            max_chars=settings.max_text_chars,
            max_files=settings.max_attachments,
            max_bytes=settings.max_attachment_bytes,
            today=_today(),
        )
    except InvalidFields as error:
        return _status_page(request, visit, locale, 400, errors=_errors(error, locale))
    return _status_page(request, visit, locale, added=True)


@router.post("/follow-up/leave", response_class=HTMLResponse)
async def leave(request: Request) -> Response:
    form = await request.form(max_files=0)
    locale = str(form.get("lang")) if form.get("lang") in ("en", "es") else locale_of(request)
    if _csrf_ok(request, form.get("csrf")):
        request.app.state.visits.end(request.cookies.get(VISIT_COOKIE))
    response = RedirectResponse(f"/?lang={locale}", status_code=303)
    response.delete_cookie(VISIT_COOKIE)
    return response


# --- the intake API: the internal node pulls and pushes --------------------------------------


def _authorised(request: Request) -> bool:
    given = request.headers.get("authorization", "")
    expected = f"Bearer {_settings(request).pull_token}"
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def _denied() -> JSONResponse:
    return JSONResponse({"detail": "a valid pull token is required"}, status_code=401)


@intake_api.get("/submissions")
def pending_submissions(request: Request, limit: int = 50) -> Response:
    if not _authorised(request):
        return _denied()
    rows = store.pending(request.app.state.engine, limit=max(1, min(limit, 200)))
    return JSONResponse(
        {
            "submissions": [
                {"id": row_id, "ciphertext": base64.b64encode(sealed).decode("ascii")}
                for row_id, sealed in rows
            ]
        }
    )


@intake_api.post("/submissions/ack")
async def acknowledge(request: Request) -> Response:
    if not _authorised(request):
        return _denied()
    body = await request.json()
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return JSONResponse({"detail": "give `ids`, a list of submission ids"}, status_code=422)
    return JSONResponse({"deleted": store.acknowledge(request.app.state.engine, ids)})


@intake_api.post("/receipts/{receipt}/updates")
async def push_update(request: Request, receipt: str) -> Response:
    if not _authorised(request):
        return _denied()
    body = await request.json()
    text = body.get("ciphertext") if isinstance(body, dict) else None
    try:
        sealed = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        sealed = b""
    if not sealed:
        return JSONResponse({"detail": "give `ciphertext`, base64"}, status_code=422)
    stored = store.add_update(
        request.app.state.engine,
        receipt_hash=diceware.receipt_hash(receipt),
        ciphertext=sealed,
        today=_today(),
    )
    if not stored:
        return JSONResponse({"detail": "no such receipt"}, status_code=404)
    return Response(status_code=204)


__all__ = ["InvalidInput", "intake_api", "router"]
