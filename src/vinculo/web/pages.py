"""HTML pages: sign-in and sign-out, and the home (the analyst's workspace); each domain adds
its own views router.

The home says what needs the reader: reports due for review (28 CFR 23.20(h)), pairs waiting
in the resolution queue, release requests for supervisors, reports new since the last visit,
the reader's own recent reports, the translation queue and unread notifications. Each count
is of items the reader may see (every one goes through the access policy), so a count never
tells of a hidden item.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.db import transaction
from vinculo.errors import AuthError, VinculoError
from vinculo.exchange import release
from vinculo.i18n import N_, gettext, pick_locale
from vinculo.intel import service as intel
from vinculo.intel import translation
from vinculo.intel.models import Report
from vinculo.notify import service as notices
from vinculo.notify import watch
from vinculo.resolve.models import PENDING, UNSURE, ResolutionPair
from vinculo.resolve.store import visible_pairs_clause
from vinculo.security import sessions
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import User, utcnow
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import (
    IDLE_NOTICE,
    LIFETIME_NOTICE,
    SESSION_KEY,
    LocaleDep,
    PageActor,
    SessionDep,
    SettingsDep,
    end_page_session,
    get_page_actor,
    page_actor_of,
)
from vinculo.web.signin import check_rate, in_sign_in_pool, sign_in
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the sign-in form cannot send anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def error_page(request: Request, status: int, exc: VinculoError) -> Response:
    locale = request.query_params.get("lang") or request.session.get("locale")
    if locale not in ("en", "es"):
        locale = pick_locale(request.headers.get("accept-language"))
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    found = page_actor_of(request)
    if found is not None:
        actor = replace(found, locale=str(locale))
    else:
        # Raised before the page's own dependencies found the actor: found here.
        with request.app.state.sessions() as session:
            actor = get_page_actor(request, session, str(locale), request.app.state.settings)
    return render(request, "error.html", actor=actor, status_code=status, status=status, error=exc)


def _notice(request: Request, settings: SettingsDep, locale: str) -> str | None:
    """Why the visitor is back at sign-in, said once."""
    notice = request.session.pop("notice", None)
    if notice == IDLE_NOTICE:
        return gettext(
            locale,
            N_("You were signed out after {minutes} minutes without activity. Sign in again."),
            minutes=f"{settings.session_idle_minutes:g}",
        )
    if notice == LIFETIME_NOTICE:
        return gettext(
            locale,
            N_("You were signed out: a session lasts at most {hours} hours. Sign in again."),
            hours=f"{settings.session_max_hours:g}",
        )
    return None


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, locale: LocaleDep, settings: SettingsDep, next: str = "/"
) -> Response:
    actor = Actor(username=None, locale=locale)
    return render(
        request,
        "login.html",
        actor=actor,
        next=_safe_next(next),
        error=None,
        notice=_notice(request, settings, locale),
    )


def _record_failure(request: Request, username: str, error: VinculoError, status: int) -> None:
    with transaction(request.app.state.sessions) as session:
        record(
            session=session,
            actor=None,
            action="sign_in" if status == 401 else "refused",
            kind="account",
            target=username.strip()[:64],
            outcome="failed" if status == 401 else str(status),
            detail={
                "error": error.render("en"),
                "client": request.client.host if request.client else None,
            },
        )


def _start_session(request: Request, user: User) -> str:
    """A new server-side session; an earlier one in this browser ends."""
    with transaction(request.app.state.sessions) as session:
        sessions.end(session=session, key=request.session.get(SESSION_KEY))
        return sessions.start(
            session=session, user=user, user_agent=request.headers.get("user-agent")
        )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    locale: LocaleDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """No transaction is open while the password is checked (web/signin.py)."""
    error: VinculoError | None = check_rate(request, username)
    status = 429
    if error is None:
        try:
            user = await sign_in(request, username=username, password=password, code=code)
        except AuthError as refused:
            # The failure count (and the lockout it may lead to) is committed already.
            error, status = refused, 401
    if error is not None:
        await in_sign_in_pool(request, lambda: _record_failure(request, username, error, status))
        actor = Actor(username=None, locale=locale)
        headers = {"Retry-After": str(error.params["seconds"])} if status == 429 else None
        response = render(
            request,
            "login.html",
            actor=actor,
            status_code=status,
            next=_safe_next(next),
            error=error,
            username=username,
        )
        response.headers.update(headers or {})
        return response
    key = await in_sign_in_pool(request, lambda: _start_session(request, user))
    # A new session (and so a new CSRF token) for the signed-in account: none carried over.
    request.session.clear()
    request.session[SESSION_KEY] = key
    request.session["locale"] = locale if "lang" in request.query_params else user.locale
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if actor.signed_in:
        record(
            session=session,
            actor=actor,
            action="sign_out",
            kind="account",
            target=actor.username,
        )
    # Ended on the server: a copy of this cookie signs nobody in any more.
    sessions.end(session=session, key=request.session.get(SESSION_KEY))
    end_page_session(request)
    return RedirectResponse("/login", status_code=303)


# --- the home: what needs me ----------------------------------------------------------------

PAGE_SIZE = 25
SHORT_LIST = 5
# A visit is one spell at the home: reloads within this time count as the same visit, so
# what is new since the last one does not vanish on the first reload.
VISIT_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class HomeShow:
    """What the home's template formats: dates, agencies, the language of a title."""

    locale: str

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        day = value.date() if isinstance(value, datetime) else value
        return format_date(day, format="medium", locale=self.locale)

    def agency(self, code: str | None) -> str:
        return vocab.agencies().label(code, self.locale) if code else ""

    def title_lang(self, report: Report) -> str:
        own = report.title_es if self.locale == "es" else report.title_en
        return self.locale if own else ("en" if self.locale == "es" else "es")


@dataclass
class Queue:
    """One line of "what needs me": its name, how many items the reader may see, a link."""

    key: str
    label: str
    count: int
    link: str | None = None


@dataclass
class Workspace:
    queues: list[Queue] = field(default_factory=list)
    due: list[Report] = field(default_factory=list)
    due_all: bool = False  # a supervisor's list: every visible report due, not only own
    new: list[Report] = field(default_factory=list)
    mine: list[Report] = field(default_factory=list)
    watches: list[watch.WatchView] = field(default_factory=list)
    marks: dict[int, Markings] = field(default_factory=dict)


def _count(session: Session, query: Select[int]) -> int:
    return int(session.execute(query).scalar_one())


def _new_since(session: Session, actor: Actor) -> int:
    """The newest report the reader had been shown before this visit began; rolls the visit
    on when the last one is over."""
    assert actor.user_id is not None
    state = notices.state_for(session=session, user_id=actor.user_id)
    now = utcnow()
    if state.visit_at is None or now - state.visit_at > VISIT_GAP:
        state.last_visit_seq = state.visit_seq
        state.visit_seq = session.execute(select(func.max(Report.seq))).scalar() or 0
    state.visit_at = now
    return state.last_visit_seq


def workspace(*, session: Session, actor: Actor) -> Workspace:
    """What needs the reader, every list and count through the access policy."""
    assert actor.user_id is not None
    found = Workspace()
    locale = actor.locale
    watch.scan(session=session, actor=actor)
    visible = visible_marking_ids(session=session, actor=actor)
    seen = Report.marking_id.in_(visible)
    today = utcnow().date()
    # Due for review: a supervisor's every visible report due; anyone else's own.
    due = select(Report).where(seen, Report.review_by <= today)
    found.due_all = allowed(actor, Permission.RETENTION)
    if not found.due_all:
        due = due.where(Report.author_id == actor.user_id)
    due_count = _count(session, select(func.count()).select_from(due.subquery()))
    found.due = list(
        session.execute(due.order_by(Report.review_by, Report.seq).limit(SHORT_LIST)).scalars()
    )
    label = N_("Due for review") if found.due_all else N_("My reports due for review")
    found.queues.append(Queue("due", gettext(locale, label), due_count, "#due"))
    if allowed(actor, Permission.RESOLVE):
        pairs = _count(
            session,
            select(func.count())
            .select_from(ResolutionPair)
            .where(
                ResolutionPair.judgement.in_((PENDING, UNSURE)),
                visible_pairs_clause(visible, actor.username or ""),
            ),
        )
        found.queues.append(
            Queue("pairs", gettext(locale, N_("Pairs waiting for review")), pairs, "/resolve")
        )
    if allowed(actor, Permission.RELEASE):
        waiting = release.pending(session=session, actor=actor)
        found.queues.append(
            Queue(
                "releases",
                gettext(locale, N_("Release requests")),
                len(waiting),
                "/exchange/releases",
            )
        )
    # New since the last visit: others' reports the reader may see.
    mark = _new_since(session, actor)
    others = _not_by(actor.user_id)
    new = select(Report).where(seen, Report.seq > mark, others)
    new_count = _count(session, select(func.count()).select_from(new.subquery()))
    found.new = list(session.execute(new.order_by(Report.seq.desc()).limit(SHORT_LIST)).scalars())
    found.queues.append(
        Queue("new", gettext(locale, N_("New since my last visit")), new_count, "#new")
    )
    found.queues.append(
        Queue(
            "translations",
            gettext(locale, N_("Reports waiting for a translation")),
            translation.queue_count(session=session, actor=actor),
            "/translations",
        )
    )
    found.queues.append(
        Queue(
            "notifications",
            gettext(locale, N_("Unread notifications")),
            notices.unread_count(session=session, actor=actor),
            "/notifications",
        )
    )
    found.mine = list(
        session.execute(
            select(Report)
            .where(seen, Report.author_id == actor.user_id)
            .order_by(Report.seq.desc())
            .limit(SHORT_LIST)
        ).scalars()
    )
    found.watches = watch.list_watches(session=session, actor=actor)
    shown = found.due + found.new + found.mine
    found.marks = markings_by_id(session=session, ids={r.marking_id for r in shown})
    record(
        session=session,
        actor=actor,
        action="list",
        kind="home",
        ids=sorted({r.id for r in shown}),
        detail={q.key: q.count for q in found.queues},
    )
    return found


def _not_by(user_id: int) -> ColumnElement[bool]:
    """SQL: the report was not filed by this account (or was filed by no account)."""
    return or_(Report.author_id != user_id, Report.author_id.is_(None))


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, session: SessionDep, actor: PageActor, cursor: str | None = None
) -> Response:
    if not actor.signed_in or actor.user_id is None:
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    # A bad cursor raises InvalidInput: the app's handler records it and shows the error page.
    reports, next_cursor = intel.list_reports(
        session=session, actor=actor, cursor=cursor, limit=PAGE_SIZE
    )
    marks = markings_by_id(session=session, ids={r.marking_id for r in reports})
    found = workspace(session=session, actor=actor) if cursor is None else None
    return render(
        request,
        "home.html",
        actor=actor,
        show=HomeShow(actor.locale),
        work=found,
        reports=[(r, marks[r.marking_id]) for r in reports],
        total=intel.count_visible_reports(session=session, actor=actor),
        older_url="/?" + urlencode({"cursor": next_cursor}) if next_cursor else None,
        first_page=cursor is None,
    )
