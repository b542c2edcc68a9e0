"""Notification e-mails: the kind of item and a link to it, in the recipient's language.

An e-mail never holds the item's content (no title, no text, no markings): it says why the
recipient is told and links to the item's page, where signing in shows what they may see.
Before each is sent the recipient's right to see the item is asked again; one they may no
longer see is withheld. Rows are claimed (pending -> sending) one at a time, so two mailers
never send one twice.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.i18n import N_, gettext
from vinculo.notify.items import KINDS, Item
from vinculo.notify.models import (
    EMAIL_FAILED,
    EMAIL_PENDING,
    EMAIL_SENT,
    EMAIL_WITHHELD,
    Notification,
    NotifyState,
)
from vinculo.notify.service import KIND_SENTENCES, claim_pending, record_delivery
from vinculo.notify.watch import scan_everyone
from vinculo.notify.webhooks import deliver_pending
from vinculo.security.models import User
from vinculo.security.service import actor_for
from vinculo.settings import Settings

log = logging.getLogger(__name__)
BATCH = 100


def message_for(
    *, settings: Settings, to: str, locale: str, kind: str, item: Item
) -> EmailMessage | None:
    """The e-mail telling of one notification: why, which item (its kind and id), the link."""
    item_kind = KINDS.get(item.kind)
    if item_kind is None:
        return None
    sentence = gettext(locale, KIND_SENTENCES.get(kind, kind))
    label = gettext(locale, item_kind.label, id=item.id)
    link = settings.public_url.rstrip("/") + item_kind.link(item.id)
    message = EmailMessage()
    message["Subject"] = f"Vínculo: {sentence}"
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Content-Language"] = locale
    message.set_content(
        "\n\n".join(
            [
                f"{sentence}: {label}.",
                link,
                gettext(locale, N_("Sign in to Vínculo to see it.")),
                gettext(
                    locale,
                    N_(
                        "This message names the item only; what it holds is shown to you "
                        "when you sign in."
                    ),
                ),
            ]
        )
        + "\n"
    )
    return message


def _finish(sessions: sessionmaker[Session], row_id: int, state: str, username: str) -> None:
    with transaction(sessions) as session:
        row = session.get(Notification, row_id)
        if row is None:
            return
        row.email_state = state
        record_delivery(session, row, "email", username, state)


def send_pending(*, sessions: sessionmaker[Session], settings: Settings) -> int:
    """Send the e-mails waiting; returns how many were sent. Does nothing without an SMTP
    server (`VINCULO_SMTP_HOST`)."""
    if not settings.smtp_host:
        return 0
    with sessions() as session:
        waiting = list(
            session.execute(
                select(Notification.id)
                .where(Notification.email_state == EMAIL_PENDING)
                .order_by(Notification.id)
                .limit(BATCH)
            ).scalars()
        )
    sent = 0
    for row_id in waiting:
        if not claim_pending(sessions, row_id, "email_state"):
            continue  # another mailer took it
        with sessions() as session:
            row = session.get(Notification, row_id)
            user = session.get(User, row.recipient_id) if row else None
            state = session.get(NotifyState, row.recipient_id) if row else None
            if row is None or user is None or state is None:
                continue
            item = Item(row.item_kind, row.item_id)
            actor = actor_for(user)
            may = user.active and item in KINDS.visible(session, actor, [item])
            message = None
            if may and state.by_email and state.email:
                message = message_for(
                    settings=settings, to=state.email, locale=user.locale, kind=row.kind, item=item
                )
            username = user.username
        if message is None:
            _finish(sessions, row_id, EMAIL_WITHHELD, username)
            continue
        try:
            _send(settings, message)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("notification e-mail %s not sent: %s", row_id, error)
            _finish(sessions, row_id, EMAIL_FAILED, username)
            continue
        _finish(sessions, row_id, EMAIL_SENT, username)
        sent += 1
    return sent


def _send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


class Mailer:
    """A thread beside the server that, every few seconds, looks for watchlist hits and
    shared items for every account (so that those not signed in are told too), sends the
    e-mails waiting and makes the webhook calls due."""

    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vinculo-mailer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=self.settings.smtp_timeout_seconds + 5)

    def _run(self) -> None:
        while not self.stopping.wait(self.settings.mail_interval_seconds):
            try:
                # Accounts not signed in are told too: the scan for each, then the e-mails.
                with transaction(self.sessions) as session:
                    scan_everyone(session=session)
                send_pending(sessions=self.sessions, settings=self.settings)
                deliver_pending(sessions=self.sessions, settings=self.settings)
            except Exception:  # the thread must outlive one bad round; it is logged
                log.exception("the mailer's round failed")
