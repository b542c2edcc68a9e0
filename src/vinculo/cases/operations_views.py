"""Pages of event deconfliction: the operations section's forms on a case page and the page
of one's deconfliction alerts."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vinculo.cases import alerts, operations
from vinculo.cases.operation_schemas import AlertResolve, OperationRegister
from vinculo.cases.views import _case_page
from vinculo.errors import InvalidFields, InvalidInput, VinculoError
from vinculo.i18n import N_
from vinculo.security.markings import Actor
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)
# A change a form makes, run in a savepoint so that bad input stores nothing.
Change = Callable[[], object]


def _errors(error: VinculoError, locale: str) -> dict[str, list[str]]:
    if isinstance(error, InvalidFields):
        return error.by_field(locale)
    return {error.field or "": [error.detail(locale)]}


def _number(text: str, field: str, errors: list[InvalidInput]) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append(InvalidInput(N_("give a number, not {value}"), field=field, value=text))
    return value


def _on_case(
    request: Request, session: Session, actor: Actor, case_id: str, work: Change
) -> Response:
    """One change from the case page; on bad input the case page again with the fields
    named (nothing stored: the change runs in a savepoint)."""
    try:
        with session.begin_nested():
            work()
    except InvalidInput as error:
        return _case_page(
            request, session, actor, case_id, status_code=422, errors=_errors(error, actor.locale)
        )
    return RedirectResponse(f"/cases/{case_id}#operations", status_code=303)


@router.post("/cases/{case_id}/operations", response_class=HTMLResponse)
def operation_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    kind: Annotated[str, Form(max_length=32)] = "",
    latitude: Annotated[str, Form(max_length=40)] = "",
    longitude: Annotated[str, Form(max_length=40)] = "",
    radius_m: Annotated[str, Form(max_length=40)] = "",
    starts_local: Annotated[str, Form(max_length=40)] = "",
    ends_local: Annotated[str, Form(max_length=40)] = "",
    contact_phone: Annotated[str, Form(max_length=64)] = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)

    def work() -> None:
        errors: list[InvalidInput] = []
        numbers = {
            name: _number(text, name, errors)
            for name, text in (
                ("latitude", latitude),
                ("longitude", longitude),
                ("radius_m", radius_m),
            )
        }
        if errors:
            # The case's own checks first: a hidden case answers as missing, not as a form.
            from vinculo.cases.service import WRITERS, _writable

            _writable(session, actor, case_id, WRITERS)
            raise InvalidFields(errors)
        operations.register_operation(
            session=session,
            actor=actor,
            case_id=case_id,
            operation_in=OperationRegister(
                kind=kind,
                starts_local=starts_local,
                ends_local=ends_local,
                contact_phone=contact_phone,
                contact_name=contact_name,
                **numbers,
            ),
            settings=settings,
        )

    return _on_case(request, session, actor, case_id, work)


@router.post("/cases/{case_id}/operations/{operation_id}/cancel", response_class=HTMLResponse)
def cancel_form(
    request: Request,
    case_id: str,
    operation_id: str,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _on_case(
        request,
        session,
        actor,
        case_id,
        lambda: operations.set_status(
            session=session,
            actor=actor,
            case_id=case_id,
            operation_id=operation_id,
            status=operations.CANCELLED,
            settings=settings,
        ),
    )


def _alerts_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    listed = alerts.list_alerts(session=session, actor=actor)
    return render(
        request,
        "cases/alerts.html",
        actor=actor,
        status_code=status_code,
        alerts=listed.items,
        errors=errors or {},
    )


@router.get("/deconfliction/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _alerts_page(request, session, actor)


def _on_alert(request: Request, session: Session, actor: Actor, work: Change) -> Response:
    try:
        with session.begin_nested():
            work()
    except InvalidInput as error:
        return _alerts_page(
            request, session, actor, status_code=422, errors=_errors(error, actor.locale)
        )
    return RedirectResponse("/deconfliction/alerts", status_code=303)


@router.post("/deconfliction/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_form(
    request: Request, alert_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _on_alert(
        request,
        session,
        actor,
        lambda: alerts.acknowledge(session=session, actor=actor, alert_id=alert_id),
    )


@router.post("/deconfliction/alerts/{alert_id}/resolve", response_class=HTMLResponse)
def resolve_form(
    request: Request,
    alert_id: str,
    session: SessionDep,
    actor: PageActor,
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _on_alert(
        request,
        session,
        actor,
        lambda: alerts.resolve(
            session=session, actor=actor, alert_id=alert_id, resolve_in=AlertResolve(note=note)
        ),
    )
