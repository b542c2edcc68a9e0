"""Pages of triage inside: the queue of civic submissions and a submission with its acts
(spam, reply and status, report, allegation, screening and links), each under its marking
banner.

Thin, as every page: each calls civic/service.py, which reads through the one access policy,
so a submission the reader may not see answers exactly as a missing one. Forms post with the
session's CSRF token and work without JavaScript; on bad input the page comes back with the
field named and nothing stored (a savepoint).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo import vocab
from vinculo.assistance.public import flag_items, is_flagged
from vinculo.civic import service
from vinculo.errors import InvalidFields, InvalidInput, VinculoError
from vinculo.i18n import N_
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.views import as_markings, long_day
from vinculo.security.markings import Actor
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE = 25
FORM_TLPS = ("GREEN", "AMBER", "AMBER+STRICT")
BAD_DATE = N_("not a valid date; write it as YYYY-MM-DD")
Text = Annotated[str, Form(max_length=10_000)]
Short = Annotated[str, Form(max_length=500)]
Many = Annotated[list[str] | None, Form()]


def _url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


def _errors(error: VinculoError, locale: str) -> dict[str, list[str]]:
    if isinstance(error, InvalidFields):
        return error.by_field(locale)
    return {error.field or "": [error.detail(locale)]}


def days(actor: Actor) -> Any:
    """A day the public site or the reporter gave (YYYY-MM-DD), written out in the reader's
    words; anything else as it came."""
    shown = long_day(actor)

    def written(text: str) -> str:
        try:
            return shown(date.fromisoformat(text))
        except ValueError:
            return text or "—"

    return written


def place(state: str, municipality: str, locale: str) -> str:
    states = vocab.load("civic_places")
    name = states.label(state, locale) if state in states else state
    return ", ".join(p for p in (municipality, name) if p) or "—"


def size(count: int) -> str:
    for unit, step in (("MB", 1024**2), ("KB", 1024)):
        if count >= step:
            return f"{count / step:.1f} {unit}"
    return f"{count} B"


@router.get("/civic/submissions", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    status: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    status = status if status in (*service.STATUSES, "spam") else None
    category = category if category in vocab.load("civic_categories") else None
    listed = service.submission_list(
        session=session,
        actor=actor,
        status=status,
        category=category,
        cursor=(cursor or "")[:300] or None,
        limit=PAGE,
    )
    filters = {"status": status, "category": category}
    return render(
        request,
        "civic/queue.html",
        actor=actor,
        submissions=listed.items,
        total=listed.total,
        status=status,
        category=category,
        statuses=service.STATUSES,
        categories=vocab.load("civic_categories"),
        marks=as_markings,
        day=days(actor),
        place=place,
        older_url=_url("/civic/submissions", **filters, cursor=listed.next_cursor)
        if listed.next_cursor
        else None,
        newest_url=_url("/civic/submissions", **filters),
        first_page=not cursor,
    )


def _submission_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    submission_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, Any] | None = None,
    hits: list[tuple[str, str, str, float]] | None = None,
) -> Response:
    read = service.submission_read(session=session, actor=actor, submission_id=submission_id)
    return render(
        request,
        "civic/submission.html",
        actor=actor,
        status_code=status_code,
        read=read,
        marks=as_markings,
        day=days(actor),
        place=place,
        size=size,
        statuses=service.STATUSES,
        tlps=FORM_TLPS,
        may_triage=allowed(actor, Permission.TRIAGE),
        may_publish=allowed(actor, Permission.TRIAGE)
        or allowed(actor, Permission.PUBLISH_AGGREGATES),
        public=is_flagged(session=session, kind="submission", item_id=read.id),
        may_report=allowed(actor, Permission.FILE_REPORT),
        may_allege=allowed(actor, Permission.FILE_ALLEGATION),
        errors=errors or {},
        form=form or {},
        hits=hits,
        review_by=(date.today() + timedelta(days=365)).isoformat(),
    )


@router.get("/civic/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request, submission_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _submission_page(request, session, actor, submission_id)


@router.get("/civic/submissions/{submission_id}/attachments/{attachment_id}")
def attachment(
    request: Request,
    submission_id: str,
    attachment_id: str,
    session: SessionDep,
    actor: PageActor,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    # Read as text, so that a visitor not signed in is sent to sign in whatever the path
    # holds; an id that is not a number names no attachment.
    number = int(attachment_id) if attachment_id.isdigit() and len(attachment_id) < 10 else -1
    found = service.get_attachment(
        session=session, actor=actor, submission_id=submission_id, attachment_id=number
    )
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}"},
    )


def _back(submission_id: str) -> Response:
    return RedirectResponse(f"/civic/submissions/{submission_id}", status_code=303)


@router.post("/civic/submissions/{submission_id}/spam", response_class=HTMLResponse)
def spam_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    spam: Annotated[str, Form(max_length=8)] = "yes",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    service.mark_spam(session=session, actor=actor, submission_id=submission_id, spam=spam != "no")
    return _back(submission_id)


@router.post("/civic/submissions/{submission_id}/public", response_class=HTMLResponse)
def public_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    public: Annotated[str, Form(max_length=8)] = "yes",
) -> Response:
    """Count the submission in the transparency portal's reports from the public (or not)."""
    if not actor.signed_in:
        return sign_in_first(request)
    # Read first, so that one the reader may not see answers as every other act on it does.
    service.get_submission(session=session, actor=actor, submission_id=submission_id)
    try:
        with session.begin_nested():
            flag_items(
                session=session,
                actor=actor,
                kind="submission",
                item_ids=[submission_id],
                public=public != "no",
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors={"public": [error.detail(actor.locale)]},
        )
    return _back(submission_id)


@router.post("/civic/submissions/{submission_id}/respond", response_class=HTMLResponse)
def respond_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    status: Annotated[str, Form(max_length=16)] = "",
    message: Text = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        with session.begin_nested():
            service.respond(
                session=session,
                actor=actor,
                settings=settings,
                submission_id=submission_id,
                status=status,
                message=message,
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
            form={"status": status, "message": message},
        )
    return _back(submission_id)


@router.post("/civic/submissions/{submission_id}/outcome", response_class=HTMLResponse)
def outcome_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    text_en: Text = "",
    text_es: Text = "",
) -> Response:
    """What came of a closed submission, for the public "you said, we did" page."""
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        with session.begin_nested():
            service.write_outcome(
                session=session,
                actor=actor,
                submission_id=submission_id,
                text_en=text_en,
                text_es=text_es,
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
            form={"text_en": text_en, "text_es": text_es},
        )
    return _back(submission_id)


def _markings(tlp: str, rel_to: list[str] | None) -> MarkingsIn:
    return MarkingsIn(tlp=tlp or "AMBER", rel_to=[n for n in (rel_to or []) if n][:5])


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(BAD_DATE, field=field) from None


def _number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(N_("not a valid number"), field=field) from None


@router.post("/civic/submissions/{submission_id}/report", response_class=HTMLResponse)
def report_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    title_en: Short = "",
    title_es: Short = "",
    predicate: Annotated[str, Form(max_length=64)] = "",
    suspicion: Text = "",
    reliability: Annotated[str, Form(max_length=1)] = "F",
    credibility: Annotated[str, Form(max_length=2)] = "6",
    review_by: Annotated[str, Form(max_length=10)] = "",
    tlp: Annotated[str, Form(max_length=16)] = "AMBER",
    rel_to: Many = None,
    attest_no_protected_views: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form = {
        "attest_no_protected_views": bool(attest_no_protected_views),
        "title_en": title_en,
        "title_es": title_es,
        "predicate": predicate,
        "suspicion": suspicion,
        "reliability": reliability,
        "credibility": credibility,
        "review_by": review_by,
        "tlp": tlp,
        "rel_to": rel_to or [],
    }
    try:
        with session.begin_nested():
            made = service.to_report(
                session=session,
                actor=actor,
                submission_id=submission_id,
                choice=service.ReportChoice(
                    title_en=title_en,
                    title_es=title_es,
                    predicate=predicate,
                    suspicion=suspicion,
                    reliability=reliability,
                    credibility=_number(credibility, "credibility"),
                    review_by=_day(review_by, "review_by"),
                    markings=_markings(tlp, rel_to),
                    attest_no_protected_views=bool(attest_no_protected_views),
                ),
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
            form=form,
        )
    return RedirectResponse(f"/reports/{made}", status_code=303)


@router.post("/civic/submissions/{submission_id}/allegation", response_class=HTMLResponse)
def allegation_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    violations: Many = None,
    occurred_from: Annotated[str, Form(max_length=10)] = "",
    reliability: Annotated[str, Form(max_length=1)] = "F",
    credibility: Annotated[str, Form(max_length=2)] = "6",
    tlp: Annotated[str, Form(max_length=16)] = "AMBER",
    rel_to: Many = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form = {
        "violations": violations or [],
        "occurred_from": occurred_from,
        "a_reliability": reliability,
        "a_credibility": credibility,
        "a_tlp": tlp,
        "a_rel_to": rel_to or [],
    }
    try:
        with session.begin_nested():
            made = service.to_allegation(
                session=session,
                actor=actor,
                submission_id=submission_id,
                choice=service.AllegationChoice(
                    violations=[v for v in (violations or []) if v][:20],
                    occurred_from=_day(occurred_from, "occurred_from"),
                    reliability=reliability,
                    credibility=_number(credibility, "credibility"),
                    markings=_markings(tlp, rel_to),
                ),
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
            form=form,
        )
    return RedirectResponse(f"/oversight/allegations/{made}", status_code=303)


@router.post("/civic/submissions/{submission_id}/screen", response_class=HTMLResponse)
def screen_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    name: Short = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        hits = service.screen_name(
            session=session,
            actor=actor,
            settings=settings,
            submission_id=submission_id,
            name=name,
        )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
            form={"name": name},
        )
    return _submission_page(request, session, actor, submission_id, form={"name": name}, hits=hits)


@router.post("/civic/submissions/{submission_id}/links", response_class=HTMLResponse)
def links_form(
    request: Request,
    submission_id: str,
    session: SessionDep,
    actor: PageActor,
    entity_ids: Many = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    try:
        with session.begin_nested():
            service.link_entities(
                session=session,
                actor=actor,
                submission_id=submission_id,
                entity_ids=[e for e in (entity_ids or []) if e][:50],
            )
    except InvalidInput as error:
        return _submission_page(
            request,
            session,
            actor,
            submission_id,
            status_code=422,
            errors=_errors(error, actor.locale),
        )
    return _back(submission_id)
