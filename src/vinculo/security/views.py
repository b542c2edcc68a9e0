"""Pages for auditors: the audit trail with filters, its signed export, the dissemination
record. Only accounts with the auditor role reach them (others get 403); what they show is
ids, times, actors and actions — never the content of an item."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from vinculo.errors import VinculoError
from vinculo.i18n import N_, gettext
from vinculo.security import trail
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.roles import Permission, require
from vinculo.security.schemas import AuditList, DisseminationList
from vinculo.security.trail_api import export_response
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.templating import reader_zone, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
SHOWN_IDS = 4
SUMMARY_DAYS = 7  # the summary's days when the filters name no range
MAX_SUMMARY_DAYS = 31

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
# What a row was about (its `kind`), in the reader's language.
KIND_LABELS = {
    "account": N_("account"),
    "api_token": N_("API token"),
    "audit": N_("audit trail"),
    "dissemination": N_("dissemination record"),
    "report": N_("report"),
    "entity": N_("entity"),
    "entities": N_("entities"),
    "import": N_("file import"),
    "pair": N_("pair of records"),
    "network": N_("network"),
    "request": N_("request"),
    "retention": N_("retention review"),
    "exchange": N_("exchange"),
    "exchange_collection": N_("exchange collection"),
    "release": N_("release request"),
    "stix": N_("STIX object"),
    "taxii": N_("TAXII"),
    "stream": N_("live stream"),
    "run": N_("resolution run"),
    "lab": N_("resolution lab"),
    "stash": N_("resolution run"),
    "stable": N_("resolved identities"),
    "unit_chain": N_("chain of command"),
    "unit_children": N_("subordinate units"),
    "vetting": N_("vetting request"),
    "allegation": N_("allegation"),
}
OUTCOME_LABELS = {
    "ok": N_("done"),
    "failed": N_("failed"),
    "400": N_("refused: bad request"),
    "401": N_("refused: not signed in"),
    "403": N_("refused: not allowed"),
    "404": N_("not found"),
    "409": N_("refused: conflict"),
    "413": N_("refused: too large"),
    "422": N_("refused: invalid input"),
    "429": N_("refused: too many attempts"),
    "500": N_("server error"),
}
CHANNEL_LABELS = {"export": N_("export file"), "taxii": N_("TAXII exchange")}
# Summary columns: (label, the actions they count).
SUMMARY_COLUMNS = (
    (N_("Sign-ins"), ("sign_in",)),
    (N_("Items received"), trail.SEEN_ACTIONS),
    (N_("Writes"), ("write", "rights", "revalidate", "purge")),
    (N_("Refused"), ("refused",)),
)


def _url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


@dataclass(frozen=True)
class Filters:
    """The filter form exactly as typed, so it comes back filled in. Days are the reader's
    local days."""

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

    @property
    def any(self) -> bool:
        return any(self.params().values())


def _local_bound(text: str, zone: ZoneInfo, *, end: bool) -> str:
    """A typed local day as the UTC moment it starts (or, for the end of a range, the moment
    the next day starts), with its offset; anything else is handed on as typed."""
    text = text.strip()
    if len(text) != 10:
        return text
    try:
        day = date.fromisoformat(text)
        if end:
            day += timedelta(days=1)
    except (ValueError, OverflowError):
        return text
    return datetime.combine(day, time(), tzinfo=zone).isoformat()


def _local_days(since: str, until: str, zone: ZoneInfo) -> list[date]:
    """The reader's days the summary covers: the range typed, else the last week."""
    today = datetime.now(zone).date()

    def read(text: str) -> date | None:
        try:
            return date.fromisoformat(text.strip()[:10]) if text.strip() else None
        except ValueError:
            return None

    last = min(read(until) or today, today)
    first = read(since) or last - timedelta(days=SUMMARY_DAYS - 1)
    first = max(first, last - timedelta(days=MAX_SUMMARY_DAYS - 1))
    days = []
    day = last
    while day >= first:
        days.append(day)
        day -= timedelta(days=1)
    return days


def _utc_range(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start, end.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SummaryRow:
    day: date
    total: int
    columns: list[int]
    url: str


@dataclass(frozen=True)
class ShowAudit:
    """Formatting helpers for the audit templates."""

    locale: str
    names: dict[str, str] = field(default_factory=dict)

    def action(self, name: str) -> str:
        label = ACTION_LABELS.get(name)
        return gettext(self.locale, label) if label else name

    def kind(self, name: str) -> str:
        label = KIND_LABELS.get(name)
        return gettext(self.locale, label) if label else name

    def outcome(self, code: str) -> str:
        label = OUTCOME_LABELS.get(code)
        if label:
            return gettext(self.locale, label)
        return gettext(self.locale, N_("refused ({code})"), code=code)

    def channel(self, code: str) -> str:
        label = CHANNEL_LABELS.get(code)
        return gettext(self.locale, label) if label else code

    def account(self, username: str | None) -> str:
        """An account as people know it: its name, else its user name."""
        if not username:
            return ""
        return self.names.get(username, username)

    def detail(self, detail: dict[str, Any]) -> list[tuple[str, str]]:
        """A row's detail as lines to read, not JSON."""
        lines = []
        for key, value in detail.items():
            if value in (None, "", [], {}):
                continue
            if isinstance(value, dict | list):
                text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            else:
                text = str(value)
            lines.append((key, text[:300]))
        return lines

    def who_saw_url(self, item_id: str) -> str:
        return _url("/audit", item=item_id, action=trail.SEEN)

    def seen_by_url(self, username: str) -> str:
        since = (utcnow() - trail.LAST_WEEK).date().isoformat()
        return _url("/audit", actor=username, action=trail.SEEN, since=since)

    def account_url(self, username: str) -> str:
        return _url("/audit", actor=username)


def _page(
    request: Request,
    name: str,
    *,
    actor: Actor,
    names: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    show = ShowAudit(actor.locale, names or {})
    return render(request, name, actor=actor, show=show, **context)


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
        return sign_in_first(request)
    require(actor, Permission.AUDIT)
    zone = reader_zone(actor)
    filters = Filters(actor=actor_name, item=item, action=action, since=since, until=until)
    results: AuditList | None = None
    error: VinculoError | None = None
    summary: list[SummaryRow] = []
    newer_url = None
    try:
        query = trail.AuditQuery.parse(
            actor=actor_name,
            item=item,
            action=action,
            since=_local_bound(since, zone, end=False),
            until=_local_bound(until, zone, end=True),
        )
        results = trail.query_audit(
            session=session, actor=actor, query=query, cursor=cursor, limit=PAGE_SIZE
        )
        newer = trail.newer_cursor(
            session=session, actor=actor, query=query, cursor=cursor, limit=PAGE_SIZE
        )
        if cursor is not None:
            newer_url = _url("/audit", **filters.params(), cursor=newer)
        days = _local_days(since, until, zone)
        counted = trail.summarise_days(
            session=session, actor=actor, query=query, days=[_utc_range(d, zone) for d in days]
        )
        for day, counts in zip(days, counted, strict=True):
            columns = [
                sum(counts.by_action.get(a, 0) for a in actions)
                for _label, actions in SUMMARY_COLUMNS
            ]
            url = _url(
                "/audit",
                **(filters.params() | {"since": day.isoformat(), "until": day.isoformat()}),
            )
            summary.append(SummaryRow(day, counts.total, columns, url))
    except VinculoError as problem:
        if problem.field == "cursor":
            raise
        error = problem
    older_url = None
    if results is not None and results.next_cursor:
        older_url = _url("/audit", **filters.params(), cursor=results.next_cursor)
    names: dict[str, str] = {}
    if results is not None:
        wanted = {r.actor for r in results.items if r.actor}
        wanted |= {r.target for r in results.items if r.kind == "account" and r.target}
        names = trail.account_names(session=session, usernames=wanted)
    actions = [(code, gettext(actor.locale, label)) for code, label in ACTION_LABELS.items()]
    return _page(
        request,
        "audit.html",
        actor=actor,
        names=names,
        filters=filters,
        results=results,
        error=error,
        actions=actions,
        accounts=trail.all_usernames(session=session, actor=actor),
        summary=summary,
        summary_columns=[gettext(actor.locale, label) for label, _a in SUMMARY_COLUMNS],
        shown_ids=SHOWN_IDS,
        older_url=older_url,
        newer_url=newer_url,
        first_page=cursor is None,
        week_ago=(datetime.now(zone).date() - timedelta(days=SUMMARY_DAYS - 1)).isoformat(),
        export_url=_url(
            "/audit/export",
            **(
                filters.params()
                | {
                    "since": _local_bound(since, zone, end=False),
                    "until": _local_bound(until, zone, end=True),
                }
            ),
        ),
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
        return sign_in_first(request)
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
        return sign_in_first(request)
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
    wanted = {r.sender for r in results.items} | {r.recipient for r in results.items}
    return _page(
        request,
        "audit_disseminations.html",
        actor=actor,
        names=trail.account_names(session=session, usernames=wanted),
        sender=sender,
        recipient=recipient,
        item=item,
        results=results,
        shown_ids=SHOWN_IDS,
        older_url=older_url,
        first_page=cursor is None,
    )
