"""REST routes for planned operations and deconfliction alerts. Thin: each calls one service."""

from __future__ import annotations

from fastapi import APIRouter

from vinculo.cases import alerts, operations
from vinculo.cases.operation_schemas import (
    AlertList,
    AlertRead,
    AlertResolve,
    OperationChange,
    OperationCheck,
    OperationList,
    OperationRead,
    OperationRegister,
)
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(tags=["cases"])


@router.get("/cases/{case_id}/operations", response_model=OperationList)
def list_operations(case_id: str, session: SessionDep, actor: ApiActor) -> OperationList:
    return operations.list_operations(session=session, actor=actor, case_id=case_id)


@router.post("/cases/{case_id}/operations", response_model=OperationCheck, status_code=201)
def register_operation(
    case_id: str,
    operation_in: OperationRegister,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> OperationCheck:
    return operations.register_operation(
        session=session,
        actor=actor,
        case_id=case_id,
        operation_in=operation_in,
        settings=settings,
    )


@router.get("/cases/{case_id}/operations/{operation_id}", response_model=OperationRead)
def get_operation(
    case_id: str, operation_id: str, session: SessionDep, actor: ApiActor
) -> OperationRead:
    return operations.get_operation(
        session=session, actor=actor, case_id=case_id, operation_id=operation_id
    )


@router.post("/cases/{case_id}/operations/{operation_id}/change", response_model=OperationCheck)
def change_operation(
    case_id: str,
    operation_id: str,
    change_in: OperationChange,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> OperationCheck:
    return operations.change_operation(
        session=session,
        actor=actor,
        case_id=case_id,
        operation_id=operation_id,
        change_in=change_in,
        settings=settings,
    )


@router.post("/cases/{case_id}/operations/{operation_id}/cancel", response_model=OperationRead)
def cancel_operation(
    case_id: str,
    operation_id: str,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> OperationRead:
    return operations.set_status(
        session=session,
        actor=actor,
        case_id=case_id,
        operation_id=operation_id,
        status=operations.CANCELLED,
        settings=settings,
    )


@router.post("/cases/{case_id}/operations/{operation_id}/done", response_model=OperationRead)
def complete_operation(
    case_id: str,
    operation_id: str,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> OperationRead:
    return operations.set_status(
        session=session,
        actor=actor,
        case_id=case_id,
        operation_id=operation_id,
        status=operations.DONE,
        settings=settings,
    )


@router.get("/deconfliction/alerts", response_model=AlertList)
def list_alerts(session: SessionDep, actor: ApiActor, status: str | None = None) -> AlertList:
    return alerts.list_alerts(session=session, actor=actor, status=status)


@router.post("/deconfliction/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge_alert(alert_id: str, session: SessionDep, actor: WriteActor) -> AlertRead:
    return alerts.acknowledge(session=session, actor=actor, alert_id=alert_id)


@router.post("/deconfliction/alerts/{alert_id}/resolve", response_model=AlertRead)
def resolve_alert(
    alert_id: str, resolve_in: AlertResolve, session: SessionDep, actor: WriteActor
) -> AlertRead:
    return alerts.resolve(session=session, actor=actor, alert_id=alert_id, resolve_in=resolve_in)
