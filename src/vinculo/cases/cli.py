"""`vinculo cases …`: list, show, open and close joint cases and register their targets as
one account (`--as NAME`), held to that account's markings and roles like the API and the
pages."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from vinculo.security.command_line import AsUser, Lang, console, run_as
from vinculo.security.markings import Actor
from vinculo.settings import Settings

app = typer.Typer(help="Joint cases: list, show, open and close them.", no_args_is_help=True)


@app.command("list")
def list_command(
    as_user: AsUser,
    status: Annotated[str | None, typer.Option(help="open, suspended or closed.")] = None,
    lang: Lang = None,
) -> None:
    """The cases the account may see, newest first: id, status, lead agency, marking and
    title, tab-separated; then how many."""
    from vinculo.cases import service

    def work(session: Session, actor: Actor, locale: str) -> None:
        listed = service.list_cases(session=session, actor=actor, limit=200, status=status)
        # One case a line, tab-separated, so that scripts can read it at any width.
        for case in listed.items:
            title = (case.title_es if locale == "es" else case.title_en) or case.title_en
            fields = (case.id, case.status, case.lead_agency, case.markings.banner)
            console().print("\t".join([*fields, title or case.title_es]), soft_wrap=True)
        console().print(f"{listed.total}")

    run_as(lang, as_user, work)


@app.command("show")
def show_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    lang: Lang = None,
) -> None:
    """One case as the account may see it, as JSON; one it may not see: "no such case"."""
    from vinculo.cases import service

    def work(session: Session, actor: Actor, locale: str) -> None:
        case = service.get_case(session=session, actor=actor, case_id=case_id)
        read = service.case_read(session=session, actor=actor, case=case)
        console().print_json(read.model_dump_json(by_alias=True))

    run_as(lang, as_user, work)


@app.command("open")
def open_command(
    title: Annotated[str, typer.Argument(help="The case's title.")],
    as_user: AsUser,
    lead: Annotated[str | None, typer.Option(help="Lead agency (default: the account's).")] = None,
    agency: Annotated[
        list[str] | None, typer.Option(help="A member agency; repeat for several.")
    ] = None,
    tlp: Annotated[str, typer.Option(help="GREEN or AMBER.")] = "AMBER",
    task_force: Annotated[str | None, typer.Option(help="Id of the task force.")] = None,
    spanish: Annotated[bool, typer.Option("--es", help="The title is in Spanish.")] = False,
    lang: Lang = None,
) -> None:
    """Open a case; the account becomes its lead member. Prints its id."""
    from vinculo.cases import service
    from vinculo.cases.schemas import CaseCreate

    def work(session: Session, actor: Actor, locale: str) -> None:
        case_in = CaseCreate(
            title_en="" if spanish else title,
            title_es=title if spanish else "",
            lead_agency=lead or actor.agency or "",
            agencies=agency or [],
            tlp=tlp,
            task_force=task_force,
        )
        case = service.create_case(session=session, actor=actor, case_in=case_in)
        console().print(case.id)

    run_as(lang, as_user, work)


@app.command("close")
def close_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why the case is closed (required).")] = "",
    lang: Lang = None,
) -> None:
    """Close a case (its lead only). Nothing of it is deleted."""
    from vinculo.cases import operation_pointers, pointers, service
    from vinculo.cases.schemas import CaseStatusUpdate

    def work(session: Session, actor: Actor, locale: str) -> None:
        status_in = CaseStatusUpdate(status="closed", reason=reason)
        case = service.set_status(
            session=session, actor=actor, case_id=case_id, status_in=status_in
        )
        # Its registrations' and planned operations' pointers are revoked at the partners.
        pointers.on_case_status(session=session, settings=Settings(), case=case)
        operation_pointers.on_case_status(session=session, settings=Settings(), case=case)
        console().print(f"{case.id} {case.status}")

    run_as(lang, as_user, work)


@app.command("targets")
def targets_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    lang: Lang = None,
) -> None:
    """The case's registered targets and its deconfliction notices, as JSON."""
    from vinculo.cases import targets

    def work(session: Session, actor: Actor, locale: str) -> None:
        listed = targets.list_targets(session=session, actor=actor, case_id=case_id)
        console().print_json(listed.model_dump_json())

    run_as(lang, as_user, work)


@app.command("register-target")
def register_target_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    kind: Annotated[
        str, typer.Option(help="person, phone, vehicle, bank_account, address or company.")
    ],
    contact_phone: Annotated[str, typer.Option(help="The phone partners call you on.")],
    name: Annotated[str | None, typer.Option(help="A person's or company's name.")] = None,
    birth_date: Annotated[str | None, typer.Option(help="A person's birth date.")] = None,
    phone: Annotated[
        list[str] | None, typer.Option(help="A phone number; repeat for several.")
    ] = None,
    curp: Annotated[str | None, typer.Option()] = None,
    rfc: Annotated[str | None, typer.Option()] = None,
    passport: Annotated[str | None, typer.Option()] = None,
    plate: Annotated[str | None, typer.Option()] = None,
    plate_state: Annotated[str | None, typer.Option()] = None,
    account: Annotated[str | None, typer.Option(help="CLABE, IBAN or account number.")] = None,
    address: Annotated[str | None, typer.Option()] = None,
    entity: Annotated[str | None, typer.Option(help="An entity id you may see.")] = None,
    contact_name: Annotated[str, typer.Option(help="Default: your display name.")] = "",
    lang: Lang = None,
) -> None:
    """Register a subject on the case and check it against every other active registration
    on this node; prints the registration, its notices and the nodes checked, as JSON."""
    from vinculo.cases import targets
    from vinculo.cases.schemas import TargetRegister

    def work(session: Session, actor: Actor, locale: str) -> None:
        target_in = TargetRegister(
            kind=kind,
            name=name,
            birth_date=birth_date,
            phones=phone or [],
            curp=curp,
            rfc=rfc,
            passport=passport,
            plate=plate,
            plate_state=plate_state,
            account=account,
            address=address,
            entity_id=entity,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
        result = targets.register_target(
            session=session, actor=actor, case_id=case_id, target_in=target_in, settings=Settings()
        )
        console().print_json(result.model_dump_json())

    run_as(lang, as_user, work)


@app.command("operations")
def operations_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    lang: Lang = None,
) -> None:
    """The case's planned operations (UTC and the place's local time) and the alerts raised
    on them, as JSON."""
    from vinculo.cases import operations

    def work(session: Session, actor: Actor, locale: str) -> None:
        listed = operations.list_operations(session=session, actor=actor, case_id=case_id)
        console().print_json(listed.model_dump_json())

    run_as(lang, as_user, work)


@app.command("plan-operation")
def plan_operation_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    as_user: AsUser,
    kind: Annotated[
        str,
        typer.Option(
            help="raid, buy_walk, surveillance, arrest, controlled_delivery or search_warrant."
        ),
    ],
    lat: Annotated[float, typer.Option(help="Latitude of the place, in degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude of the place, in degrees.")],
    starts: Annotated[str, typer.Option(help="Local time at the place: 2027-01-21T05:00.")],
    ends: Annotated[str, typer.Option(help="Local time at the place: 2027-01-21T11:00.")],
    contact_phone: Annotated[str, typer.Option(help="The phone partners call you on.")],
    radius: Annotated[float, typer.Option(help="Radius of the place, in metres.")] = 500,
    agency: Annotated[str | None, typer.Option(help="Operating agency (default: yours).")] = None,
    contact_name: Annotated[str, typer.Option(help="Default: your display name.")] = "",
    lang: Lang = None,
) -> None:
    """Plan an operation on the case and check it against every other planned operation on
    this node; prints the operation and any alert raised, as JSON."""
    from vinculo.cases import operations
    from vinculo.cases.operation_schemas import OperationRegister

    def work(session: Session, actor: Actor, locale: str) -> None:
        operation_in = OperationRegister(
            kind=kind,
            latitude=lat,
            longitude=lon,
            radius_m=radius,
            starts_local=starts,
            ends_local=ends,
            agency=agency,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
        result = operations.register_operation(
            session=session,
            actor=actor,
            case_id=case_id,
            operation_in=operation_in,
            settings=Settings(),
        )
        console().print_json(result.model_dump_json())

    run_as(lang, as_user, work)


@app.command("cancel-operation")
def cancel_operation_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    operation_id: Annotated[str, typer.Argument(help="The operation's id.")],
    as_user: AsUser,
    lang: Lang = None,
) -> None:
    """Cancel a planned operation: it meets no other after."""
    from vinculo.cases import operations

    def work(session: Session, actor: Actor, locale: str) -> None:
        op = operations.set_status(
            session=session,
            actor=actor,
            case_id=case_id,
            operation_id=operation_id,
            status=operations.CANCELLED,
            settings=Settings(),
        )
        console().print(f"{op.id} {op.status}")

    run_as(lang, as_user, work)


@app.command("alerts")
def alerts_command(as_user: AsUser, lang: Lang = None) -> None:
    """The deconfliction alerts the account is a party to, as JSON."""
    from vinculo.cases import alerts

    def work(session: Session, actor: Actor, locale: str) -> None:
        console().print_json(alerts.list_alerts(session=session, actor=actor).model_dump_json())

    run_as(lang, as_user, work)


@app.command("acknowledge-alert")
def acknowledge_alert_command(
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    as_user: AsUser,
    lang: Lang = None,
) -> None:
    """Acknowledge an alert for your side (one of the two operations' contacts)."""
    from vinculo.cases import alerts

    def work(session: Session, actor: Actor, locale: str) -> None:
        read = alerts.acknowledge(session=session, actor=actor, alert_id=alert_id)
        console().print_json(read.model_dump_json())

    run_as(lang, as_user, work)


@app.command("resolve-alert")
def resolve_alert_command(
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")],
    as_user: AsUser,
    note: Annotated[str, typer.Option(help="How the overlap was settled (required).")] = "",
    lang: Lang = None,
) -> None:
    """Resolve an alert both sides acknowledged (a watch supervisor or either side)."""
    from vinculo.cases import alerts
    from vinculo.cases.operation_schemas import AlertResolve

    def work(session: Session, actor: Actor, locale: str) -> None:
        read = alerts.resolve(
            session=session, actor=actor, alert_id=alert_id, resolve_in=AlertResolve(note=note)
        )
        console().print_json(read.model_dump_json())

    run_as(lang, as_user, work)
