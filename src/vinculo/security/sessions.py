"""Page sessions kept on the server: the browser's cookie holds a random key, and the row that
key names decides who is signed in, until sign-out, the idle timeout, the absolute lifetime,
or a lock or disabling of the account ends it (OWASP Session Management: server-side state,
invalidation on logout, idle and absolute timeouts)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from vinculo.security.models import PageSession, User, utcnow
from vinculo.settings import Settings

# Why a session ended; the sign-in page explains the first two.
IDLE = "idle"
LIFETIME = "lifetime"
SIGNED_OUT = "signed_out"
ACCOUNT = "account locked or disabled"


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(*, session: Session, user: User, user_agent: str | None = None) -> str:
    """A new session for the account; its random key (for the cookie) is given once.
    `user_agent` (the browser's, shortened) tells the account's sessions apart."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        PageSession(
            key_hash=_key_hash(key),
            user_id=user.id,
            created_at=now,
            seen_at=now,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    session.flush()
    return key


def key_hash(key: object) -> str | None:
    """The stored form of a cookie's key (to tell the caller's own session in a list)."""
    return _key_hash(key) if isinstance(key, str) and key else None


@cache
def _session_query() -> Select[PageSession]:
    """The session row by its key's hash, with the account and its groups in one query, as for
    an API token (security/service.py); built once, as every page asks it."""
    return (
        select(PageSession)
        .where(PageSession.key_hash == bindparam("key_hash"))
        .options(joinedload(PageSession.user).joinedload(User.groups))
    )


def _row(session: Session, key: object) -> PageSession | None:
    if not isinstance(key, str) or not key:
        return None
    found = session.execute(_session_query(), {"key_hash": _key_hash(key)})
    return found.unique().scalar_one_or_none()


def user_of(*, session: Session, key: object) -> User | None:
    """The account of a live session, without touching it (for the audit row of a refusal)."""
    row = _row(session, key)
    return row.user if row is not None and row.ended_at is None else None


@dataclass(frozen=True)
class Resumed:
    """What a request's session key comes to: the account, or why its session just ended."""

    user: User | None
    ended: str | None = None  # set only when this request ended it


def resume(*, session: Session, settings: Settings, key: object) -> Resumed:
    """The account a session key signs in, marking the session used; a session past its idle
    time or its lifetime, or whose account was locked or disabled, ends now."""
    row = _row(session, key)
    if row is None or row.ended_at is not None:
        return Resumed(None)
    now = utcnow()
    reason = None
    if now - row.created_at > timedelta(hours=settings.session_max_hours):
        reason = LIFETIME
    elif now - row.seen_at > timedelta(minutes=settings.session_idle_minutes):
        reason = IDLE
    elif not row.user.active or row.user.locked:
        reason = ACCOUNT
    if reason:
        row.ended_at, row.end_reason = now, reason
        return Resumed(row.user, ended=reason)
    if now - row.seen_at >= seen_step(settings):
        row.seen_at = now
    return Resumed(row.user)


def seen_step(settings: Settings) -> timedelta:
    """How old a session's last use must be before a request writes it again: a thirtieth
    of the idle time, a minute at most.

    Written on every page, it made every page read a write (SQLite's write lock, a row
    version on PostgreSQL). A session now ends at most this much before its idle time is
    up, never after it.
    """
    return min(timedelta(minutes=settings.session_idle_minutes / 30), timedelta(minutes=1))


def end(*, session: Session, key: object, reason: str = SIGNED_OUT) -> None:
    """End the session a key names, for every copy of its cookie."""
    row = _row(session, key)
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason


def end_all(*, session: Session, user_id: int, reason: str) -> int:
    """End every live session of an account (a new password, for one); how many ended."""
    result = session.execute(
        update(PageSession)
        .where(PageSession.user_id == user_id, PageSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
