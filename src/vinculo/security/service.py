"""Accounts and sign-in: plain functions with keyword-only dependencies."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import AuthError, InvalidInput
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import Group, User
from vinculo.security.passwords import (
    DEMO_PASSWORD,
    hash_password,
    is_default_password,
    verify_password,
)
from vinculo.security.schemas import UserCreate, UserRead
from vinculo.settings import Settings

TOKEN_SALT = "vinculo-api-token"


def actor_for(user: User) -> Actor:
    return Actor(
        username=user.username,
        nation=user.nation,
        agency=user.agency,
        groups=frozenset(g.code for g in user.groups),
        roles=user.role_set,
        user_id=user.id,
        locale=user.locale,
    )


def get_by_username(*, session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def ensure_group(*, session: Session, code: str, name_en: str, name_es: str) -> Group:
    group = session.get(Group, code)
    if group is None:
        group = Group(code=code, name_en=name_en, name_es=name_es)
        session.add(group)
        session.flush()
    return group


def create_user(*, session: Session, user_in: UserCreate, actor: Actor | None = None) -> User:
    """Create an account; `actor` is who grants it (None: the command line)."""
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
        groups=groups,
    )
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="rights",
        kind="account",
        target=user.username,
        detail={"agency": user.agency, "roles": user_in.roles, "groups": user_in.groups},
    )
    return user


def authenticate(*, session: Session, settings: Settings, username: str, password: str) -> User:
    """The account these credentials open, or AuthError with one message for every failure."""
    user = get_by_username(session=session, username=username.strip())
    refused = AuthError(N_("wrong user name or password"), username=username.strip()[:64])
    if user is None or not user.active:
        # Spend the same time as a real check so the answer does not tell who exists.
        verify_password(hash_password("x"), password)
        raise refused
    if not verify_password(user.password_hash, password):
        raise refused
    if password == DEMO_PASSWORD and not settings.demo:
        raise AuthError(N_("the demo password is accepted only in demo mode"))
    record(
        session=session,
        actor=actor_for(user),
        action="sign_in",
        kind="account",
        target=user.username,
    )
    return user


def accounts_with_default_password(*, session: Session) -> list[str]:
    users = session.execute(select(User)).scalars()
    return [u.username for u in users if is_default_password(u.password_hash)]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=TOKEN_SALT)


def issue_token(*, settings: Settings, user: User) -> str:
    return _serializer(settings).dumps({"u": user.id})


def user_for_token(*, session: Session, settings: Settings, token: str) -> User:
    try:
        data = _serializer(settings).loads(token, max_age=settings.token_ttl_seconds)
    except SignatureExpired:
        raise AuthError(N_("the token has expired; sign in again")) from None
    except BadSignature:
        raise AuthError(N_("the token is not valid")) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise AuthError(N_("the token is not valid"))
    return user


def user_read(user: User) -> UserRead:
    return UserRead(
        username=user.username,
        display_name=user.display_name,
        nation=user.nation,
        agency=user.agency,
        roles=sorted(user.role_set),
        groups=sorted(g.code for g in user.groups),
        locale=user.locale,
    )
