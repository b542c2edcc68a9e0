"""REST routes for joint cases and task forces. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.cases import operation_pointers, pointers, service, targets, task_forces
from vinculo.cases.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseStatusUpdate,
    MemberAdd,
    ReportLink,
    SubjectAdd,
    TargetCheck,
    TargetList,
    TargetRead,
    TargetRegister,
    TaskCreate,
    TaskForceCreate,
    TaskForceList,
    TaskForceRead,
    Timeline,
)
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(tags=["cases"])
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/cases", response_model=CaseList)
def list_cases(
    session: SessionDep,
    actor: ApiActor,
    cursor: str | None = None,
    limit: Limit = 25,
    status: str | None = None,
) -> CaseList:
    return service.list_cases(
        session=session, actor=actor, cursor=cursor, limit=limit, status=status
    )


@router.post("/cases", response_model=CaseRead, status_code=201)
def create_case(case_in: CaseCreate, session: SessionDep, actor: WriteActor) -> CaseRead:
    case = service.create_case(session=session, actor=actor, case_in=case_in)
    return service.case_read(session=session, actor=actor, case=case)


@router.get("/cases/{case_id}", response_model=CaseRead)
def get_case(case_id: str, session: SessionDep, actor: ApiActor) -> CaseRead:
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/status", response_model=CaseRead)
def set_status(
    case_id: str,
    status_in: CaseStatusUpdate,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> CaseRead:
    case = service.set_status(session=session, actor=actor, case_id=case_id, status_in=status_in)
    pointers.on_case_status(session=session, settings=settings, case=case)
    operation_pointers.on_case_status(session=session, settings=settings, case=case)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/members", response_model=CaseRead)
def add_member(
    case_id: str, member_in: MemberAdd, session: SessionDep, actor: WriteActor
) -> CaseRead:
    case = service.add_member(session=session, actor=actor, case_id=case_id, member_in=member_in)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/subjects", response_model=CaseRead)
def add_subject(
    case_id: str, subject_in: SubjectAdd, session: SessionDep, actor: WriteActor
) -> CaseRead:
    case = service.add_subject(session=session, actor=actor, case_id=case_id, subject_in=subject_in)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/reports", response_model=CaseRead)
def link_report(
    case_id: str, link_in: ReportLink, session: SessionDep, actor: WriteActor
) -> CaseRead:
    case = service.link_report(session=session, actor=actor, case_id=case_id, link_in=link_in)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/tasks", response_model=CaseRead, status_code=201)
def add_task(case_id: str, task_in: TaskCreate, session: SessionDep, actor: WriteActor) -> CaseRead:
    task = service.add_task(session=session, actor=actor, case_id=case_id, task_in=task_in)
    case = service.case_of(session=session, task=task)
    return service.case_read(session=session, actor=actor, case=case)


@router.post("/cases/{case_id}/tasks/{task_id}/done", response_model=CaseRead)
def complete_task(case_id: str, task_id: int, session: SessionDep, actor: WriteActor) -> CaseRead:
    task = service.complete_task(session=session, actor=actor, case_id=case_id, task_id=task_id)
    case = service.case_of(session=session, task=task)
    return service.case_read(session=session, actor=actor, case=case)


@router.get("/cases/{case_id}/timeline", response_model=Timeline)
def timeline(case_id: str, session: SessionDep, actor: ApiActor) -> Timeline:
    return service.timeline(session=session, actor=actor, case_id=case_id)


@router.post("/cases/{case_id}/targets", response_model=TargetCheck, status_code=201)
def register_target(
    case_id: str,
    target_in: TargetRegister,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> TargetCheck:
    return targets.register_target(
        session=session, actor=actor, case_id=case_id, target_in=target_in, settings=settings
    )


@router.get("/cases/{case_id}/targets", response_model=TargetList)
def list_targets(case_id: str, session: SessionDep, actor: ApiActor) -> TargetList:
    return targets.list_targets(session=session, actor=actor, case_id=case_id)


@router.post("/cases/{case_id}/targets/{target_id}/renew", response_model=TargetRead)
def renew_target(
    case_id: str, target_id: str, session: SessionDep, actor: WriteActor, settings: SettingsDep
) -> TargetRead:
    return targets.renew_target(
        session=session, actor=actor, case_id=case_id, target_id=target_id, settings=settings
    )


@router.post("/cases/{case_id}/targets/{target_id}/withdraw", response_model=TargetRead)
def withdraw_target(
    case_id: str, target_id: str, session: SessionDep, actor: WriteActor, settings: SettingsDep
) -> TargetRead:
    return targets.withdraw_target(
        session=session, actor=actor, case_id=case_id, target_id=target_id, settings=settings
    )


@router.get("/task-forces", response_model=TaskForceList)
def list_task_forces(
    session: SessionDep, actor: ApiActor, cursor: str | None = None, limit: Limit = 25
) -> TaskForceList:
    return task_forces.list_task_forces(session=session, actor=actor, cursor=cursor, limit=limit)


@router.post("/task-forces", response_model=TaskForceRead, status_code=201)
def create_task_force(
    task_force_in: TaskForceCreate, session: SessionDep, actor: WriteActor
) -> TaskForceRead:
    made = task_forces.create_task_force(session=session, actor=actor, task_force_in=task_force_in)
    return task_forces.task_force_read(session=session, actor=actor, task_force=made)


@router.get("/task-forces/{task_force_id}", response_model=TaskForceRead)
def get_task_force(task_force_id: str, session: SessionDep, actor: ApiActor) -> TaskForceRead:
    found = task_forces.get_task_force(session=session, actor=actor, task_force_id=task_force_id)
    return task_forces.task_force_read(session=session, actor=actor, task_force=found)


@router.post("/task-forces/{task_force_id}/members", response_model=TaskForceRead)
def add_task_force_member(
    task_force_id: str, member_in: MemberAdd, session: SessionDep, actor: WriteActor
) -> TaskForceRead:
    found = task_forces.add_task_force_member(
        session=session, actor=actor, task_force_id=task_force_id, member_in=member_in
    )
    return task_forces.task_force_read(session=session, actor=actor, task_force=found)
