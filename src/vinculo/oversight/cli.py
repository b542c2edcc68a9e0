"""`vinculo oversight units …`: import security-force units and print a chain of command, as
one account (`--as NAME`), held to that account's markings and roles like the API."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.security.command_line import AsUser, Lang, console, run_as
from vinculo.security.markings import Actor

app = typer.Typer(help="Oversight: security-force units.", no_args_is_help=True)
units_app = typer.Typer(
    help="Security-force units: import them, print a chain of command.", no_args_is_help=True
)
app.add_typer(units_app, name="units")


@units_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    source: Annotated[
        str, typer.Option(help="Name of the source; defaults to the file name.")
    ] = "",
    tlp: Annotated[str, typer.Option(help="TLP level for every statement.")] = "GREEN",
    rel_to: Annotated[str, typer.Option(help="Nations, comma-separated.")] = "USA,MEX",
    orcon: bool = False,
    group: Annotated[list[str] | None, typer.Option(help="Need-to-know group.")] = None,
    shared_with: Annotated[str, typer.Option(help="Agencies shared with, comma-separated.")] = "",
    lang: Lang = None,
) -> None:
    """Import units from a YAML or CSV file (docs/data-model.md gives both shapes): every
    unit under the file's markings, or nothing and every fault named."""
    from vinculo.intel.schemas import MarkingsIn
    from vinculo.oversight.files import read_units
    from vinculo.oversight.service import import_units

    markings_in = MarkingsIn(
        tlp=tlp,
        rel_to=[n for n in rel_to.split(",") if n],
        orcon=orcon,
        groups=group or [],
        shared_with=[a for a in shared_with.split(",") if a],
    )

    def work(session: Session, actor: Actor, locale: str) -> None:
        try:
            text = file.read_text("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(N_("the file is not UTF-8 text"), file=file.name) from None
        units = read_units(text, file.name)
        summary = import_units(
            session=session,
            actor=actor,
            units=units,
            file_name=file.name,
            source=source or f"units:{file.name}",
            markings_in=markings_in,
        )
        console().print(
            gettext(
                locale,
                N_("{units} units, {commanders} commanders, {members} members imported"),
                units=summary.units,
                commanders=summary.commanders,
                members=summary.members,
            )
        )

    run_as(lang, as_user, work)


def _date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(value) from None


@units_app.command("chain")
def chain_command(
    unit: Annotated[str, typer.Argument(help="The unit's entity id.")],
    as_user: AsUser,
    on: Annotated[str, typer.Option(help="The date, YYYY-MM-DD (default: today).")] = "",
    lang: Lang = None,
) -> None:
    """The unit, its parents up to the top and each one's commanders on the date, with the
    marking of each, as the account may see them."""
    from vinculo.oversight.service import chain_of_command

    when = _date(on) if on else date.today()

    def work(session: Session, actor: Actor, locale: str) -> None:
        chain = chain_of_command(session=session, actor=actor, unit_id=unit, on=when)
        table = Table(
            title=gettext(locale, N_("Chain of command on {date}"), date=when.isoformat()),
            show_lines=True,
        )
        for heading in (N_("Level"), N_("Unit"), N_("Force"), N_("Commander"), N_("Marking")):
            table.add_column(gettext(locale, heading))
        for level, item in enumerate(chain.items):
            commanders = "\n".join(
                f"{c.name} ({c.start.isoformat()} – {c.end.isoformat() if c.end else '…'})"
                for c in item.commanders
            )
            table.add_row(
                str(level),
                f"{item.names.get(locale) or item.name}\n{item.id}",
                item.force_label.get(locale, item.force or ""),
                commanders or "—",
                item.banner,
            )
        console().print(table)

    run_as(lang, as_user, work)
