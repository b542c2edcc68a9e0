"""The account pages: profile and preferences, password, the TOTP second factor (with a QR
code drawn on the server), API tokens and page sessions. Each page is the signed-in account's
own; nothing here reads an item, so no marking applies, and an id of another account's token
or session answers as a missing one. Every change is audited by the service it calls."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from babel import Locale
from babel.core import get_global
from babel.dates import format_datetime, get_timezone_location, get_timezone_name
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from vinculo.errors import InvalidInput, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.security import account as service
from vinculo.security import sessions as page_sessions
from vinculo.security.markings import Actor
from vinculo.security.models import ApiToken, User, utcnow
from vinculo.security.preferences import COMMON_TIME_ZONES, time_zones
from vinculo.security.service import issue_token, list_tokens, parse_scopes, revoke_token
from vinculo.text import fold
from vinculo.web.deps import SESSION_KEY, PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.security import csrf_token
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

# Scopes a person may give a token from the page (exchange is for partner nodes' accounts).
PAGE_SCOPES = ("read", "write")
_TOTP_NONCE = "totp_nonce"
_DONE = "done"
# What the page says after a change (a code in the session, never text from the request).
DONE = {
    "preferences": N_("Your preferences are saved."),
    "password": N_(
        "Your password is changed. Every other session of your account has been signed out."
    ),
    "totp": N_("Your second factor is set. Sign-in now asks for a code from this app."),
    "revoked": N_("The token is revoked: it is refused from now on."),
    "ended": N_("The session is signed out."),
    "ended_others": N_("Every other session of your account is signed out."),
}
SCOPE_LABELS = {
    "read": N_("read: what the account may see"),
    "write": N_("write: file reports and import"),
    "exchange": N_("exchange: a partner node reads TAXII"),
}


@cache
def zone_label(name: str, locale: str) -> str:
    """A zone as people read it in their language, by Babel's CLDR names: its city and
    country, then the time kept there ("Ciudad de México, México — hora central",
    "Phoenix, United States — Mountain Time"); "UTC — Coordinated Universal Time"."""
    try:
        cldr = Locale.parse(locale)
        if name == "UTC":
            return f"UTC — {cldr.time_zones['Etc/UTC']['long']['standard']}"
        zone = ZoneInfo(name)
        city = get_timezone_location(zone, locale=cldr, return_city=True)
        fallback = get_timezone_location(zone, locale=cldr)  # "United States (Honolulu) Time"
        kept = get_timezone_name(zone, width="long", zone_variant="generic", locale=cldr)
        if kept == fallback:  # no name for the time kept all year: its standard time's
            kept = get_timezone_name(zone, width="long", zone_variant="standard", locale=cldr)
    except (LookupError, ValueError):
        return name
    canonical = get_global("zone_aliases").get(name, name)
    territory = get_global("zone_territories").get(canonical, "")
    country = cldr.territories.get(territory) if territory != "001" else None
    place = f"{city}, {country}" if country and country != city else str(city)
    # Where CLDR names the time by the place alone, the place says it all.
    return place if kept == fallback else f"{place} — {kept}"


@cache
def zone_choices(locale: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The time-zone choice in the reader's language: the two nations' zones first, in their
    fixed order, then every other by its label. The values stay IANA names."""
    names = time_zones()
    labels = {name: zone_label(name, locale) for name in names}
    aliases = get_global("zone_aliases")
    # Two zones reading alike: an old name beside the zone it now names (America/Ensenada,
    # America/Tijuana) unless two current ones do. Only those named twice carry their name.
    current = Counter(label for name, label in labels.items() if name not in aliases)
    every = Counter(labels.values())

    def shown_as(name: str, label: str) -> str:
        named = current[label] > 1 or (name in aliases and every[label] > 1)
        return f"{label} ({name})" if named else label

    shown = {name: shown_as(name, label) for name, label in labels.items()}
    common = tuple((n, shown[n]) for n in names if n in COMMON_TIME_ZONES)
    rest = sorted(
        ((n, shown[n]) for n in names if n not in COMMON_TIME_ZONES),
        key=lambda pair: (fold(pair[1]), pair[0]),
    )
    return common, tuple(rest)


@dataclass(frozen=True)
class ShowAccount:
    """Formatting for the account pages: moments in the account's own time zone."""

    locale: str
    zone: str

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        aware = value.replace(tzinfo=ZoneInfo("UTC"))
        return format_datetime(
            aware, format="medium", tzinfo=ZoneInfo(self.zone), locale=self.locale
        )

    def zone_label(self, name: str) -> str:
        return zone_label(name, self.locale)

    def scope(self, name: str) -> str:
        label = SCOPE_LABELS.get(name)
        return gettext(self.locale, label) if label else name

    def token_state(self, row: ApiToken) -> str:
        if row.revoked_at is not None:
            return gettext(self.locale, N_("revoked"))
        if row.expires_at <= utcnow():
            return gettext(self.locale, N_("expired"))
        return gettext(self.locale, N_("live"))


def _done(request: Request, what: str, path: str) -> Response:
    request.session[_DONE] = what
    return RedirectResponse(path, status_code=303)


def _page(
    request: Request,
    name: str,
    *,
    actor: Actor,
    user: User,
    section: str,
    status_code: int = 200,
    error: VinculoError | None = None,
    **context: Any,
) -> Response:
    done = request.session.pop(_DONE, None)
    notice = gettext(actor.locale, DONE[done]) if done in DONE else None
    return render(
        request,
        name,
        actor=actor,
        status_code=status_code,
        account=user,
        section=section,
        notice=notice,
        error=error,
        field_error=_field_error(error, actor.locale),
        show=ShowAccount(actor.locale, user.time_zone),
        **context,
    )


def _field_error(error: VinculoError | None, locale: str) -> dict[str, str]:
    if error is None:
        return {}
    return {error.field or "": error.detail(locale)}


# --- profile and preferences ----------------------------------------------------------------


def _profile(
    request: Request,
    *,
    actor: Actor,
    user: User,
    status_code: int = 200,
    error: VinculoError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    values = form or {
        "display_name": user.display_name,
        "locale": user.locale,
        "time_zone": user.time_zone,
    }
    show = ShowAccount(actor.locale, user.time_zone)
    return _page(
        request,
        "account/profile.html",
        actor=actor,
        user=user,
        section="profile",
        status_code=status_code,
        error=error,
        form=values,
        zones=zone_choices(actor.locale),
        now=show.moment(utcnow()),
    )


@router.get("/account", response_class=HTMLResponse)
def profile_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _profile(request, actor=actor, user=service.account_of(session=session, actor=actor))


@router.post("/account", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    display_name: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        user = service.update_preferences(
            session=session,
            actor=actor,
            display_name=display_name,
            locale=locale,
            time_zone=time_zone,
        )
    except InvalidInput as error:
        user = service.account_of(session=session, actor=actor)
        form = {"display_name": display_name, "locale": locale, "time_zone": time_zone}
        return _profile(request, actor=actor, user=user, status_code=422, error=error, form=form)
    request.session["locale"] = user.locale  # the pages follow the new language at once
    return _done(request, "preferences", "/account")


# --- password -------------------------------------------------------------------------------


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    user = service.account_of(session=session, actor=actor)
    return _page(request, "account/password.html", actor=actor, user=user, section="password")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PageActor,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        user = service.change_password(
            session=session,
            actor=actor,
            current=current_password,
            new=new_password,
            confirm=confirm_password,
            password_min_length=settings.password_min_length,
        )
    except InvalidInput as error:
        if isinstance(error, service.WrongPassword):
            service.count_wrong_password(
                session=session, settings=settings, username=actor.username or ""
            )
        user = service.account_of(session=session, actor=actor)
        return _page(
            request,
            "account/password.html",
            actor=actor,
            user=user,
            section="password",
            status_code=422,
            error=error,
        )
    # Every session ended with the old password; this browser goes on in a new one.
    key = page_sessions.start(
        session=session, user=user, user_agent=request.headers.get("user-agent")
    )
    locale = request.session.get("locale")
    request.session.clear()
    request.session[SESSION_KEY] = key
    if locale:
        request.session["locale"] = locale
    csrf_token(request)
    return _done(request, "password", "/account/password")


# --- the TOTP second factor -----------------------------------------------------------------


def _qr_svg(uri: str, title: str) -> Markup:
    """The provisioning URI as an inline SVG QR code (segno, drawn here: nothing fetched)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", title=title, omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" class="qr-code" ', 1))


def _totp_page(
    request: Request,
    *,
    settings: SettingsDep,
    actor: Actor,
    user: User,
    enrolling: bool,
    status_code: int = 200,
    error: VinculoError | None = None,
) -> Response:
    context: dict[str, Any] = {"enrolling": enrolling}
    if enrolling:
        nonce = request.session.get(_TOTP_NONCE)
        if not isinstance(nonce, str):
            nonce = secrets.token_urlsafe(16)
            request.session[_TOTP_NONCE] = nonce
        assert user.id is not None
        secret = service.pending_totp_secret(settings=settings, user_id=user.id, nonce=nonce)
        uri = service.totp_uri(secret=secret, username=user.username)
        title = gettext(actor.locale, N_("QR code of your new second factor"))
        context |= {
            "qr": _qr_svg(uri, title),
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        }
    return _page(
        request,
        "account/totp.html",
        actor=actor,
        user=user,
        section="totp",
        status_code=status_code,
        error=error,
        **context,
    )


@router.get("/account/totp", response_class=HTMLResponse)
def totp_page(
    request: Request, session: SessionDep, settings: SettingsDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    user = service.account_of(session=session, actor=actor)
    return _totp_page(request, settings=settings, actor=actor, user=user, enrolling=False)


@router.post("/account/totp", response_class=HTMLResponse)
def totp_start(
    request: Request, session: SessionDep, settings: SettingsDep, actor: PageActor
) -> Response:
    """Offer a new secret (a new one each time this is asked)."""
    if not actor.signed_in:
        return sign_in_first(request)
    request.session.pop(_TOTP_NONCE, None)
    user = service.account_of(session=session, actor=actor)
    return _totp_page(request, settings=settings, actor=actor, user=user, enrolling=True)


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def totp_confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PageActor,
    code: Annotated[str, Form()] = "",
    current_password: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    user = service.account_of(session=session, actor=actor)
    nonce = request.session.get(_TOTP_NONCE)
    if not isinstance(nonce, str):
        # The offer is gone (another browser tab, or the session changed): offer a new one.
        return _totp_page(request, settings=settings, actor=actor, user=user, enrolling=True)
    assert user.id is not None
    secret = service.pending_totp_secret(settings=settings, user_id=user.id, nonce=nonce)
    try:
        service.confirm_totp(
            session=session, actor=actor, secret=secret, code=code, password=current_password
        )
    except InvalidInput as error:
        if isinstance(error, service.WrongPassword):
            service.count_wrong_password(
                session=session, settings=settings, username=actor.username or ""
            )
        return _totp_page(
            request,
            settings=settings,
            actor=actor,
            user=user,
            enrolling=True,
            status_code=422,
            error=error,
        )
    request.session.pop(_TOTP_NONCE, None)
    return _done(request, "totp", "/account/totp")


# --- API tokens -----------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    *,
    session: SessionDep,
    actor: Actor,
    status_code: int = 200,
    error: VinculoError | None = None,
    new_token: str | None = None,
    new_row: ApiToken | None = None,
) -> Response:
    user = service.account_of(session=session, actor=actor)
    rows = list_tokens(session=session, username=user.username)
    now = utcnow()
    live = [r for r in rows if r.revoked_at is None and r.expires_at > now]
    gone = [r for r in rows if r not in live][-10:]
    return _page(
        request,
        "account/tokens.html",
        actor=actor,
        user=user,
        section="tokens",
        status_code=status_code,
        error=error,
        live=list(reversed(live)),
        gone=list(reversed(gone)),
        scopes=PAGE_SCOPES,
        new_token=new_token,
        new_row=new_row,
    )


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _tokens_page(request, session=session, actor=actor)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PageActor,
    scope: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A new token, shown once in this answer (which no cache keeps: no-store)."""
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        if not scope:
            raise InvalidInput(N_("choose at least one scope"), field="scope")
        if any(s not in PAGE_SCOPES for s in scope):
            raise InvalidInput(
                N_("unknown scope {value}; ask for read, write or both"),
                field="scope",
                value=next(s for s in scope if s not in PAGE_SCOPES)[:32],
            )
        scopes = parse_scopes(scope)
    except InvalidInput as error:
        return _tokens_page(request, session=session, actor=actor, status_code=422, error=error)
    user = service.account_of(session=session, actor=actor)
    secret, row = issue_token(session=session, settings=settings, user=user, scopes=scopes)
    return _tokens_page(request, session=session, actor=actor, new_token=secret, new_row=row)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Revoke one of the account's own tokens; anyone else's answers as a missing one (even
    for an administrator: this page is for one's own)."""
    if not actor.signed_in:
        return sign_in_first(request)
    own = replace(actor, roles=frozenset())
    revoke_token(session=session, token_id=token_id, actor=own)
    return _done(request, "revoked", "/account/tokens")


# --- page sessions --------------------------------------------------------------------------


@router.get("/account/sessions", response_class=HTMLResponse)
def sessions_page(
    request: Request, session: SessionDep, settings: SettingsDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    user = service.account_of(session=session, actor=actor)
    lines = service.live_sessions(
        session=session,
        settings=settings,
        actor=actor,
        current_key=request.session.get(SESSION_KEY),
    )
    return _page(
        request,
        "account/sessions.html",
        actor=actor,
        user=user,
        section="sessions",
        lines=lines,
        idle_minutes=f"{settings.session_idle_minutes:g}",
        max_hours=f"{settings.session_max_hours:g}",
    )


@router.post("/account/sessions/others")
def end_other_sessions(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    service.end_other_sessions(
        session=session, actor=actor, current_key=request.session.get(SESSION_KEY)
    )
    return _done(request, "ended_others", "/account/sessions")


@router.post("/account/sessions/{session_id}/end")
def end_one_session(
    request: Request,
    session_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    service.end_session(session=session, actor=actor, session_id=session_id)
    return _done(request, "ended", "/account/sessions")
