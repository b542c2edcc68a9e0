"""`vinculo assistance publish KIND ID…`: flag items to count in the public tables (or
`--withdraw` them) as one account (`--as NAME`), an audited act; `vinculo assistance
public-tables` prints the tables as the public portal would get them (JSON)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from vinculo.i18n import N_, gettext
from vinculo.security.command_line import AsUser, Lang, run_as
from vinculo.security.markings import Actor

out = Console(highlight=False)


def publish_command(
    kind: Annotated[
        str, typer.Argument(help="ledger, vetting, allegation, submission or programme.")
    ],
    item_ids: Annotated[list[str], typer.Argument(help="The items' ids.")],
    as_user: AsUser,
    withdraw: Annotated[
        bool, typer.Option(help="Take the items out of the public tables.")
    ] = False,
    lang: Lang = None,
) -> None:
    """Flag items for public aggregation: they count in the public tables from now on."""
    from vinculo.assistance.public import flag_items

    def work(session: Session, actor: Actor, locale: str) -> None:
        count = flag_items(
            session=session, actor=actor, kind=kind, item_ids=item_ids, public=not withdraw
        )
        message = (
            N_("{value} items taken out of the public tables")
            if withdraw
            else N_("{value} items flagged for the public tables")
        )
        out.print(gettext(locale, message, value=count))

    run_as(lang, as_user, work)


def public_tables_command(as_user: AsUser, lang: Lang = None) -> None:
    """Print the public tables (JSON): counts under five and what would reveal them hidden."""
    from vinculo.assistance.public import public_aggregates

    def work(session: Session, actor: Actor, locale: str) -> None:
        del actor, locale
        out.print_json(public_aggregates(session=session).model_dump_json())

    run_as(lang, as_user, work)
