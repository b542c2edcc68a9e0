"""Pages of joint cases and task forces: lists, and each one under its marking banner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from vinculo.cases import service
from vinculo.cases.models import Case
from vinculo.cases.schemas import CaseStatusUpdate, SubjectAdd, TaskCreate
from vinculo.errors import InvalidFields, InvalidInput, VinculoError
from vinculo.intel.models import Report
from vinculo.intel.views import Show
from vinculo.security.markings import Actor
from vinculo.security.policy import markings_by_id
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import PageActor, SessionDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, name: str, *, actor: Actor, status_code: int = 200, **context: object
) -> Response:
    return render(
        request, name, actor=actor, status_code=status_code, show=Show(actor.locale), **context
    )


def _errors(error: VinculoError, locale: str) -> dict[str, list[str]]:
    if isinstance(error, InvalidFields):
        return error.by_field(locale)
    return {error.field or "": [error.detail(locale)]}


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request, session: SessionDep, actor: PageActor, status: str | None = None
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    listed = service.list_cases(
        session=session,
        actor=actor,
        limit=200,
        status=status if status in service.STATUSES else None,
    )
    rows = _rows(session, [c.id for c in listed.items])
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    by_id = {r.id: r for r in rows}
    return _page(
        request,
        "cases/list.html",
        actor=actor,
        cases=[(by_id[c.id], marks[by_id[c.id].marking_id]) for c in listed.items],
        total=listed.total,
        status=status,
        statuses=service.STATUSES,
    )


def _rows(session: SessionDep, ids: list[str]) -> list[Case]:
    if not ids:
        return []
    return list(session.execute(select(Case).where(Case.id.in_(ids))).scalars())


def _case_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    case_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    view = service.case_view(session=session, actor=actor, case=case)
    reports = (
        list(session.execute(select(Report).where(Report.id.in_(view.report_ids))).scalars())
        if view.report_ids
        else []
    )
    titles = {r.id: r.title(actor.locale) for r in reports}
    line = service.timeline(session=session, actor=actor, case_id=case.id)
    task_force = None
    if case.task_force_id:
        try:
            task_force = service.get_task_force(
                session=session, actor=actor, task_force_id=case.task_force_id
            )
        except VinculoError:
            task_force = None  # a task force the reader may not see is not named
    return _page(
        request,
        "cases/case.html",
        actor=actor,
        status_code=status_code,
        case=case,
        view=view,
        titles=titles,
        captions={s.entity_id: s.caption for s in view.subjects},
        timeline=line.items,
        task_force=task_force,
        may_write=view.role in service.WRITERS and allowed(actor, Permission.FILE_REPORT),
        may_lead=view.role in service.LEADS and allowed(actor, Permission.FILE_REPORT),
        errors=errors or {},
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _case_page(request, session, actor, case_id)


def _change(
    request: Request,
    session: SessionDep,
    actor: Actor,
    case_id: str,
    work: service.Change,
) -> Response:
    """Make one change; on bad input the case page again with the fields named (nothing
    stored: the change runs in a savepoint), else back to the case."""
    try:
        with session.begin_nested():
            work()
    except InvalidInput as error:
        return _case_page(
            request, session, actor, case_id, status_code=422, errors=_errors(error, actor.locale)
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/subjects", response_class=HTMLResponse)
def subject_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    entity_id: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    subject_in = SubjectAdd(entity_id=entity_id)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.add_subject(
            session=session, actor=actor, case_id=case_id, subject_in=subject_in
        ),
    )


@router.post("/cases/{case_id}/tasks", response_class=HTMLResponse)
def task_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    title: Annotated[str, Form(max_length=10_000)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
    due: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    task_in = TaskCreate(title=title, owner=owner, due=due)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.add_task(session=session, actor=actor, case_id=case_id, task_in=task_in),
    )


@router.post("/cases/{case_id}/status", response_class=HTMLResponse)
def status_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    status: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    status_in = CaseStatusUpdate(status=status, reason=reason)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.set_status(
            session=session, actor=actor, case_id=case_id, status_in=status_in
        ),
    )


@router.get("/task-forces", response_class=HTMLResponse)
def task_forces_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    listed = service.list_task_forces(session=session, actor=actor, limit=200)
    return _page(
        request, "cases/task_forces.html", actor=actor, task_forces=listed.items, total=listed.total
    )


@router.get("/task-forces/{task_force_id}", response_class=HTMLResponse)
def task_force_page(
    request: Request, task_force_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    found = service.get_task_force(session=session, actor=actor, task_force_id=task_force_id)
    read = service.task_force_read(session=session, actor=actor, task_force=found)
    markings = markings_by_id(session=session, ids={found.marking_id})[found.marking_id]
    cases = {c.id: c for c in _rows(session, read.case_ids)}
    return _page(
        request,
        "cases/task_force.html",
        actor=actor,
        task_force=found,
        read=read,
        markings=markings,
        cases=[cases[i] for i in read.case_ids if i in cases],
    )
