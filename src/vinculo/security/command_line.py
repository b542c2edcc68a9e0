"""What every domain's command line shares when it acts as one account (`--as NAME`): the
option, the language option, and running a piece of work in one transaction as that
account, its refusal printed in the chosen language with exit code 2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from vinculo.errors import NotFound, VinculoError
from vinculo.i18n import LOCALES, N_
from vinculo.security.markings import Actor
from vinculo.settings import Settings

T = TypeVar("T")

AsUser = Annotated[str, typer.Option("--as", "--user", help="Act as this account.")]
Lang = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: en or es (default: setting).")
]


def parse_day(value: str, option: str) -> date:
    """A YYYY-MM-DD option's day; else the option named as the bad parameter."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(value, param_hint=option) from None


def parse_decimal(value: str, option: str) -> Decimal:
    """An amount option's exact decimal; else the option named as the bad parameter."""
    try:
        return Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(value, param_hint=option) from None


def console(*, stderr: bool = False) -> Console:
    """A console made when a command prints, not on import: COLUMNS (the width) is read then."""
    return Console(stderr=stderr, highlight=False)


@contextmanager
def store_as(settings: Settings, username: str) -> Iterator[tuple[Session, Actor]]:
    """One transaction on the configured store, as the account `username`."""
    from vinculo.db import make_engine, make_sessionmaker, transaction
    from vinculo.security.service import actor_for, get_by_username

    engine = make_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            user = get_by_username(session=session, username=username)
            if user is None:
                raise NotFound(N_("unknown account {value}"), value=username)
            yield session, actor_for(user)
    finally:
        engine.dispose()


def run_as(lang: str | None, username: str, work: Callable[[Session, Actor, str], T]) -> T:
    """`work(session, actor, locale)` as `username`; a refusal ends the command (exit 2)."""
    settings = Settings()
    chosen = lang or settings.default_locale
    locale = chosen if chosen in LOCALES else "en"
    try:
        with store_as(settings, username) as (session, actor):
            return work(session, actor, locale)
    except VinculoError as error:
        console(stderr=True).print(f"[red]{error.render(locale)}[/red]", soft_wrap=True)
        raise typer.Exit(code=2) from None
