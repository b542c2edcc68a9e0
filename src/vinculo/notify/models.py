"""Tables: notifications, each account's notification settings and places, its watchlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow

# What a notification's e-mail is doing: none asked, waiting, sent, failed, or withheld
# because the recipient could no longer see the item when it was to be sent.
EMAIL_NONE = "none"
EMAIL_PENDING = "pending"
EMAIL_SENDING = "sending"
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"
EMAIL_WITHHELD = "withheld"


# What a notification's webhook call is doing: the same states, and tries are counted.
HOOK_NONE = EMAIL_NONE
HOOK_PENDING = EMAIL_PENDING
HOOK_SENDING = EMAIL_SENDING
HOOK_SENT = EMAIL_SENT
HOOK_FAILED = EMAIL_FAILED
HOOK_WITHHELD = EMAIL_WITHHELD


class Notification(Base):
    """One thing one account is told of: a kind (why) and the item it points at. It holds
    no content of the item; what is shown is read, through the policy, when it is shown."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    item_kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    email_state: Mapped[str] = mapped_column(String(16), default=EMAIL_NONE)
    hook_state: Mapped[str] = mapped_column(String(16), default=HOOK_NONE, server_default=HOOK_NONE)
    hook_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A failed call is tried again no sooner than this (backing off), up to webhook_attempts.
    hook_after: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_notifications_recipient", "recipient_id", "read_at"),
        Index("ix_notifications_email", "email_state"),
        Index("ix_notifications_hook", "hook_state"),
    )


class NotifyState(Base):
    """An account's e-mail choice and its places: the newest report it had been shown at its
    last visit of the home, and how far the watchlist scan has read."""

    __tablename__ = "notify_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    by_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A signed webhook the account's own system receives its notifications at; the secret
    # signs each call (HMAC-SHA256) and is shown to the account once, when it is made.
    webhook_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    webhook_secret: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # "New since my last visit": reports after last_visit_seq; this visit began at visit_at.
    last_visit_seq: Mapped[int] = mapped_column(Integer, default=0)
    visit_seq: Mapped[int] = mapped_column(Integer, default=0)
    visit_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The scan for watchlist hits and items shared with the account has read up to these.
    scanned_report_seq: Mapped[int] = mapped_column(Integer, default=0)
    scanned_statement_seq: Mapped[int] = mapped_column(Integer, default=0)


class WatchItem(Base):
    """Something an account watches: an entity (by id), a name, a phone number, or a saved
    search. `norm` is what new statements and reports are matched on: the folded name or
    query (vinculo.text.fold), the phone in E.164, the entity id."""

    __tablename__ = "watch_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
