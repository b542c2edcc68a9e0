"""What an account does to itself on its account page: preferences, password, second factor,
page sessions. Plain functions with keyword-only dependencies; each change is on the audit
chain as the command line's are (`rights` on the account, `sign_out` for ended sessions).

API tokens are issued, listed and revoked by security/service.py, as for the API and CLI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.security import sessions as page_sessions
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import PageSession, User, utcnow
from vinculo.security.passwords import DEFAULT_MIN_LENGTH, verify_password
from vinculo.security.preferences import check_locale, check_time_zone
from vinculo.security.service import (
    TOTP_ISSUER,
    _failed,
    _totp_step,
    existing_account,
    get_by_username,
    record_account_change,
    set_password,
)
from vinculo.settings import Settings

DISPLAY_NAME_MAX = 200


def account_of(*, session: Session, actor: Actor) -> User:
    """The signed-in actor's own account row."""
    return existing_account(session=session, username=actor.username or "")


def update_preferences(
    *, session: Session, actor: Actor, display_name: str, locale: str, time_zone: str
) -> User:
    """Change the actor's display name, language and time zone."""
    user = account_of(session=session, actor=actor)
    name = " ".join(display_name.split())
    if not name:
        raise InvalidInput(N_("this field is required"), field="display_name")
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidInput(
            N_("the name may be at most {n} characters long"),
            field="display_name",
            n=DISPLAY_NAME_MAX,
        )
    locale = check_locale(locale)
    zone = check_time_zone(time_zone)
    before = {"display_name": user.display_name, "locale": user.locale, "time_zone": user.time_zone}
    user.display_name, user.locale, user.time_zone = name, locale, zone
    after = {"display_name": name, "locale": locale, "time_zone": zone}
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        record_account_change(
            session=session,
            actor=actor,
            user=user,
            detail={"preferences": changed} | {k: after[k] for k in changed},
        )
    return user


class WrongPassword(InvalidInput):
    """The current password given to confirm a change is wrong (counted as a failed sign-in)."""


def check_current_password(*, user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise WrongPassword(
            N_("the current password is wrong; type the one you sign in with"),
            field="current_password",
        )


def count_wrong_password(*, session: Session, settings: Settings, username: str) -> None:
    """A wrong current password counts as a failed sign-in (a stolen session cannot guess the
    password unhindered); the threshold-th in a row locks the account, as at sign-in."""
    user = get_by_username(session=session, username=username)
    if user is not None:
        _failed(session=session, settings=settings, user=user)


def change_password(
    *,
    session: Session,
    actor: Actor,
    current: str,
    new: str,
    confirm: str,
    password_min_length: int = DEFAULT_MIN_LENGTH,
) -> User:
    """Set the actor's password, the current one given. Every page session of the account
    ends (set_password); the caller starts a new one for the browser that asked."""
    user = account_of(session=session, actor=actor)
    check_current_password(user=user, password=current)
    if new != confirm:
        raise InvalidInput(
            N_("the two new passwords differ; type the same one twice"),
            field="confirm_password",
        )
    if new == current:
        raise InvalidInput(
            N_("the new password is the current one; choose another"), field="new_password"
        )
    return set_password(
        session=session,
        username=user.username,
        password=new,
        actor=actor,
        password_min_length=password_min_length,
    )


# --- the TOTP second factor -----------------------------------------------------------------


def pending_totp_secret(*, settings: Settings, user_id: int, nonce: str) -> str:
    """The secret offered while enrolling, derived from the server's key, the account and a
    random nonce kept in the page session: nothing is stored until a code confirms it, and the
    cookie holds the nonce, never the secret."""
    digest = hmac.new(
        settings.secret_key.encode(), f"totp-enrol:{user_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:20]).decode()


def totp_uri(*, secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def confirm_totp(*, session: Session, actor: Actor, secret: str, code: str, password: str) -> User:
    """Make `secret` the actor's second factor once a code from it and the current password
    are right; the code is then used."""
    user = account_of(session=session, actor=actor)
    check_current_password(user=user, password=password)
    step = _totp_step(secret, code, None)
    if step is None:
        raise InvalidInput(
            N_(
                "the code is not right: type the six digits the app shows now for Vínculo "
                "(check that the phone's clock is right)"
            ),
            field="code",
        )
    replaced = user.totp_secret is not None
    user.totp_secret, user.totp_last_step = secret, step
    record_account_change(
        session=session,
        actor=actor,
        user=user,
        detail={"totp": "replaced" if replaced else "enrolled"},
    )
    return user


# --- page sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    id: int
    created_at: datetime
    seen_at: datetime
    browser: str
    user_agent: str
    current: bool


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str | None) -> str:
    """ "Firefox · Windows" from a User-Agent; the program's own name for anything else."""
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    found = re.match(r"[A-Za-z][\w.-]*", agent)
    return found.group(0)[:40] if found else ""


def live_sessions(
    *, session: Session, settings: Settings, actor: Actor, current_key: object
) -> list[SessionLine]:
    """The actor's page sessions still alive, newest use first; `current` marks the caller's."""
    now = utcnow()
    query = (
        select(PageSession)
        .where(
            PageSession.user_id == actor.user_id,
            PageSession.ended_at.is_(None),
            PageSession.created_at > now - timedelta(hours=settings.session_max_hours),
            PageSession.seen_at > now - timedelta(minutes=settings.session_idle_minutes),
        )
        .order_by(PageSession.seen_at.desc(), PageSession.id.desc())
    )
    mine = page_sessions.key_hash(current_key)
    return [
        SessionLine(
            id=row.id,
            created_at=row.created_at,
            seen_at=row.seen_at,
            browser=browser_label(row.user_agent),
            user_agent=row.user_agent or "",
            current=row.key_hash == mine,
        )
        for row in session.execute(query).scalars()
    ]


def end_session(*, session: Session, actor: Actor, session_id: int) -> None:
    """End one of the actor's live page sessions; another account's answers as a missing one."""
    row = session.get(PageSession, session_id)
    if row is None or row.user_id != actor.user_id or row.ended_at is not None:
        raise NotFound(N_("no such session {value}"), value=session_id)
    row.ended_at, row.end_reason = utcnow(), page_sessions.SIGNED_OUT
    record(
        session=session,
        actor=actor,
        action="sign_out",
        kind="account",
        target=actor.username,
        detail={"session": session_id, "by": "account page"},
    )


def end_other_sessions(*, session: Session, actor: Actor, current_key: object) -> int:
    """Sign out everywhere but here: every other live page session of the actor ends."""
    mine = page_sessions.key_hash(current_key)
    rows = session.execute(
        select(PageSession).where(
            PageSession.user_id == actor.user_id, PageSession.ended_at.is_(None)
        )
    ).scalars()
    now = utcnow()
    ended = []
    for row in rows:
        if row.key_hash != mine:
            row.ended_at, row.end_reason = now, page_sessions.SIGNED_OUT
            ended.append(row.id)
    record(
        session=session,
        actor=actor,
        action="sign_out",
        kind="account",
        target=actor.username,
        detail={"sessions": ended, "by": "account page", "elsewhere": True},
    )
    return len(ended)
