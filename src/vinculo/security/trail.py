"""The audit trail as auditors query it: who saw an item, what an account saw, a signed
export, and the dissemination record (28 CFR 23.20(f)).

Audit rows hold ids, times, actors, actions, queries and outcomes — never the content of a
report or a statement — so an auditor reads here nothing that `can_see` would deny them.
Every query and every export is itself appended to the chain.

"Who saw X" is an index lookup: `record` writes each id a row names into `audit_ids`
(item_id, seq), whose primary key starts with the item id. A LIKE over the JSON text of
`audit_log.ids` would read the whole log on every question, and the log is meant to grow
to tens of millions of rows.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.pagination import decode_cursor, encode_cursor
from vinculo.security.audit import AuditItem, AuditRow, record, sign_export
from vinculo.security.dissemination import Dissemination
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.security.roles import Permission, require
from vinculo.security.schemas import AuditList, AuditRead, DisseminationList, DisseminationRead

# Actions through which an account received item ids: what it "saw".
SEEN_ACTIONS = ("read", "list", "search", "disseminate")
# Every action the chain records, for the filter form.
ACTIONS = (
    "sign_in",
    "sign_out",
    "read",
    "list",
    "search",
    "write",
    "rights",
    "disseminate",
    "revalidate",
    "purge",
    "refused",
    "audit_query",
    "export",
)
SEEN = "seen"  # the action filter that stands for SEEN_ACTIONS
LAST_WEEK = timedelta(days=7)
MAX_EXPORT = 100_000
SIGNATURE_ALGORITHM = "HMAC-SHA256"


def parse_when(text: str | None, *, field: str, end_of_day: bool = False) -> datetime | None:
    """An ISO date or date-time (UTC unless it says otherwise). A bare date as the end of a
    range means the whole of that day."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time())
            return start + timedelta(days=1) if end_of_day else start
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    # OverflowError: the day after 9999-12-31, or year 1 moved to UTC (it was a 500).
    except (ValueError, OverflowError):
        raise InvalidInput(
            N_("write the time as YYYY-MM-DD or YYYY-MM-DDTHH:MM"), field=field
        ) from None
    return moment


def parse_actions(text: str | None) -> tuple[str, ...]:
    """A comma-separated list of actions; `seen` stands for every action that returns ids."""
    found: list[str] = []
    for part in (text or "").split(","):
        name = part.strip()
        if not name:
            continue
        if name == SEEN:
            found.extend(SEEN_ACTIONS)
        elif name in ACTIONS:
            found.append(name)
        else:
            raise InvalidInput(N_("unknown action {value}"), field="action", value=name[:40])
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class AuditQuery:
    """What an auditor asks for; every field narrows, none widens."""

    actor: str | None = None
    target: str | None = None
    item: str | None = None
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    @classmethod
    def parse(
        cls,
        *,
        actor: str | None = None,
        target: str | None = None,
        item: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> AuditQuery:
        def clean(value: str | None) -> str | None:
            return value.strip()[:200] if value and value.strip() else None

        return cls(
            actor=clean(actor),
            target=clean(target),
            item=clean(item),
            actions=parse_actions(action),
            since=parse_when(since, field="since"),
            until=parse_when(until, field="until", end_of_day=True),
        )

    def as_dict(self) -> dict[str, Any]:
        """The filters as recorded on the audit row of the query itself."""
        found = {k: v for k, v in asdict(self).items() if v not in (None, ())}
        for key in ("since", "until"):
            if key in found:
                found[key] = found[key].isoformat()
        if "actions" in found:
            found["actions"] = list(found["actions"])
        return found

    def select(self) -> Select[AuditRow]:
        query = select(AuditRow)
        if self.actor:
            query = query.where(AuditRow.actor == self.actor)
        if self.target:
            query = query.where(AuditRow.target == self.target)
        if self.item:
            named = select(AuditItem.seq).where(AuditItem.item_id == self.item)
            query = query.where(or_(AuditRow.seq.in_(named), AuditRow.target == self.item))
        if self.actions:
            query = query.where(AuditRow.action.in_(self.actions))
        if self.since:
            query = query.where(AuditRow.at >= self.since)
        if self.until:
            query = query.where(AuditRow.at < self.until)
        return query


def who_saw(item_id: str) -> AuditQuery:
    """Every row through which someone received `item_id`."""
    return AuditQuery(item=item_id, actions=SEEN_ACTIONS)


def seen_by(
    username: str, *, since: datetime | None = None, until: datetime | None = None
) -> AuditQuery:
    """Everything `username` received, by default over the last seven days."""
    return AuditQuery(
        actor=username, actions=SEEN_ACTIONS, since=since or utcnow() - LAST_WEEK, until=until
    )


def _loads(text: str, empty: Any) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return empty


def audit_read(row: AuditRow) -> AuditRead:
    ids = _loads(row.ids, [])
    detail = _loads(row.detail, {})
    return AuditRead(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        agency=row.agency,
        action=row.action,
        kind=row.kind,
        target=row.target,
        ids=[str(i) for i in ids] if isinstance(ids, list) else [],
        outcome=row.outcome,
        detail=detail if isinstance(detail, dict) else {},
    )


def query_audit(
    *,
    session: Session,
    actor: Actor,
    query: AuditQuery,
    cursor: str | None = None,
    limit: int = 100,
) -> AuditList:
    """Rows matching the query, newest first; the query itself goes on the chain."""
    require(actor, Permission.AUDIT)
    before = decode_cursor(cursor)
    statement = query.select()
    if before is not None:
        statement = statement.where(AuditRow.seq < before)
    rows = list(session.execute(statement.order_by(AuditRow.seq.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    items = [audit_read(r) for r in rows]
    record(
        session=session,
        actor=actor,
        action="audit_query",
        kind="audit",
        detail={
            "filters": query.as_dict(),
            "cursor": cursor,
            "rows": len(items),
            "seqs": [items[0].seq, items[-1].seq] if items else [],
        },
    )
    return AuditList(items=items, next_cursor=encode_cursor(rows[-1].seq) if more else None)


# --- for people reading the trail: names, days, the page before -------------------------------


def account_names(*, session: Session, usernames: set[str]) -> dict[str, str]:
    """username -> the account's display name, for the accounts a page of rows names."""
    wanted = sorted(u for u in usernames if u)
    if not wanted:
        return {}
    rows = session.execute(
        select(User.username, User.display_name).where(User.username.in_(wanted))
    )
    return {r.username: r.display_name for r in rows if r.display_name}


def all_usernames(*, session: Session, actor: Actor) -> list[str]:
    """Every account's name, for the filter's suggestions (auditors only)."""
    require(actor, Permission.AUDIT)
    return list(session.execute(select(User.username).order_by(User.username)).scalars())


@dataclass(frozen=True)
class DayCounts:
    """How many matching rows one day holds, by action."""

    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    total: int
    by_action: dict[str, int]


def summarise_days(
    *, session: Session, actor: Actor, query: AuditQuery, days: list[tuple[datetime, datetime]]
) -> list[DayCounts]:
    """Rows per day and action for each (start, end) range in UTC; a reader's local days are
    handed in, so a day is the reader's, not UTC's. One grouped count per day, on the index
    of `at`; the page that shows it records the query (`query_audit`)."""
    require(actor, Permission.AUDIT)
    found = []
    for start, end in days:
        statement = (
            query.select()
            .where(AuditRow.at >= start, AuditRow.at < end)
            .with_only_columns(AuditRow.action, func.count())
            .group_by(AuditRow.action)
        )
        counts = {str(action): int(n) for action, n in session.execute(statement)}
        found.append(DayCounts(start, end, sum(counts.values()), counts))
    return found


def newer_cursor(
    *, session: Session, actor: Actor, query: AuditQuery, cursor: str | None, limit: int
) -> str | None:
    """The cursor of the page before the one `cursor` opens (None: that is the newest)."""
    require(actor, Permission.AUDIT)
    before = decode_cursor(cursor)
    if before is None:
        return None
    newer = list(
        session.execute(
            query.select()
            .where(AuditRow.seq >= before)
            .with_only_columns(AuditRow.seq)
            .order_by(AuditRow.seq)
            .limit(limit + 1)
        ).scalars()
    )
    if len(newer) <= limit:
        return None  # the newest page: no cursor
    return encode_cursor(newer[limit - 1] + 1)


# --- signed export ---------------------------------------------------------------------------


def _line(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode()


@dataclass(frozen=True)
class SignedExport:
    body: bytes  # header line, row lines, then the signature line
    signature: str
    rows: int


def export_audit(
    *, session: Session, actor: Actor, secret: str, query: AuditQuery, limit: int = MAX_EXPORT
) -> SignedExport:
    """The matching rows, oldest first, as JSON lines with an HMAC-SHA256 signature.

    Line 1 says who exported what and when; then one line per row (with its chain hashes,
    so the rows can also be checked against each other); the last line is
    `{"algorithm": "HMAC-SHA256", "signature": HEX}` over every byte before it.
    """
    require(actor, Permission.AUDIT)
    rows = list(session.execute(query.select().order_by(AuditRow.seq).limit(limit + 1)).scalars())
    truncated = len(rows) > limit
    rows = rows[:limit]
    exported_at = utcnow()
    header = {
        "export": {
            "by": actor.username,
            "at": exported_at.isoformat(),
            "filters": query.as_dict(),
            "rows": len(rows),
            "truncated": truncated,
        }
    }
    payload = bytearray(_line(header))
    for row in rows:
        data = audit_read(row).model_dump(mode="json")
        data.update(prev_hash=row.prev_hash, hash=row.hash)
        payload += _line(data)
    signature = sign_export(secret, bytes(payload))
    record(
        session=session,
        actor=actor,
        action="export",
        kind="audit",
        detail={
            "filters": query.as_dict(),
            "rows": len(rows),
            "truncated": truncated,
            "signature": signature,
            "seqs": [rows[0].seq, rows[-1].seq] if rows else [],
        },
    )
    footer = _line({"algorithm": SIGNATURE_ALGORITHM, "signature": signature})
    return SignedExport(body=bytes(payload) + footer, signature=signature, rows=len(rows))


def verify_export(secret: str, data: bytes) -> bool:
    """True when the last line's signature matches every byte before it."""
    if not data.endswith(b"\n"):
        return False
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    payload, footer = data[:cut], data[cut:]
    try:
        found = json.loads(footer)
    except ValueError:
        return False
    if not isinstance(found, dict) or found.get("algorithm") != SIGNATURE_ALGORITHM:
        return False
    signature = found.get("signature")
    if not isinstance(signature, str):
        return False
    return hmac.compare_digest(sign_export(secret, payload), signature)


# --- the dissemination record ----------------------------------------------------------------


def _like_json_item(item: str) -> str:
    """A LIKE pattern for `"item"` inside a JSON list, its wildcards escaped."""
    quoted = json.dumps(item, ensure_ascii=False)
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_disseminations(
    *,
    session: Session,
    actor: Actor,
    sender: str | None = None,
    recipient: str | None = None,
    item: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> DisseminationList:
    """Who received which items, why and when — newest first; the query goes on the chain.

    The table holds one row per export or sync, so a LIKE over its ids is cheap enough.
    """
    require(actor, Permission.AUDIT)
    query = select(Dissemination)
    filters: dict[str, Any] = {}
    if sender and sender.strip():
        query = query.where(Dissemination.sender == sender.strip())
        filters["sender"] = sender.strip()
    if recipient and recipient.strip():
        query = query.where(Dissemination.recipient == recipient.strip())
        filters["recipient"] = recipient.strip()
    if item and item.strip():
        query = query.where(Dissemination.ids.like(_like_json_item(item.strip()), escape="\\"))
        filters["item"] = item.strip()
    if since:
        query = query.where(Dissemination.at >= since)
        filters["since"] = since.isoformat()
    if until:
        query = query.where(Dissemination.at < until)
        filters["until"] = until.isoformat()
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(Dissemination.id < before)
    rows = list(session.execute(query.order_by(Dissemination.id.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        DisseminationRead(
            id=r.id,
            at=r.at,
            sender=r.sender,
            recipient=r.recipient,
            purpose=r.purpose,
            channel=r.channel,
            kind=r.kind,
            ids=[str(i) for i in _loads(r.ids, [])],
        )
        for r in rows
    ]
    record(
        session=session,
        actor=actor,
        action="audit_query",
        kind="dissemination",
        detail={"filters": filters, "cursor": cursor, "rows": len(items)},
    )
    return DisseminationList(items=items, next_cursor=encode_cursor(rows[-1].id) if more else None)
