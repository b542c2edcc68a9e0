"""Watchlists and saved searches, and the scan that turns what is new into notifications.

An account watches entities (by id), names, phone numbers and searches. Names and searches
are folded by the rule search and resolution share (vinculo.text.fold) and match when every
word of them is a word of a new name statement (a name) or of a new report or statement
(a search); phones are kept in E.164 (phonenumbers) and match a new phone statement of the
same number however it was written. The scan reads only what is new since it last ran for
the account and only what the account may see, and each hit goes through `notify`, which
asks again. It also tells the account of new reports shared with it: RED reports naming it,
reports whose markings share them with its agency, and reports marked for a need-to-know
group it belongs to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.models import Report, StatementRow
from vinculo.notify.items import KINDS, Item
from vinculo.notify.models import WatchItem
from vinculo.notify.service import notify, state_for
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.security.service import actor_for
from vinculo.text import fold

WATCH_KINDS = ("entity", "name", "phone", "search")
MAX_WATCHES = 200
# The most new visible rows one scan reads; the next scan goes on from there.
SCAN_BATCH = 5000


@dataclass(frozen=True)
class WatchView:
    id: str  # watch_key: the account's own name for it, no row id
    kind: str
    value: str
    link: str


def normalise_phone(value: str, nation: str | None) -> str | None:
    """A phone number in E.164, or None if it is not one."""
    try:
        number = phonenumbers.parse(value, vocab.phone_region(nation))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _norm(session: Session, actor: Actor, kind: str, value: str) -> str:
    if kind == "entity":
        entity_id = value.strip()
        if Item("entity", entity_id) not in KINDS.visible(
            session, actor, [Item("entity", entity_id)]
        ):
            raise NotFound(N_("no such entity"), field="value")
        return entity_id
    if kind == "phone":
        phone = normalise_phone(value, actor.nation)
        if phone is None:
            raise InvalidInput(
                N_("not a phone number; write it with its country code, e.g. +52 55 1234 5678"),
                field="value",
            )
        return phone
    folded = fold(value)
    if len(folded.replace(" ", "")) < 2:
        raise InvalidInput(N_("write at least two letters or digits"), field="value")
    return folded


def add_watch(*, session: Session, actor: Actor, kind: str, value: str) -> WatchItem:
    """Watch an entity, a name, a phone or a search; refused if it would be the same twice."""
    if actor.user_id is None:
        raise InvalidInput(N_("sign in first"), field="value")
    if kind not in WATCH_KINDS:
        raise InvalidInput(N_("watch an entity, a name, a phone or a search"), field="kind")
    value = value.strip()[:500]
    if not value:
        raise InvalidInput(N_("this field is required"), field="value")
    norm = _norm(session, actor, kind, value)
    existing = session.execute(
        select(WatchItem).where(WatchItem.user_id == actor.user_id)
    ).scalars()
    rows = list(existing)
    if any(w.kind == kind and w.norm == norm for w in rows):
        raise InvalidInput(N_("you already watch this"), field="value")
    if len(rows) >= MAX_WATCHES:
        raise InvalidInput(
            N_("you watch {n} things already, the most"), field="value", n=MAX_WATCHES
        )
    state_for(session=session, user_id=actor.user_id)  # the scan starts from now
    row = WatchItem(user_id=actor.user_id, kind=kind, value=value, norm=norm)
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="watch",
        kind="watch",
        target=str(row.id),
        detail={"kind": kind},
    )
    return row


def watch_key(row: WatchItem) -> str:
    """How a watch is named in pages and the API: its kind and a digest of what it matches,
    unique for its account. A row id would count every account's watches, and its gaps tell
    how many others watched something in between."""
    digest = hashlib.sha256(row.norm.encode("utf-8")).hexdigest()[:16]
    return f"{row.kind}-{digest}"


def remove_watch(*, session: Session, actor: Actor, watch_id: str) -> None:
    """Stop watching; a key the account has no watch by answers as a missing watch."""
    rows = session.execute(select(WatchItem).where(WatchItem.user_id == actor.user_id)).scalars()
    row = next((r for r in rows if watch_key(r) == watch_id), None)
    if row is None:
        raise NotFound(N_("no such watch"), field="id")
    session.delete(row)
    record(session=session, actor=actor, action="unwatch", kind="watch", target=str(row.id))


def link_for(kind: str, value: str, norm: str) -> str:
    from urllib.parse import urlencode

    if kind == "entity":
        return f"/entities/{norm}"
    return "/search?" + urlencode({"q": norm if kind == "phone" else value})


def list_watches(*, session: Session, actor: Actor) -> list[WatchView]:
    """The account's watchlist; an entity it may no longer see is left out (kept, unshown)."""
    if actor.user_id is None:
        return []
    rows = list(
        session.execute(
            select(WatchItem).where(WatchItem.user_id == actor.user_id).order_by(WatchItem.id)
        ).scalars()
    )
    entities = KINDS.visible(
        session, actor, [Item("entity", r.norm) for r in rows if r.kind == "entity"]
    )
    return [
        WatchView(watch_key(r), r.kind, r.value, link_for(r.kind, r.value, r.norm))
        for r in rows
        if r.kind != "entity" or Item("entity", r.norm) in entities
    ]


# --- the scan ----------------------------------------------------------------------------


def _words(text: str | None) -> set[str]:
    return set((text or "").split())


def scan(*, session: Session, actor: Actor) -> int:
    """Notify the account of what is new since its last scan and matches its watchlist or
    was shared with it; returns the notifications made."""
    if actor.user_id is None:
        return 0
    state = state_for(session=session, user_id=actor.user_id)
    visible = visible_marking_ids(session=session, actor=actor)
    watches = list(
        session.execute(select(WatchItem).where(WatchItem.user_id == actor.user_id)).scalars()
    )
    hits: list[tuple[str, Item]] = []
    # Statements: entities, names, phones and searches. Only visible rows are read, and the
    # batch is counted in them, so hidden rows never delay (or hasten) a visible hit.
    top = session.execute(select(func.max(StatementRow.seq))).scalar() or 0
    after = state.scanned_statement_seq
    if watches and visible and top > after:
        rows = session.execute(
            select(
                StatementRow.seq,
                StatementRow.entity_id,
                StatementRow.prop_type,
                StatementRow.value,
                StatementRow.norm,
            )
            .where(
                StatementRow.seq > after,
                StatementRow.seq <= top,
                StatementRow.marking_id.in_(visible),
            )
            .order_by(StatementRow.seq)
            .limit(SCAN_BATCH)
        ).all()
        if len(rows) == SCAN_BATCH:
            top = rows[-1].seq
        for row in rows:
            for watch in watches:
                if _matches(watch, row, actor.nation):
                    hits.append(("watch_hit", Item("entity", row.entity_id)))
    state.scanned_statement_seq = max(top, after)
    # Reports: searches, and what was shared with the account.
    top = session.execute(select(func.max(Report.seq))).scalar() or 0
    after = state.scanned_report_seq
    if visible and top > after:
        reports = list(
            session.execute(
                select(Report)
                .where(Report.seq > after, Report.seq <= top, Report.marking_id.in_(visible))
                .order_by(Report.seq)
                .limit(SCAN_BATCH)
            ).scalars()
        )
        if len(reports) == SCAN_BATCH:
            top = reports[-1].seq
        marks = markings_by_id(session=session, ids={r.marking_id for r in reports})
        searches = [w for w in watches if w.kind == "search"]
        for report in reports:
            words = _words(report.search_text)
            if any(_words(w.norm) <= words for w in searches):
                hits.append(("watch_hit", Item("report", report.id)))
            m = marks[report.marking_id]
            # Shared with me: named as a recipient (RED), or shared with my agency, or marked
            # for a need-to-know group I belong to. Only reports the account may see reach
            # here, and `notify` asks again: a member a marking keeps out (REL TO, TLP) is
            # told nothing.
            named = (
                actor.username in m.recipients
                or (actor.agency or "") in m.shared_with
                or not m.groups.isdisjoint(actor.groups)
            )
            if named and report.author_id != actor.user_id:
                hits.append(("shared_with_me", Item("report", report.id)))
    state.scanned_report_seq = max(top, after)
    made = 0
    for kind, item in dict.fromkeys(hits):
        if notify(session, recipient=actor.user_id, kind=kind, item=item) is not None:
            made += 1
    return made


def _matches(watch: WatchItem, row: object, nation: str | None) -> bool:
    entity_id = getattr(row, "entity_id", "")
    prop_type = getattr(row, "prop_type", "")
    if watch.kind == "entity":
        return bool(entity_id == watch.norm)
    if watch.kind == "name":
        return prop_type == "name" and _words(watch.norm) <= _words(fold(getattr(row, "value", "")))
    if watch.kind == "phone":
        return prop_type == "phone" and normalise_phone(getattr(row, "value", ""), nation) == (
            watch.norm
        )
    if watch.kind == "search":
        norm = getattr(row, "norm", None)
        return bool(norm) and _words(watch.norm) <= _words(norm)
    return False


def scan_everyone(*, session: Session) -> int:
    """The scan for every active account (the command line's `vinculo notify scan`)."""
    made = 0
    for user in session.execute(select(User).where(User.active.is_(True))).scalars():
        made += scan(session=session, actor=actor_for(user))
    return made
