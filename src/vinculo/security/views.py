"""Pages for auditors: the audit trail with filters, its signed export, the dissemination
record. Only accounts with the auditor role reach them (others get 403); what they show is
ids, times, actors and actions — never the content of an item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo.errors import VinculoError
from vinculo.i18n import N_, gettext
from vinculo.security import trail
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.roles import Permission, require
from vinculo.security.schemas import AuditList, DisseminationList
from vinculo.security.trail_api import export_response
from vinculo.web.deps import PageActor, SessionDep, SettingsDep
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SHOWN_IDS = 6

# Labels of the actions, in the reader's language.
ACTION_LABELS = {
    "seen": N_("Received items (read, list, search, disseminate)"),
    "sign_in": N_("Sign-in"),
    "sign_out": N_("Sign-out"),
    "read": N_("Read"),
    "list": N_("List"),
    "search": N_("Search"),
    "write": N_("Write"),
    "rights": N_("Change of rights"),
    "disseminate": N_("Dissemination"),
    "revalidate": N_("Re-validation"),
    "purge": N_("Purge"),
    "refused": N_("Refused"),
    "audit_query": N_("Audit query"),
    "export": N_("Audit export"),
}


def _sign_in_first(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def _url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


@dataclass(frozen=True)
class Filters:
    """The filter form exactly as typed, so it comes back filled in."""

    actor: str = ""
    item: str = ""
    action: str = ""
    since: str = ""
    until: str = ""

    def params(self) -> dict[str, str | None]:
        return {
            "actor": self.actor,
            "item": self.item,
            "action": self.action,
            "since": self.since,
            "until": self.until,
        }


@dataclass(frozen=True)
class ShowAudit:
    """Formatting helpers for the audit templates."""

    locale: str

    def moment(self, value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def action(self, name: str) -> str:
        label = ACTION_LABELS.get(name)
        return gettext(self.locale, label) if label else name

    def who_saw_url(self, item_id: str) -> str:
        return _url("/audit", item=item_id, action=trail.SEEN)

    def seen_by_url(self, username: str) -> str:
        since = (utcnow() - trail.LAST_WEEK).date().isoformat()
        return _url("/audit", actor=username, action=trail.SEEN, since=since)


def _page(request: Request, name: str, *, actor: Actor, **context: Any) -> Response:
    return render(request, name, actor=actor, show=ShowAudit(actor.locale), **context)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    actor_name: Annotated[str, Query(alias="actor")] = "",
    item: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    require(actor, Permission.AUDIT)
    filters = Filters(actor=actor_name, item=item, action=action, since=since, until=until)
    results: AuditList | None = None
    error: VinculoError | None = None
    try:
        query = trail.AuditQuery.parse(
            actor=actor_name, item=item, action=action, since=since, until=until
        )
        results = trail.query_audit(
            session=session, actor=actor, query=query, cursor=cursor, limit=PAGE_SIZE
        )
    except VinculoError as problem:
        if problem.field == "cursor":
            raise
        error = problem
    older_url = None
    if results is not None and results.next_cursor:
        older_url = _url("/audit", **filters.params(), cursor=results.next_cursor)
    actions = [(code, gettext(actor.locale, label)) for code, label in ACTION_LABELS.items()]
    return _page(
        request,
        "audit.html",
        actor=actor,
        filters=filters,
        results=results,
        error=error,
        actions=actions,
        shown_ids=SHOWN_IDS,
        older_url=older_url,
        first_page=cursor is None,
        export_url=_url("/audit/export", **filters.params()),
        week_ago=(utcnow() - timedelta(days=7)).date().isoformat(),
    )


@router.get("/audit/export")
def audit_export(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PageActor,
    actor_name: Annotated[str, Query(alias="actor")] = "",
    item: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    require(actor, Permission.AUDIT)
    query = trail.AuditQuery.parse(
        actor=actor_name,
        item=item,
        action=action,
        since=since,
        until=until,
    )
    signed = trail.export_audit(
        session=session, actor=actor, secret=settings.secret_key, query=query
    )
    return export_response(signed)


@router.get("/audit/disseminations", response_class=HTMLResponse)
def disseminations_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    sender: str = "",
    recipient: str = "",
    item: str = "",
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    require(actor, Permission.AUDIT)
    results: DisseminationList = trail.list_disseminations(
        session=session,
        actor=actor,
        sender=sender,
        recipient=recipient,
        item=item,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    older_url = None
    if results.next_cursor:
        older_url = _url(
            "/audit/disseminations",
            sender=sender,
            recipient=recipient,
            item=item,
            cursor=results.next_cursor,
        )
    return _page(
        request,
        "audit_disseminations.html",
        actor=actor,
        sender=sender,
        recipient=recipient,
        item=item,
        results=results,
        shown_ids=SHOWN_IDS,
        older_url=older_url,
        first_page=cursor is None,
    )
