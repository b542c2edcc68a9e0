"""Sign-in for the API (OAuth2 password flow, TOTP, scoped tokens), tokens, accounts."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from vinculo.db import transaction
from vinculo.errors import AuthError
from vinculo.security.models import ApiToken
from vinculo.security.schemas import Token, TokenRead, UserRead
from vinculo.security.service import (
    get_by_username,
    issue_token,
    list_tokens,
    parse_scopes,
    revoke_token,
    unlock,
    user_read,
)
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, TokenActor, WriteActor
from vinculo.web.errors import api_error_response, record_refusal_apart
from vinculo.web.signin import check_rate, in_sign_in_pool, sign_in

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"description": "Wrong user name, password or code; or account locked"},
        429: {"description": "Too many sign-in attempts on this name or from this address"},
    },
)
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: SettingsDep,
    totp: Annotated[
        str, Form(description="Six-digit code of the account's TOTP second factor")
    ] = "",
) -> Token | Response:
    """OAuth2 password flow. `scope`: "read", "write" or both (the default).

    No transaction is open while the password is checked (web/signin.py)."""
    scopes = parse_scopes(form.scopes)
    too_many = check_rate(request, form.username)
    if too_many is not None:
        await in_sign_in_pool(request, partial(record_refusal_apart, request, too_many, 429))
        retry = {"Retry-After": str(too_many.params["seconds"])}
        return api_error_response(request, too_many, 429, retry)
    try:
        user = await sign_in(request, username=form.username, password=form.password, code=totp)
    except AuthError as error:
        # The failure count (and the lockout it may lead to) is committed already.
        await in_sign_in_pool(request, partial(record_refusal_apart, request, error, 401))
        return api_error_response(request, error, 401, {"WWW-Authenticate": "Bearer"})

    def issue() -> tuple[str, ApiToken]:
        with transaction(request.app.state.sessions) as session:
            return issue_token(session=session, settings=settings, user=user, scopes=scopes)

    secret, row = await in_sign_in_pool(request, issue)
    return Token(
        access_token=secret,
        expires_in=settings.token_ttl_seconds,
        scope=row.scopes,
        token_id=row.id,
    )


def _token_read(row: ApiToken) -> TokenRead:
    return TokenRead(
        id=row.id,
        scope=row.scopes,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


@router.get("/auth/tokens", response_model=list[TokenRead])
def my_tokens(actor: TokenActor, session: SessionDep) -> list[TokenRead]:
    """The caller's tokens, live and dead; never their secrets."""
    return [_token_read(t) for t in list_tokens(session=session, username=actor.username or "")]


@router.delete("/auth/tokens/{token_id}", response_model=TokenRead)
def revoke(
    # An id the database can hold: a larger one made both backends fail (500).
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    actor: TokenActor,
    session: SessionDep,
) -> TokenRead:
    """Revoke one of the caller's tokens (an administrator: anyone's). It answers 401 after."""
    return _token_read(revoke_token(session=session, token_id=token_id, actor=actor))


@router.get("/me", response_model=UserRead)
def me(actor: ApiActor, session: SessionDep) -> UserRead:
    user = get_by_username(session=session, username=actor.username or "")
    assert user is not None
    return user_read(user)


@router.post("/accounts/{username}/unlock", response_model=UserRead, tags=["accounts"])
def unlock_account(username: str, actor: WriteActor, session: SessionDep) -> UserRead:
    """Lift a lockout after failed sign-ins (role admin)."""
    return user_read(unlock(session=session, username=username, actor=actor))
