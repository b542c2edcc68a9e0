"""Notifications: made for a recipient who may see the item, shown only while they still may.

`notify(session, recipient=..., kind=..., item=...)` is what other domains call. The
recipient's right to see the item is asked three times: when the notification is made (one
they may not see is not made at all), when its e-mail is sent (notify/mail.py) and whenever
it is shown or counted, since rights may change in between. A count of unread
notifications is a count of those the reader may see now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.backends import backend_for
from vinculo.intel.deletion import Purged
from vinculo.intel.models import Report, StatementRow
from vinculo.notify.items import KINDS, Item
from vinculo.notify.models import (
    EMAIL_NONE,
    EMAIL_PENDING,
    EMAIL_SENDING,
    EMAIL_SENT,
    HOOK_NONE,
    HOOK_PENDING,
    Notification,
    NotifyState,
)
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.security.roles import Permission, allowed
from vinculo.security.service import actor_for
from vinculo.wiring import WiredDict

# Why someone is told: the kind of notification -> the sentence that says it (N_ message).
# Later domains add theirs with `register_kind`; reading it runs wiring the command line
# deferred (vinculo.wiring).
KIND_SENTENCES: WiredDict[str, str] = WiredDict(
    {
        "release_request": N_("A release request waits for your decision"),
        "pair_assigned": N_("A pair of records was assigned to you"),
        "watch_hit": N_("Something new matches your watchlist"),
        "shared_with_me": N_("An item was shared with you"),
    }
)
# The most notifications a list shows, and the most unread ones a count looks at.
LIST_LIMIT = 50
COUNT_LIMIT = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def register_kind(name: str, sentence: str) -> None:
    """A new kind of notification, with the sentence (an N_ message) that announces it."""
    KIND_SENTENCES[name] = sentence


def state_for(*, session: Session, user_id: int) -> NotifyState:
    """The account's notification settings and places; made on first use, with the scan
    starting from what is stored now (only what comes later is news)."""
    state = session.get(NotifyState, user_id)
    if state is None:
        last_report = session.execute(select(func.max(Report.seq))).scalar() or 0
        last_statement = session.execute(select(func.max(StatementRow.seq))).scalar() or 0
        # Two requests of one account (a page and the watch scan, say) may both find no row:
        # the second insert is skipped instead of failing on the key, and both read the one.
        made = (
            backend_for(session)
            .insert(NotifyState.__table__)
            .values(
                user_id=user_id,
                email="",
                by_email=False,
                webhook_url="",
                webhook_secret="",
                last_visit_seq=last_report,
                visit_seq=last_report,
                visit_at=None,
                scanned_report_seq=last_report,
                scanned_statement_seq=last_statement,
            )
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        session.execute(made)
        state = session.get(NotifyState, user_id, populate_existing=True)
        assert state is not None  # made just now, or by the request that won
    return state


def keep_places_within_store(session: Session, _purged: Purged) -> None:
    """A purge hook: no account's places (what the scan has read, where its visit began)
    may lie past the newest report and statement left. SQLite numbers a new row one past
    the highest left, so a place set at a purged row would pass over the next rows filed:
    a watch hit or a report new since the last visit missed, and missed only when the
    purged row was one the reader may not see (docs/security.md, the machine's findings)."""
    top_report = session.execute(select(func.max(Report.seq))).scalar() or 0
    top_statement = session.execute(select(func.max(StatementRow.seq))).scalar() or 0
    for column, top in (
        (NotifyState.last_visit_seq, top_report),
        (NotifyState.visit_seq, top_report),
        (NotifyState.scanned_report_seq, top_report),
        (NotifyState.scanned_statement_seq, top_statement),
    ):
        session.execute(update(NotifyState).where(column > top).values({column: top}))


def _recipient(session: Session, recipient: User | int | str) -> User | None:
    if isinstance(recipient, User):
        return recipient
    if isinstance(recipient, int):
        return session.get(User, recipient)
    return session.execute(select(User).where(User.username == recipient)).scalar_one_or_none()


def notify(
    session: Session, *, recipient: User | int | str, kind: str, item: Item
) -> Notification | None:
    """Tell `recipient` (an account, its id or user name) of `item`, for the reason `kind`.

    Nothing is made when the recipient may not see the item, is disabled or unknown, or
    already has the same notification unread. Returns the notification made, or None.
    The e-mail and the webhook call, if the recipient asked for them, are made after the
    transaction commits, by the mailer (notify/mail.py, notify/webhooks.py), which asks again
    whether they may see the item.
    """
    if kind not in KIND_SENTENCES:
        raise ValueError(f"unknown notification kind {kind!r}; register_kind it first")
    user = _recipient(session, recipient)
    if user is None or not user.active:
        return None
    actor = actor_for(user)
    if item not in KINDS.visible(session, actor, [item]):
        return None
    already = session.execute(
        select(Notification.id).where(
            Notification.recipient_id == user.id,
            Notification.kind == kind,
            Notification.item_kind == item.kind,
            Notification.item_id == item.id,
            Notification.read_at.is_(None),
        )
    ).first()
    if already is not None:
        return None
    state = state_for(session=session, user_id=user.id)
    row = Notification(
        recipient_id=user.id,
        kind=kind,
        item_kind=item.kind,
        item_id=item.id,
        created_at=utcnow(),
        email_state=EMAIL_PENDING if state.by_email and state.email else EMAIL_NONE,
        hook_state=HOOK_PENDING if state.webhook_url else HOOK_NONE,
    )
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=None,
        action="notify",
        kind=item.kind,
        target=item.id,
        ids=[item.id],
        detail={"recipient": user.username, "notification": kind, "id": row.id},
    )
    return row


def notify_holders(
    session: Session, *, agency: str, permission: Permission, kind: str, item: Item
) -> list[Notification]:
    """Tell every active account of `agency` whose roles allow `permission` (the supervisors
    who may release its items, say), each only if they may see the item."""
    users = session.execute(
        select(User).where(User.agency == agency, User.active.is_(True)).order_by(User.id)
    ).scalars()
    made = []
    for user in users:
        if allowed(actor_for(user), permission):
            row = notify(session, recipient=user, kind=kind, item=item)
            if row is not None:
                made.append(row)
    return made


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    sentence: str
    item: Item
    item_label: str
    link: str
    created_at: datetime
    read: bool


def _shown(session: Session, actor: Actor, rows: list[Notification]) -> list[Notification]:
    """The rows whose item the actor may see now."""
    seen = KINDS.visible(session, actor, [Item(r.item_kind, r.item_id) for r in rows])
    return [r for r in rows if Item(r.item_kind, r.item_id) in seen]


def _numbers(session: Session, recipient_id: int) -> list[int]:
    """The recipient's notifications' row ids, oldest first: a notification is shown by its
    place in this list (1, 2, 3 …), never its row id, which counts every account's
    notifications and so would tell how many others were told of something in between."""
    return list(
        session.execute(
            select(Notification.id)
            .where(Notification.recipient_id == recipient_id)
            .order_by(Notification.id)
        ).scalars()
    )


def _view(
    row: Notification, number: int, locale: str, caption: str | None = None
) -> NotificationView:
    kind = KINDS.get(row.item_kind)
    assert kind is not None  # only rows of a registered kind are ever shown
    return NotificationView(
        id=number,
        kind=row.kind,
        sentence=gettext(locale, KIND_SENTENCES.get(row.kind, row.kind)),
        item=Item(row.item_kind, row.item_id),
        item_label=caption or gettext(locale, kind.label, id=row.item_id),
        link=kind.link(row.item_id),
        created_at=row.created_at,
        read=row.read_at is not None,
    )


def list_notifications(
    *, session: Session, actor: Actor, limit: int = LIST_LIMIT
) -> list[NotificationView]:
    """The actor's newest notifications of items they may see now, newest first."""
    if actor.user_id is None:
        return []
    rows = list(
        session.execute(
            select(Notification)
            .where(Notification.recipient_id == actor.user_id)
            .order_by(Notification.id.desc())
            .limit(limit * 2)
        ).scalars()
    )
    shown = _shown(session, actor, rows)[:limit]
    names = KINDS.captions(session, actor, [Item(r.item_kind, r.item_id) for r in shown])
    number = {row_id: place for place, row_id in enumerate(_numbers(session, actor.user_id), 1)}
    views = [
        _view(r, number[r.id], actor.locale, names.get(Item(r.item_kind, r.item_id))) for r in shown
    ]
    record(
        session=session,
        actor=actor,
        action="list",
        kind="notification",
        ids=[v.item.id for v in views],
    )
    return views


def unread_count(*, session: Session, actor: Actor) -> int:
    """Unread notifications of items the actor may see now (at most COUNT_LIMIT counted)."""
    if actor.user_id is None:
        return 0
    rows = list(
        session.execute(
            select(Notification)
            .where(Notification.recipient_id == actor.user_id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(COUNT_LIMIT)
        ).scalars()
    )
    return len(_shown(session, actor, rows))


def mark_read(*, session: Session, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read: those named by their numbers (as lists show
    them), or all; a number the actor has none for is ignored. Returns how many changed."""
    if actor.user_id is None:
        return 0
    query = update(Notification).where(
        Notification.recipient_id == actor.user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        rows = _numbers(session, actor.user_id)
        chosen = [rows[n - 1] for n in set(ids) if 0 < n <= len(rows)]
        query = query.where(Notification.id.in_(chosen))
    result = session.execute(query.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def set_email(*, session: Session, actor: Actor, email: str, by_email: bool) -> NotifyState:
    """The address notifications are e-mailed to, and whether they are."""
    if actor.user_id is None:
        raise InvalidInput(N_("sign in first"), field="email")
    email = email.strip()
    if email and not EMAIL.match(email):
        raise InvalidInput(N_("not a valid e-mail address"), field="email")
    if by_email and not email:
        raise InvalidInput(
            N_("give an e-mail address to receive notifications by e-mail"), field="email"
        )
    state = state_for(session=session, user_id=actor.user_id)
    state.email = email
    state.by_email = by_email
    record(
        session=session,
        actor=actor,
        action="update",
        kind="account",
        target=actor.username,
        detail={"notify_by_email": by_email},
    )
    return state


def claim_pending(sessions: sessionmaker[Session], row_id: int, state: str) -> bool:
    """Take one notification's e-mail or webhook call (`state`: the column's name) from
    pending to sending; False when another sender took it first, so none is sent twice."""
    column = getattr(Notification, state)
    with transaction(sessions) as session:
        result = session.execute(
            update(Notification)
            .where(Notification.id == row_id, column == EMAIL_PENDING)
            .values({state: EMAIL_SENDING})
        )
        return bool(getattr(result, "rowcount", 0))


def record_delivery(
    session: Session, row: Notification, action: str, username: str, state: str
) -> None:
    """The audit row of an e-mail or webhook call sent, withheld or given up."""
    record(
        session=session,
        actor=None,
        action=action,
        kind=row.item_kind,
        target=row.item_id,
        ids=[row.item_id],
        detail={"recipient": username, "notification": row.kind, "id": row.id},
        outcome="ok" if state == EMAIL_SENT else state,
    )
