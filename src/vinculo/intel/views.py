"""HTML pages for reports, entities and search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo.intel import service
from vinculo.web.deps import PageActor, SessionDep
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return RedirectResponse("/login", status_code=303)
    reports, _next = service.list_reports(session=session, actor=actor, limit=25)
    return render(request, "home.html", actor=actor, reports=reports)
