"""Sign-in for the API (OAuth2 password flow) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from vinculo.security.schemas import Token, UserRead
from vinculo.security.service import authenticate, get_by_username, issue_token, user_read
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    user = authenticate(
        session=session, settings=settings, username=form.username, password=form.password
    )
    return Token(
        access_token=issue_token(settings=settings, user=user),
        expires_in=settings.token_ttl_seconds,
    )


@router.get("/me", response_model=UserRead)
def me(actor: ApiActor, session: SessionDep) -> UserRead:
    user = get_by_username(session=session, username=actor.username or "")
    assert user is not None
    return user_read(user)
