"""`vinculo assistance disburse`: record money against a programme as one account
(`--as NAME`); a disbursement the Leahy gate refuses prints the recipient and the reason in
the chosen language, exits with code 2 and stores nothing."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vinculo.i18n import N_, gettext
from vinculo.security.command_line import AsUser, Lang, console, parse_day, parse_decimal, run_as
from vinculo.security.markings import Actor


def disburse_command(
    as_user: AsUser,
    programme: Annotated[str, typer.Option(help="The programme's id.")],
    usd: Annotated[str, typer.Option(help="Amount in U.S. dollars (negative: a reversal).")],
    day: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD.")],
    recipient: Annotated[
        str, typer.Option(help="Entity id of the unit or person the money reaches.")
    ] = "",
    recipient_name: Annotated[str, typer.Option(help="The recipient's name as recorded.")] = "",
    kind: Annotated[
        str, typer.Option("--type", help="Transaction type code (3 disbursement, 4 expenditure).")
    ] = "3",
    reverses: Annotated[str, typer.Option(help="The ledger row a reversal undoes.")] = "",
    lang: Lang = None,
) -> None:
    """Record a disbursement or other ledger row; a disbursement passes the Leahy gate."""
    from vinculo.assistance.disbursement_schemas import DisbursementCreate
    from vinculo.assistance.disbursements import record_disbursement

    try:
        given = DisbursementCreate(
            programme_id=programme,
            date=parse_day(day, "--date"),
            type=kind,
            usd=parse_decimal(usd, "--usd"),
            recipient_entity_id=recipient or None,
            recipient_name=recipient_name,
            reverses=reverses,
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise typer.BadParameter(first["msg"], param_hint=field) from None

    def work(session: Session, actor: Actor, locale: str) -> None:
        row = record_disbursement(session=session, actor=actor, given=given)
        console().print(
            gettext(
                locale,
                N_("recorded {value} in fiscal year {year}"),
                value=row.id,
                year=row.fiscal_year,
            )
        )

    run_as(lang, as_user, work)
