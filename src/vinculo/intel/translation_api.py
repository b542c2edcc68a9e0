"""Translations of single-language reports: the API route, the form and the agency's queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from vinculo.errors import InvalidFields, InvalidInput
from vinculo.intel import service, translation
from vinculo.intel.views import Show
from vinculo.security.markings import Actor
from vinculo.security.policy import markings_by_id
from vinculo.web.deps import PageActor, SessionDep, WriteActor, sign_in_first
from vinculo.web.templating import render

router = APIRouter(tags=["reports"])
pages = APIRouter(include_in_schema=False)


class TranslationCreate(BaseModel):
    title: str = Field(min_length=1, max_length=translation.TITLE_MAX)
    summary: str = Field(min_length=1, max_length=translation.SUMMARY_MAX)


class TranslationRead(BaseModel):
    report_id: str
    lang: str
    title: str
    summary: str
    translator: str
    created_at: datetime


@router.post("/reports/{report_id}/translation", response_model=TranslationRead, status_code=201)
def add_translation(
    report_id: str, translation_in: TranslationCreate, session: SessionDep, actor: WriteActor
) -> TranslationRead:
    """The title and a summary of a single-language report in the other language."""
    row = translation.add_translation(
        session=session,
        actor=actor,
        report_id=report_id,
        title=translation_in.title,
        summary=translation_in.summary,
    )
    return TranslationRead(
        report_id=row.report_id,
        lang=row.lang,
        title=row.title,
        summary=row.summary,
        translator=row.translator,
        created_at=row.created_at,
    )


@pages.get("/translations", response_class=HTMLResponse)
def queue_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    reports, total = translation.queue(session=session, actor=actor)
    marks = markings_by_id(session=session, ids={r.marking_id for r in reports})
    return render(
        request,
        "translation/queue.html",
        actor=actor,
        show=Show(actor.locale),
        reports=[(r, marks[r.marking_id], translation.filed_in(r)) for r in reports],
        total=total,
    )


def _form(
    request: Request,
    session: SessionDep,
    actor: Actor,
    report_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    title: str = "",
    summary: str = "",
) -> Response:
    report = service.get_report(session=session, actor=actor, report_id=report_id)
    lang = translation.filed_in(report)
    return render(
        request,
        "translation/form.html",
        actor=actor,
        status_code=status_code,
        show=Show(actor.locale),
        report=report,
        filed_in=lang,
        into=translation.other(lang) if lang else None,
        existing=translation.translation_of(session=session, report=report),
        errors=errors or {},
        title=title,
        summary=summary,
    )


@pages.get("/reports/{report_id}/translation", response_class=HTMLResponse)
def form_page(request: Request, report_id: str, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _form(request, session, actor, report_id)


@pages.post("/reports/{report_id}/translation", response_class=HTMLResponse)
def add_page(
    request: Request,
    report_id: str,
    session: SessionDep,
    actor: PageActor,
    title: Annotated[str, Form(max_length=translation.TITLE_MAX * 2)] = "",
    summary: Annotated[str, Form(max_length=translation.SUMMARY_MAX * 2)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        with session.begin_nested():
            translation.add_translation(
                session=session, actor=actor, report_id=report_id, title=title, summary=summary
            )
    except InvalidInput as error:
        errors = (
            error.by_field(actor.locale)
            if isinstance(error, InvalidFields)
            else {error.field or "": [error.detail(actor.locale)]}
        )
        return _form(
            request,
            session,
            actor,
            report_id,
            status_code=422,
            errors=errors,
            title=title,
            summary=summary,
        )
    return RedirectResponse(f"/reports/{report_id}#translation", status_code=303)
