"""Dependencies declared once: the database session, settings, locale and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.errors import AuthError
from vinculo.i18n import N_, pick_locale
from vinculo.security.markings import PUBLIC, Actor
from vinculo.security.models import User
from vinculo.security.service import actor_for, user_for_token
from vinculo.settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler succeeds, else rolled back."""
    with transaction(request.app.state.sessions) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_locale(request: Request, settings: SettingsDep) -> str:
    asked = request.query_params.get("lang")
    if asked in ("en", "es"):
        request.session["locale"] = asked
    chosen = asked or request.session.get("locale")
    if chosen in ("en", "es"):
        return str(chosen)
    return pick_locale(request.headers.get("accept-language"), settings.default_locale)


LocaleDep = Annotated[str, Depends(get_locale)]


def _with_locale(actor: Actor, locale: str) -> Actor:
    return Actor(
        username=actor.username,
        nation=actor.nation,
        agency=actor.agency,
        groups=actor.groups,
        roles=actor.roles,
        user_id=actor.user_id,
        locale=locale,
    )


def get_api_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Actor:
    """The account behind the bearer token; every API route but sign-in needs one."""
    if not token:
        raise AuthError(N_("sign in first: send an OAuth2 bearer token"))
    user = user_for_token(session=session, settings=settings, token=token)
    locale = pick_locale(request.headers.get("accept-language"), user.locale)
    return _with_locale(actor_for(user), locale)


def get_page_actor(request: Request, session: SessionDep, locale: LocaleDep) -> Actor:
    """The signed-in account of the page session, or the public."""
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        return _with_locale(PUBLIC, locale)
    return _with_locale(actor_for(user), locale)


ApiActor = Annotated[Actor, Depends(get_api_actor)]
PageActor = Annotated[Actor, Depends(get_page_actor)]
