"""Accounts and sign-in: plain functions with keyword-only dependencies."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import pyotp
from pyotp.utils import strings_equal
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from vinculo import vocab
from vinculo.db import fresh_ids, transaction
from vinculo.errors import AuthError, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.security import sessions as page_sessions
from vinculo.security.audit import note_token_use, record
from vinculo.security.markings import Actor
from vinculo.security.models import ApiToken, Group, User, utcnow
from vinculo.security.passwords import (
    DEFAULT_MIN_LENGTH,
    DEMO_PASSWORD,
    check_password,
    hash_password,
    is_default_password,
    verify_password,
)
from vinculo.security.preferences import default_time_zone
from vinculo.security.roles import Permission, allowed, require
from vinculo.security.schemas import UserCreate, UserRead
from vinculo.settings import Settings

# What an API token may be used for: `read` for GET routes, `write` for filing and import.
SCOPES = ("read", "write", "exchange")  # exchange: a partner node reads TAXII
DEFAULT_SCOPES = ("read", "write")
TOTP_ISSUER = "Vínculo"


def actor_for(user: User) -> Actor:
    return Actor(
        username=user.username,
        nation=user.nation,
        agency=user.agency,
        groups=frozenset(g.code for g in user.groups),
        roles=user.role_set,
        user_id=user.id,
        locale=user.locale,
        time_zone=user.time_zone,
    )


def get_by_username(*, session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def existing_account(*, session: Session, username: str) -> User:
    """The account of that name; NotFound if there is none."""
    user = get_by_username(session=session, username=username)
    if user is None:
        raise NotFound(N_("unknown account {value}"), value=username)
    return user


def record_account_change(
    *, session: Session, actor: Actor | None, user: User, detail: dict[str, Any]
) -> None:
    """Audit a change to an account's rights or settings (`actor` None: the system or the CLI)."""
    record(
        session=session,
        actor=actor,
        action="rights",
        kind="account",
        target=user.username,
        detail=detail,
    )


def ensure_group(*, session: Session, code: str, name_en: str, name_es: str) -> Group:
    group = session.get(Group, code)
    if group is None:
        group = Group(code=code, name_en=name_en, name_es=name_es)
        session.add(group)
        session.flush()
    return group


def create_user(
    *,
    session: Session,
    user_in: UserCreate,
    actor: Actor | None = None,
    password_min_length: int = DEFAULT_MIN_LENGTH,
    demo_password: bool = False,
) -> User:
    """Create an account; `actor` is who grants it (None: the command line).

    The password must pass the password rules, unless `demo_password` is set: then it must be
    the demo password itself, which only demo mode accepts at sign-in (the demo seeding).
    """
    if actor is not None:
        require(actor, Permission.ACCOUNTS)
    if demo_password:
        if user_in.password != DEMO_PASSWORD:
            raise InvalidInput(
                N_("an account made for the demo gets the demo password"), field="password"
            )
    else:
        check_password(user_in.password, username=user_in.username, min_length=password_min_length)
    if user_in.agency not in vocab.agencies():
        raise InvalidInput(N_("unknown agency {value}"), field="agency", value=user_in.agency)
    for role in user_in.roles:
        if role not in vocab.load("roles"):
            raise InvalidInput(N_("unknown role {value}"), field="roles", value=role)
    if get_by_username(session=session, username=user_in.username):
        raise InvalidInput(
            N_("the account {value} already exists"), field="username", value=user_in.username
        )
    groups = []
    for code in user_in.groups:
        group = session.get(Group, code)
        if group is None:
            raise InvalidInput(N_("unknown group {value}"), field="groups", value=code)
        groups.append(group)
    user = User(
        username=user_in.username,
        display_name=user_in.display_name or user_in.username,
        password_hash=hash_password(user_in.password),
        nation=vocab.agency_nation(user_in.agency),
        agency=user_in.agency,
        roles=",".join(user_in.roles),
        locale=user_in.locale if user_in.locale in ("en", "es") else "en",
        time_zone=default_time_zone(vocab.agency_nation(user_in.agency)),
        groups=groups,
    )
    session.add(user)
    session.flush()
    record_account_change(
        session=session,
        actor=actor,
        user=user,
        detail={"agency": user.agency, "roles": user_in.roles, "groups": user_in.groups},
    )
    return user


def _refused(username: str) -> AuthError:
    """One answer for every failed sign-in, so it does not tell what was wrong."""
    return AuthError(N_("wrong user name, password or code"), username=username.strip()[:64])


def _lock_if_due(*, session: Session, settings: Settings, user: User) -> None:
    """Lock the account once the failures in a row reach the threshold."""
    if user.locked_at is None and user.failed_logins >= settings.lockout_threshold:
        user.locked_at = utcnow()
        # Its page sessions end now, not at their next use: an unlock must not revive them.
        page_sessions.end_all(session=session, user_id=user.id, reason=page_sessions.ACCOUNT)
        record_account_change(
            session=session,
            actor=None,
            user=user,
            detail={"locked": True, "failed_sign_ins": user.failed_logins},
        )
    session.flush()


def _failed(*, session: Session, settings: Settings, user: User) -> None:
    """Count a failed attempt; the threshold-th in a row locks the account."""
    user.failed_logins = (user.failed_logins or 0) + 1
    _lock_if_due(session=session, settings=settings, user=user)


def _totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step a code belongs to (this one, or one either side for clock drift), if it
    is right and newer than the last one accepted: a code is good once."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in (now - 1, now, now + 1):
        if strings_equal(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


@cache
def _absent_hash() -> str:
    """The hash checked when no account matches, made once: a sign-in for a name that does
    not exist does exactly the work of one that does (one argon2 verification), so the time
    it takes does not tell which names exist."""
    return hash_password(secrets.token_urlsafe(24))


def _check_second_factor(*, settings: Settings, user: User, code: str) -> AuthError | None:
    """What stops a sign-in whose password was right, if anything; a good TOTP code is
    marked used."""
    if user.totp_secret:
        step = _totp_step(user.totp_secret, code, user.totp_last_step)
        if step is None:
            return _refused(user.username)
        user.totp_last_step = step
        return None
    if not settings.demo:
        return AuthError(
            N_(
                "this account has no second factor yet and cannot sign in until an "
                "administrator enrols it with `vinculo user totp {name}`"
            ),
            name=user.username,
            username=user.username,
        )
    return None


def _signed_in(*, session: Session, user: User) -> User:
    user.failed_logins = 0
    record(
        session=session,
        actor=actor_for(user),
        action="sign_in",
        kind="account",
        target=user.username,
    )
    return user


def authenticate(
    *, session: Session, settings: Settings, username: str, password: str, code: str = ""
) -> User:
    """The account these credentials open, or AuthError with one message for every failure.

    Failures are counted on the account (`failed_logins`); `settings.lockout_threshold` of
    them in a row lock it until an administrator unlocks it, and a locked account refuses
    even the right password, with the same message. The caller must keep the count: commit
    the session even though sign-in failed. Outside demo mode every account needs its TOTP
    `code`; in demo mode only accounts enrolled in TOTP do.

    This checks the password inside the caller's transaction; the sign-in routes use
    `sign_in`, which checks it outside any.
    """
    # Locked for this transaction (PostgreSQL; SQLite transactions hold the write lock from
    # their start): concurrent attempts on one account queue, so each sees the count before.
    user = _account_for_update(session, username)
    if user is None or not user.active:
        verify_password(_absent_hash(), password)  # the same work as for a real account
        raise _refused(username)
    if not verify_password(user.password_hash, password) or user.locked:
        _failed(session=session, settings=settings, user=user)
        raise _refused(username)
    if password == DEMO_PASSWORD and not settings.demo:
        raise AuthError(N_("the demo password is accepted only in demo mode"))
    problem = _check_second_factor(settings=settings, user=user, code=code)
    if problem is not None:
        if problem.message == _refused(username).message:
            _failed(session=session, settings=settings, user=user)
        raise problem
    return _signed_in(session=session, user=user)


def _account_for_update(session: Session, username: str) -> User | None:
    # FOR NO KEY UPDATE on PostgreSQL: sign-ins of one account still queue, but a transaction
    # that writes a row naming the account (a notification, whose key check takes KEY SHARE)
    # does not wait for them. With FOR UPDATE, one that had already appended to the audit
    # chain waited for the sign-in while the sign-in waited for the chain: a deadlock.
    return session.execute(
        select(User).where(User.username == username.strip()).with_for_update(key_share=True)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt between its two short transactions: the stored hash to check (None:
    no such account) and the attempt's place in the run of failures."""

    username: str
    password_hash: str | None
    place: int


def begin_sign_in(*, sessions: sessionmaker[Session], username: str) -> Attempt:
    """Count the attempt as a failure before the slow check, under the account's row lock, so
    that guesses sent in parallel cannot outrun the lockout: at most `lockout_threshold` of
    them are ever checked against the password. A success gives the count back."""
    with transaction(sessions) as session:
        user = _account_for_update(session, username)
        if user is None or not user.active:
            return Attempt(username, None, 0)
        user.failed_logins = (user.failed_logins or 0) + 1
        return Attempt(username, user.password_hash, user.failed_logins)


def password_matches(attempt: Attempt, password: str) -> bool:
    """The slow part (argon2), run outside any transaction: holding one here held SQLite's
    write lock, and every other request waited behind a queue of bad sign-ins."""
    return verify_password(attempt.password_hash or _absent_hash(), password)


def finish_sign_in(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    attempt: Attempt,
    right: bool,
    password: str,
    code: str = "",
) -> User:
    """Settle an attempt under the row lock: the account, or AuthError once the count (and the
    lock it may lead to) is committed."""
    problem: AuthError | None = None
    with transaction(sessions) as session:
        user = _account_for_update(session, attempt.username)
        if user is None or not user.active or attempt.password_hash is None:
            problem = _refused(attempt.username)
        elif (
            not right
            or user.locked
            or user.password_hash != attempt.password_hash
            or attempt.place > settings.lockout_threshold
        ):
            _lock_if_due(session=session, settings=settings, user=user)
            problem = _refused(attempt.username)
        elif password == DEMO_PASSWORD and not settings.demo:
            user.failed_logins = max(0, user.failed_logins - 1)  # not a guess: give it back
            problem = AuthError(N_("the demo password is accepted only in demo mode"))
        else:
            problem = _check_second_factor(settings=settings, user=user, code=code)
            if problem is None:
                return _signed_in(session=session, user=user)
            if problem.message == _refused(attempt.username).message:
                _lock_if_due(session=session, settings=settings, user=user)
            else:
                user.failed_logins = max(0, user.failed_logins - 1)
    raise problem


def sign_in(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    username: str,
    password: str,
    code: str = "",
) -> User:
    """`authenticate` in three steps, the password checked outside any transaction."""
    attempt = begin_sign_in(sessions=sessions, username=username)
    right = password_matches(attempt, password)
    return finish_sign_in(
        sessions=sessions,
        settings=settings,
        attempt=attempt,
        right=right,
        password=password,
        code=code,
    )


def unlock(*, session: Session, username: str, actor: Actor | None = None) -> User:
    """Lift a lockout and clear the failure count; `actor` is the administrator (None: CLI)."""
    if actor is not None:
        require(actor, Permission.ACCOUNTS)
    user = existing_account(session=session, username=username)
    was_locked = user.locked
    user.locked_at = None
    user.failed_logins = 0
    record_account_change(
        session=session, actor=actor, user=user, detail={"locked": False, "was_locked": was_locked}
    )
    return user


def set_password(
    *,
    session: Session,
    username: str,
    password: str,
    actor: Actor | None = None,
    password_min_length: int = DEFAULT_MIN_LENGTH,
) -> User:
    """Set an account's password: its own, or any as an administrator (None: the CLI)."""
    if actor is not None and actor.username != username:
        require(actor, Permission.ACCOUNTS)
    user = existing_account(session=session, username=username)
    check_password(password, username=user.username, min_length=password_min_length)
    user.password_hash = hash_password(password)
    # Whoever held a page session under the old password holds it no longer.
    page_sessions.end_all(session=session, user_id=user.id, reason="password changed")
    record_account_change(session=session, actor=actor, user=user, detail={"password": "changed"})
    return user


def enrol_totp(*, session: Session, username: str, actor: Actor | None = None) -> tuple[str, str]:
    """Give an account a new TOTP secret: (secret, otpauth:// provisioning URI). Another
    account's needs an administrator (None: the CLI)."""
    if actor is not None and actor.username != username:
        require(actor, Permission.ACCOUNTS)
    user = existing_account(session=session, username=username)
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_last_step = None
    record_account_change(session=session, actor=actor, user=user, detail={"totp": "enrolled"})
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)
    return secret, uri


def accounts_with_default_password(*, session: Session) -> list[str]:
    users = session.execute(select(User)).scalars()
    return [u.username for u in users if is_default_password(u.password_hash)]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(requested: str | list[str] | None) -> tuple[str, ...]:
    """OAuth2 scopes, space-separated; none asked means the default "read write"."""
    words = requested.split() if isinstance(requested, str) else list(requested or [])
    if not words:
        return DEFAULT_SCOPES
    for word in words:
        if word not in SCOPES:
            raise InvalidInput(
                N_("unknown scope {value}; ask for read, write or both"),
                field="scope",
                value=word[:32],
            )
    return tuple(s for s in SCOPES if s in words)


def issue_token(
    *,
    session: Session,
    settings: Settings,
    user: User,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
) -> tuple[str, ApiToken]:
    """A new random bearer token for the account (given once) and its stored row (hash only)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    # A random id: the next of a sequence would count tokens others took (vinculo.db).
    (token_id,) = fresh_ids(session, ApiToken.id, 1)
    row = ApiToken(
        id=token_id,
        user_id=user.id,
        token_hash=_token_hash(secret),
        scopes=" ".join(scopes),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.token_ttl_seconds),
    )
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=actor_for(user),
        action="token",
        kind="api_token",
        target=str(row.id),
        detail={"scopes": list(scopes), "expires_at": row.expires_at.isoformat()},
    )
    return secret, row


@cache
def _token_query() -> Select[ApiToken]:
    """The token row by its hash, with its account and the account's groups in the same query
    (the groups' own select-in query was about half of the look-up's cost).

    Every API request asks it: built once, it costs half as much as built per request
    (120 against 236 µs on SQLite), the statement's construction and cache key included.
    """
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user).joinedload(User.groups))
    )


def token_for(*, session: Session, token: str) -> ApiToken:
    """The live token row for a bearer token; AuthError when unknown, expired, revoked, or
    suspended while its account is locked or disabled."""
    row = (
        session.execute(_token_query(), {"token_hash": _token_hash(token)})
        .unique()
        .scalar_one_or_none()
    )
    if row is None:
        raise AuthError(N_("the token is not valid"))
    owner, token_id = row.user.username, row.id
    if row.revoked_at is not None:
        raise AuthError(
            N_("the token has been revoked; sign in again"), username=owner, token_id=token_id
        )
    now = utcnow()
    if row.expires_at <= now:
        raise AuthError(
            N_("the token has expired; sign in again"), username=owner, token_id=token_id
        )
    if row.user.locked or not row.user.active:
        # Suspended, not revoked: a lock after failed sign-ins is often someone else guessing
        # the password, and revoking would let any guesser cut the owner's clients off for
        # good. While the lock lasts nothing it issued works; an unlock restores the
        # unexpired ones. A compromised token is revoked on its own (`vinculo token revoke`).
        raise AuthError(
            N_(
                "the account of this token is locked or disabled; its tokens work again once "
                "an administrator unlocks it"
            ),
            username=owner,
            token_id=token_id,
        )
    note_token_use(session, row.id, now)
    return row


def user_for_token(*, session: Session, token: str) -> User:
    return token_for(session=session, token=token).user


def list_tokens(*, session: Session, username: str) -> list[ApiToken]:
    user = existing_account(session=session, username=username)
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at, ApiToken.id)
    )
    return list(session.execute(query).scalars())


def revoke_token(*, session: Session, token_id: int, actor: Actor | None = None) -> ApiToken:
    """Revoke a token. An account may revoke its own; an administrator any (None: the CLI).
    Someone else's token answers as a missing one."""
    row = session.get(ApiToken, token_id)
    if row is None or (
        actor is not None
        and actor.user_id != row.user_id
        and not allowed(actor, Permission.ACCOUNTS)
    ):
        raise NotFound(N_("no such token {value}"), value=token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    record(
        session=session,
        actor=actor,
        action="rights",
        kind="api_token",
        target=str(row.id),
        detail={"revoked": True, "owner": row.user.username},
    )
    return row


def user_read(user: User) -> UserRead:
    return UserRead(
        username=user.username,
        display_name=user.display_name,
        nation=user.nation,
        agency=user.agency,
        roles=sorted(user.role_set),
        groups=sorted(g.code for g in user.groups),
        locale=user.locale,
        locked=user.locked,
    )
