"""Notifications by signed webhook: each call names the kind of item and links to it, in the
recipient's language, signed with the account's secret.

A call holds what the e-mail holds (notify/mail.py) and no more: why the recipient is told,
the item's kind and id, and the link; never the item's content. Before each call the
recipient's right to see the item is asked again, and one they may no longer see is withheld.

Only hosts the operator lists (`VINCULO_WEBHOOK_HOSTS`) may receive calls, over HTTPS (plain
HTTP only to this machine's loopback), and redirects are not followed: an account cannot make
the server call into the network it stands in. The signature follows the common scheme of
webhook senders, written here because no library in the lock signs webhooks:
`X-Vinculo-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`. A receiver
recomputes it with the secret, compares in constant time and refuses an old `t` (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.notify.items import KINDS, Item
from vinculo.notify.models import (
    HOOK_FAILED,
    HOOK_PENDING,
    HOOK_SENT,
    HOOK_WITHHELD,
    Notification,
    NotifyState,
)
from vinculo.notify.service import KIND_SENTENCES, claim_pending, record_delivery, state_for
from vinculo.outbound import tls_context
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.security.service import actor_for
from vinculo.settings import Settings

log = logging.getLogger(__name__)
BATCH = 100
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
# A failed call waits 2, 4, 8 … seconds before the next try, never more than this.
MOST_WAIT_SECONDS = 300


def allowed_host(settings: Settings, url: str) -> bool:
    """Whether the operator allows calls to this URL's host, over the scheme it uses."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in {h.strip().lower() for h in settings.webhook_hosts}:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK)


def check_url(settings: Settings, url: str) -> str:
    url = url.strip()
    if not settings.webhook_hosts:
        raise InvalidInput(
            N_("this node sends no webhooks: its operator allows no host"), field="url"
        )
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(
            N_("not a web address (https://host/path): {value}"), field="url", value=url
        )
    if parts.username or parts.password:
        raise InvalidInput(N_("a webhook's address holds no user name or password"), field="url")
    if not allowed_host(settings, url):
        raise InvalidInput(
            N_("{value} is not a host this node may call over that scheme; ask its operator"),
            field="url",
            value=parts.hostname,
        )
    return url


def set_webhook(*, session: Session, settings: Settings, actor: Actor, url: str) -> str:
    """Name the account's webhook; returns its new secret, shown this once."""
    if actor.user_id is None:
        raise InvalidInput(N_("sign in first"), field="url")
    state = state_for(session=session, user_id=actor.user_id)
    state.webhook_url = check_url(settings, url)
    state.webhook_secret = secrets.token_hex(32)
    _audit(session, actor, urlsplit(state.webhook_url).hostname)
    return state.webhook_secret


def remove_webhook(*, session: Session, actor: Actor) -> None:
    if actor.user_id is None:
        raise InvalidInput(N_("sign in first"), field="url")
    state = state_for(session=session, user_id=actor.user_id)
    state.webhook_url = ""
    state.webhook_secret = ""
    _audit(session, actor, None)


def _audit(session: Session, actor: Actor, host: str | None) -> None:
    """The account's change, naming the webhook's host (never its path or secret)."""
    record(
        session=session,
        actor=actor,
        action="update",
        kind="account",
        target=actor.username,
        detail={"webhook": host},
    )


def payload_for(*, settings: Settings, row: Notification, locale: str) -> dict[str, object] | None:
    """What one call says: why, which item (its kind and id), the link; None for an item
    kind nobody registered."""
    item_kind = KINDS.get(row.item_kind)
    if item_kind is None:
        return None
    return {
        "id": row.id,
        "kind": row.kind,
        "message": gettext(locale, KIND_SENTENCES.get(row.kind, row.kind)),
        "item": {
            "kind": row.item_kind,
            "id": row.item_id,
            "label": gettext(locale, item_kind.label, id=row.item_id),
            "link": settings.public_url.rstrip("/") + item_kind.link(row.item_id),
        },
        "created_at": row.created_at.isoformat() + "Z",
        "language": locale,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


def _finish(
    sessions: sessionmaker[Session], settings: Settings, row_id: int, outcome: str, username: str
) -> None:
    """Record the call's outcome; a failed try goes back to waiting until tries run out."""
    with transaction(sessions) as session:
        row = session.get(Notification, row_id)
        if row is None:
            return
        state = outcome
        if outcome == HOOK_FAILED:
            row.hook_attempts += 1
            if row.hook_attempts < settings.webhook_attempts:
                state = HOOK_PENDING
                wait = min(2**row.hook_attempts, MOST_WAIT_SECONDS)
                row.hook_after = utcnow() + timedelta(seconds=wait)
        row.hook_state = state
        if state != HOOK_PENDING:  # audited once, when it is sent, withheld or given up
            record_delivery(session, row, "webhook", username, state)


def _call(
    settings: Settings, client: httpx.Client, url: str, secret: str, payload: dict[str, object]
) -> bool:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(utcnow().timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Language": str(payload["language"]),
        "X-Vinculo-Event": str(payload["kind"]),
        "X-Vinculo-Delivery": str(payload["id"]),
        "X-Vinculo-Signature": signature(secret, timestamp, body),
    }
    try:
        answer = client.post(
            url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
    except httpx.HTTPError as error:
        log.warning("webhook call %s failed: %s", payload["id"], error)
        return False
    return 200 <= answer.status_code < 300


def _due(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    with sessions() as session:
        return list(
            session.execute(
                select(Notification.id)
                .where(
                    Notification.hook_state == HOOK_PENDING,
                    or_(Notification.hook_after.is_(None), Notification.hook_after <= now),
                )
                .order_by(Notification.id)
                .limit(BATCH)
            ).scalars()
        )


def deliver_pending(
    *, sessions: sessionmaker[Session], settings: Settings, client: httpx.Client | None = None
) -> int:
    """Make the webhook calls that are due; returns how many were answered with success."""
    if not settings.webhook_hosts:
        return 0
    sent = 0
    own = client or httpx.Client(
        follow_redirects=False, trust_env=False, verify=tls_context(trust_env=False)
    )
    try:
        for row_id in _due(sessions, utcnow()):
            if not claim_pending(sessions, row_id, "hook_state"):
                continue  # another deliverer took it
            with sessions() as session:
                row = session.get(Notification, row_id)
                user = session.get(User, row.recipient_id) if row else None
                state = session.get(NotifyState, row.recipient_id) if row else None
                if row is None or user is None or state is None:
                    continue
                item = Item(row.item_kind, row.item_id)
                may = user.active and item in KINDS.visible(session, actor_for(user), [item])
                payload = None
                if may and state.webhook_url and allowed_host(settings, state.webhook_url):
                    payload = payload_for(settings=settings, row=row, locale=user.locale)
                url, secret, username = state.webhook_url, state.webhook_secret, user.username
            if payload is None:
                _finish(sessions, settings, row_id, HOOK_WITHHELD, username)
                continue
            ok = _call(settings, own, url, secret, payload)
            _finish(sessions, settings, row_id, HOOK_SENT if ok else HOOK_FAILED, username)
            sent += ok
    finally:
        if client is None:
            own.close()
    return sent
