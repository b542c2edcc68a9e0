"""Accounts, sign-in and API tokens on both backends."""

from __future__ import annotations

import hashlib

import pytest

from vinculo.db import transaction
from vinculo.errors import AuthError, InvalidInput
from vinculo.security.schemas import UserCreate
from vinculo.security.service import (
    accounts_with_default_password,
    authenticate,
    create_user,
    ensure_group,
    issue_token,
    revoke_token,
    user_for_token,
)

from conftest import Store


@pytest.fixture
def accounts(store: Store) -> Store:
    with transaction(store.sessions) as session:
        ensure_group(session=session, code="tf-sonora", name_en="TF Sonora", name_es="FT Sonora")
        create_user(
            session=session,
            user_in=UserCreate(
                username="ana.fgr", password="long-enough-pass", agency="FGR", groups=["tf-sonora"]
            ),
        )
        create_user(
            session=session,
            user_in=UserCreate(username="demo.dea", password="demo", agency="DEA"),
            demo_password=True,
        )
    return store


def test_account_takes_its_nation_from_the_agency(accounts: Store) -> None:
    with transaction(accounts.sessions) as session:
        user = authenticate(
            session=session,
            settings=accounts.settings,
            username="ana.fgr",
            password="long-enough-pass",
        )
        assert (user.nation, user.agency) == ("MEX", "FGR")
        assert [g.code for g in user.groups] == ["tf-sonora"]


def test_wrong_password_and_unknown_account_answer_alike(accounts: Store) -> None:
    with transaction(accounts.sessions) as session:
        with pytest.raises(AuthError) as wrong:
            authenticate(
                session=session, settings=accounts.settings, username="ana.fgr", password="nope"
            )
        with pytest.raises(AuthError) as unknown:
            authenticate(
                session=session, settings=accounts.settings, username="nobody", password="nope"
            )
    assert wrong.value.render("es") == unknown.value.render("es")


def test_demo_password_only_in_demo_mode(accounts: Store) -> None:
    strict = accounts.settings.model_copy(update={"demo": False})
    with transaction(accounts.sessions) as session:
        assert authenticate(
            session=session, settings=accounts.settings, username="demo.dea", password="demo"
        )
        with pytest.raises(AuthError):
            authenticate(session=session, settings=strict, username="demo.dea", password="demo")
        assert accounts_with_default_password(session=session) == ["demo.dea"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"agency": "KGB"}, "agency"),
        ({"roles": ["king"]}, "roles"),
        ({"groups": ["nope"]}, "groups"),
        ({"username": "ana.fgr"}, "username"),
    ],
)
def test_bad_account_is_refused_naming_the_field(
    accounts: Store, changes: dict[str, object], field: str
) -> None:
    fields: dict[str, object] = {
        "username": "new.one",
        "password": "Cuarzo-del-Río-2931",
        "agency": "DEA",
    }
    with pytest.raises(InvalidInput) as caught, transaction(accounts.sessions) as session:
        create_user(session=session, user_in=UserCreate.model_validate(fields | changes))
    assert caught.value.field == field


def test_tokens_are_random_expire_and_can_be_revoked(accounts: Store) -> None:
    with transaction(accounts.sessions) as session:
        user = authenticate(
            session=session,
            settings=accounts.settings,
            username="ana.fgr",
            password="long-enough-pass",
        )
        token, row = issue_token(session=session, settings=accounts.settings, user=user)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
        assert row.scope_set == {"read", "write"}
        assert user_for_token(session=session, token=token) == user
        with pytest.raises(AuthError):
            user_for_token(session=session, token=token[:-2] + "xx")
        short = accounts.settings.model_copy(update={"token_ttl_seconds": 0})
        expired, _ = issue_token(session=session, settings=short, user=user, scopes=("read",))
        with pytest.raises(AuthError, match="expired"):
            user_for_token(session=session, token=expired)
        revoke_token(session=session, token_id=row.id)
        with pytest.raises(AuthError, match="revoked"):
            user_for_token(session=session, token=token)
