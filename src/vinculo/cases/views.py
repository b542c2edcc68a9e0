"""Pages of joint cases and task forces: lists, and each one under its marking banner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from vinculo.cases import (
    operation_pointers,
    operation_section_views,
    pointers,
    service,
    targets,
    task_forces,
)
from vinculo.cases.models import Case
from vinculo.cases.schemas import (
    CaseCreate,
    CaseStatusUpdate,
    MemberAdd,
    ReportLink,
    SubjectAdd,
    TaskCreate,
    TaskForceCreate,
)
from vinculo.errors import InvalidFields, InvalidInput, VinculoError
from vinculo.intel.models import Report
from vinculo.intel.views import Show
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
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
    return _cases_page(request, session, actor, status)


def _cases_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    status: str | None,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    listed = service.list_cases(
        session=session,
        actor=actor,
        limit=200,
        status=status if status in service.STATUSES else None,
    )
    rows = _rows(session, [c.id for c in listed.items])
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    by_id = {r.id: r for r in rows}
    forces = task_forces.list_task_forces(session=session, actor=actor, limit=200).items
    return _page(
        request,
        "cases/list.html",
        actor=actor,
        status_code=status_code,
        cases=[(by_id[c.id], marks[by_id[c.id].marking_id]) for c in listed.items],
        total=listed.total,
        status=status,
        statuses=service.STATUSES,
        task_forces=forces,
        may_open=allowed(actor, Permission.FILE_REPORT) and bool(actor.agency),
        errors=errors or {},
        form=form or {"lead_agency": actor.agency, "agencies": [actor.agency], "tlp": "AMBER"},
    )


@router.post("/cases", response_class=HTMLResponse)
def open_case_form(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    title: Annotated[str, Form(max_length=1_000)] = "",
    lead_agency: Annotated[str, Form(max_length=16)] = "",
    agencies: Annotated[list[str] | None, Form()] = None,
    tlp: Annotated[str, Form(max_length=16)] = "AMBER",
    task_force: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    chosen = [a for a in (agencies or []) if a][:50]
    # The title is taken in the reader's language; the other can be added by a colleague.
    case_in = CaseCreate(
        title_en=title if actor.locale != "es" else "",
        title_es=title if actor.locale == "es" else "",
        lead_agency=lead_agency,
        agencies=chosen,
        tlp=tlp,
        task_force=task_force or None,
    )
    try:
        with session.begin_nested():
            case = service.create_case(session=session, actor=actor, case_in=case_in)
    except InvalidInput as error:
        if "title_en" in (errors := _errors(error, actor.locale)):
            errors["title"] = errors.pop("title_en")
        form: dict[str, object] = {
            "title": title,
            "lead_agency": lead_agency,
            "agencies": chosen,
            "tlp": tlp,
            "task_force": task_force,
        }
        return _cases_page(request, session, actor, None, status_code=422, errors=errors, form=form)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


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
            task_force = task_forces.get_task_force(
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
        targets=targets.list_targets(session=session, actor=actor, case_id=case.id),
        checked=pointers.checked_nodes(session, request.app.state.settings, case, utcnow())[1:],
        **operation_section_views.section(session, actor, case.id),
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

    def work() -> None:
        case = service.set_status(
            session=session, actor=actor, case_id=case_id, status_in=status_in
        )
        # Its registrations' and planned operations' pointers follow it at the partners.
        settings = request.app.state.settings
        pointers.on_case_status(session=session, settings=settings, case=case)
        operation_pointers.on_case_status(session=session, settings=settings, case=case)

    return _change(request, session, actor, case_id, work)


@router.post("/cases/{case_id}/members", response_class=HTMLResponse)
def member_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "analyst",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    member_in = MemberAdd(username=username, role=role)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.add_member(
            session=session, actor=actor, case_id=case_id, member_in=member_in
        ),
    )


@router.post("/cases/{case_id}/reports", response_class=HTMLResponse)
def report_form(
    request: Request,
    case_id: str,
    session: SessionDep,
    actor: PageActor,
    report_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    link_in = ReportLink(report_id=report_id)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.link_report(session=session, actor=actor, case_id=case_id, link_in=link_in),
    )


@router.post("/cases/{case_id}/tasks/{task_id}/done", response_class=HTMLResponse)
def task_done_form(
    request: Request, case_id: str, task_id: int, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _change(
        request,
        session,
        actor,
        case_id,
        lambda: service.complete_task(
            session=session, actor=actor, case_id=case_id, task_id=task_id
        ),
    )


@router.get("/task-forces", response_class=HTMLResponse)
def task_forces_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _task_forces_page(request, session, actor)


def _task_forces_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    listed = task_forces.list_task_forces(session=session, actor=actor, limit=200)
    return _page(
        request,
        "cases/task_forces.html",
        actor=actor,
        status_code=status_code,
        task_forces=listed.items,
        total=listed.total,
        may_open=allowed(actor, Permission.FILE_REPORT) and bool(actor.agency),
        errors=errors or {},
        form=form or {"agencies": [actor.agency], "tlp": "AMBER"},
        own_groups=sorted(actor.groups),
    )


@router.post("/task-forces", response_class=HTMLResponse)
def open_task_force_form(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    name: Annotated[str, Form(max_length=200)] = "",
    agencies: Annotated[list[str] | None, Form()] = None,
    tlp: Annotated[str, Form(max_length=16)] = "AMBER",
    group: Annotated[str, Form(max_length=64)] = "",
    collection: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    chosen = [a for a in (agencies or []) if a][:50]
    task_force_in = TaskForceCreate(
        name_en=name if actor.locale != "es" else "",
        name_es=name if actor.locale == "es" else "",
        agencies=chosen,
        tlp=tlp,
        group=group or None,
        collection=collection or None,
    )
    try:
        with session.begin_nested():
            made = task_forces.create_task_force(
                session=session, actor=actor, task_force_in=task_force_in
            )
    except InvalidInput as error:
        errors = _errors(error, actor.locale)
        if "name_en" in errors:
            errors["name"] = errors.pop("name_en")
        form: dict[str, object] = {
            "name": name,
            "agencies": chosen,
            "tlp": tlp,
            "group": group,
            "collection": collection,
        }
        return _task_forces_page(request, session, actor, status_code=422, errors=errors, form=form)
    return RedirectResponse(f"/task-forces/{made.id}", status_code=303)


@router.post("/task-forces/{task_force_id}/members", response_class=HTMLResponse)
def task_force_member_form(
    request: Request,
    task_force_id: str,
    session: SessionDep,
    actor: PageActor,
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    member_in = MemberAdd(username=username)
    try:
        with session.begin_nested():
            task_forces.add_task_force_member(
                session=session, actor=actor, task_force_id=task_force_id, member_in=member_in
            )
    except InvalidInput as error:
        return _task_force_page(
            request,
            session,
            actor,
            task_force_id,
            status_code=422,
            errors=_errors(error, actor.locale),
        )
    return RedirectResponse(f"/task-forces/{task_force_id}", status_code=303)


@router.get("/task-forces/{task_force_id}", response_class=HTMLResponse)
def task_force_page(
    request: Request, task_force_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _task_force_page(request, session, actor, task_force_id)


def _task_force_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    task_force_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    found = task_forces.get_task_force(session=session, actor=actor, task_force_id=task_force_id)
    read = task_forces.task_force_read(session=session, actor=actor, task_force=found)
    markings = markings_by_id(session=session, ids={found.marking_id})[found.marking_id]
    cases = {c.id: c for c in _rows(session, read.case_ids)}
    return _page(
        request,
        "cases/task_force.html",
        actor=actor,
        status_code=status_code,
        task_force=found,
        read=read,
        markings=markings,
        cases=[cases[i] for i in read.case_ids if i in cases],
        may_add=allowed(actor, Permission.FILE_REPORT),
        errors=errors or {},
    )
