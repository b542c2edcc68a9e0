"""`vinculo assistance training …` and `vinculo assistance equipment …`: record a training
event and seat vetted participants, record equipment delivered to a vetted unit and its
end-use checks, and list both, as one account (`--as NAME`), held to that account's roles
and markings like the API. A refusal of the Leahy gate names the subject and the reason in
the chosen language and exits with code 2; nothing is stored."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from vinculo.i18n import N_, gettext
from vinculo.intel.schemas import MarkingsIn
from vinculo.security.command_line import AsUser, Lang, console, parse_day, run_as
from vinculo.security.markings import Actor

training_app = typer.Typer(
    help="Training events: record one, seat a vetted participant, list them.",
    no_args_is_help=True,
)
equipment_app = typer.Typer(
    help="Equipment: record a delivery to a vetted unit, an end-use check, list the items.",
    no_args_is_help=True,
)


Day = Annotated[str, typer.Option(help="A date, YYYY-MM-DD.")]
Tlp = Annotated[str, typer.Option(help="TLP level.")]
RelTo = Annotated[str, typer.Option(help="Nations, comma-separated.")]
Group = Annotated[list[str] | None, typer.Option(help="Need-to-know group.")]


def _bad(error: ValidationError) -> typer.BadParameter:
    """The first field pydantic refused, named as the option it came from."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    return typer.BadParameter(first["msg"], param_hint=f"--{field.replace('_', '-')}")


def _marks(tlp: str, rel_to: str, group: list[str] | None) -> MarkingsIn:
    return MarkingsIn(
        tlp=tlp, rel_to=[n for n in rel_to.split(",") if n.strip()], groups=group or []
    )


@training_app.command("add")
def training_add(
    as_user: AsUser,
    course: Annotated[str, typer.Option(help="The course given.")],
    start: Day,
    end: Annotated[str, typer.Option(help="The last day (default: the first).")] = "",
    state: Annotated[str, typer.Option(help="State where it was given.")] = "",
    municipality: Annotated[str, typer.Option(help="Municipality where it was given.")] = "",
    human_rights: Annotated[
        bool, typer.Option("--human-rights/--no-human-rights", help="Human-rights content.")
    ] = False,
    hours: Annotated[str, typer.Option(help="Hours of human-rights content.")] = "0",
    provider: Annotated[str, typer.Option(help="Who gave the course.")] = "",
    programme: Annotated[str, typer.Option(help="The assistance programme's id.")] = "",
    tlp: Tlp = "GREEN",
    rel_to: RelTo = "USA,MEX",
    group: Group = None,
    lang: Lang = None,
) -> None:
    """Record a training event; prints its id."""
    from vinculo.assistance.training import create_training
    from vinculo.assistance.training_schemas import TrainingCreate

    try:
        training_in = TrainingCreate(
            course=course,
            starts_on=parse_day(start, "--start"),
            ends_on=parse_day(end, "--end") if end else None,
            state=state,
            municipality=municipality,
            human_rights=human_rights,
            human_rights_hours=Decimal(hours),
            provider=provider,
            programme_id=programme or None,
            markings=_marks(tlp, rel_to, group),
        )
    except InvalidOperation:
        raise typer.BadParameter(hours, param_hint="--hours") from None
    except ValidationError as error:
        raise _bad(error) from None

    def work(session: Session, actor: Actor, locale: str) -> None:
        made = create_training(session=session, actor=actor, training_in=training_in)
        console().print(gettext(locale, N_("Training event {id} recorded."), id=made.id))

    run_as(lang, as_user, work)


@training_app.command("seat")
def training_seat(
    event: Annotated[str, typer.Argument(help="The training event's id.")],
    as_user: AsUser,
    unit: Annotated[str, typer.Option(help="The unit's entity id.")],
    person: Annotated[
        str, typer.Option(help="The person's entity id (none: the unit is seated).")
    ] = "",
    lang: Lang = None,
) -> None:
    """Seat a person from a unit, or a whole unit, once Leahy vetting approves both for
    training on the event's first day; a refusal names the subject and the reason."""
    from vinculo.assistance.training import seat
    from vinculo.assistance.training_schemas import SeatCreate

    def work(session: Session, actor: Actor, locale: str) -> None:
        seat(
            session=session,
            actor=actor,
            event_id=event,
            seat_in=SeatCreate(person_entity_id=person or None, unit_entity_id=unit),
        )
        console().print(gettext(locale, N_("Seated at training event {id}."), id=event))

    run_as(lang, as_user, work)


@training_app.command("list")
def training_list(
    as_user: AsUser,
    unit: Annotated[str, typer.Option(help="Events a unit sent participants to.")] = "",
    fiscal_year: Annotated[int | None, typer.Option(help="Events of a fiscal year.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    lang: Lang = None,
) -> None:
    """The training events the account may see, newest first, with their markings."""
    from vinculo.assistance.training import list_trainings

    def work(session: Session, actor: Actor, locale: str) -> None:
        found = list_trainings(
            session=session,
            actor=actor,
            limit=limit,
            unit=unit or None,
            fiscal_year=fiscal_year,
        )
        table = Table(
            title=gettext(locale, N_("Training events: {total}"), total=found.total),
            show_lines=True,
        )
        for heading in (
            N_("Event"),
            N_("Course"),
            N_("Dates"),
            N_("Place"),
            N_("Human-rights hours"),
            N_("Seats"),
            N_("Marking"),
        ):
            table.add_column(gettext(locale, heading))
        for e in found.items:
            table.add_row(
                e.id,
                f"{e.course}\n{e.provider}",
                f"{e.starts_on.isoformat()} – {e.ends_on.isoformat()}",
                ", ".join(p for p in (e.municipality, e.state) if p),
                str(e.human_rights_hours) if e.human_rights else "—",
                str(e.seats),
                e.banner,
            )
        console().print(table)

    run_as(lang, as_user, work)


@equipment_app.command("deliver")
def equipment_deliver(
    as_user: AsUser,
    type_: Annotated[str, typer.Option("--type", help="helicopter, scanner, drone, radio …")],
    serial: Annotated[str, typer.Option(help="The serial number.")],
    value: Annotated[str, typer.Option(help="Value in USD.")],
    unit: Annotated[str, typer.Option(help="The recipient unit's entity id.")],
    delivered: Day,
    description: Annotated[str, typer.Option(help="What it is.")] = "",
    programme: Annotated[str, typer.Option(help="The assistance programme's id.")] = "",
    interval: Annotated[
        int, typer.Option(min=1, max=3650, help="Days between end-use checks.")
    ] = 365,
    tlp: Tlp = "GREEN",
    rel_to: RelTo = "USA,MEX",
    group: Group = None,
    lang: Lang = None,
) -> None:
    """Record an item delivered to a unit Leahy vetting approves for equipment on the
    delivery day; prints its id, or the refusal naming the unit and the reason."""
    from vinculo.assistance.equipment import deliver
    from vinculo.assistance.equipment_schemas import EquipmentCreate

    try:
        equipment_in = EquipmentCreate(
            type=type_,
            description=description,
            serial_number=serial,
            value_usd=Decimal(value),
            unit_entity_id=unit,
            delivered_on=parse_day(delivered, "--delivered"),
            programme_id=programme or None,
            check_interval_days=interval,
            markings=_marks(tlp, rel_to, group),
        )
    except InvalidOperation:
        raise typer.BadParameter(value, param_hint="--value") from None
    except ValidationError as error:
        raise _bad(error) from None

    def work(session: Session, actor: Actor, locale: str) -> None:
        made = deliver(session=session, actor=actor, equipment_in=equipment_in)
        console().print(gettext(locale, N_("Equipment item {id} recorded."), id=made.id))

    run_as(lang, as_user, work)


@equipment_app.command("check")
def equipment_check(
    item: Annotated[str, typer.Argument(help="The equipment item's id.")],
    as_user: AsUser,
    on: Day,
    kind: Annotated[
        str,
        typer.Option(
            help="routine, enhanced, blue_lantern_prelicense or blue_lantern_postshipment."
        ),
    ] = "routine",
    result: Annotated[str, typer.Option(help="verified, discrepancy or not_found.")] = "verified",
    discrepancy: Annotated[str, typer.Option(help="What the check found.")] = "",
    ad_hoc: Annotated[bool, typer.Option(help="An ad hoc check, not a scheduled one.")] = False,
    lang: Lang = None,
) -> None:
    """Record an end-use check of an item and its result."""
    from vinculo.assistance.equipment import add_check
    from vinculo.assistance.equipment_schemas import CheckCreate

    try:
        check_in = CheckCreate(
            checked_on=parse_day(on, "--on"),
            scheduled=not ad_hoc,
            kind=kind,
            result=result,
            discrepancy=discrepancy,
        )
    except ValidationError as error:
        raise _bad(error) from None

    def work(session: Session, actor: Actor, locale: str) -> None:
        add_check(session=session, actor=actor, item_id=item, check_in=check_in)
        console().print(gettext(locale, N_("Check of equipment item {id} recorded."), id=item))

    run_as(lang, as_user, work)


@equipment_app.command("list")
def equipment_list(
    as_user: AsUser,
    unit: Annotated[str, typer.Option(help="Items a unit received or held.")] = "",
    overdue: Annotated[
        bool, typer.Option(help="Only the items overdue for their end-use check.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    lang: Lang = None,
) -> None:
    """The equipment the account may see, newest first, with its last check and whether it
    is overdue for the next."""
    from vinculo.assistance.equipment import list_equipment

    def work(session: Session, actor: Actor, locale: str) -> None:
        found = list_equipment(
            session=session,
            actor=actor,
            limit=limit,
            unit=unit or None,
            overdue=True if overdue else None,
        )
        table = Table(
            title=gettext(locale, N_("Equipment items: {total}"), total=found.total),
            show_lines=True,
        )
        for heading in (
            N_("Item"),
            N_("Type"),
            N_("Serial number"),
            N_("Value (USD)"),
            N_("Unit"),
            N_("Last check"),
            N_("Next check due"),
            N_("Marking"),
        ):
            table.add_column(gettext(locale, heading))
        for i in found.items:
            due = i.next_check_due.isoformat()
            table.add_row(
                i.id,
                i.type_label,
                i.serial_number,
                f"{i.value_usd:,.2f}",
                i.unit_caption or "—",
                i.last_check.isoformat() if i.last_check else "—",
                f"[red]{due} {gettext(locale, N_('OVERDUE'))}[/red]" if i.overdue else due,
                i.banner,
            )
        console().print(table)

    run_as(lang, as_user, work)
