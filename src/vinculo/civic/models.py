"""Tables of the civic channel inside: the submissions pulled from the public site, what the
reporters added later, their attachments (stripped on the public site), the replies and
statuses sent back, and the entities a triager linked.

A submission points at a row of `markings`, as an allegation does, so the one policy
(`visible_marking_ids`) decides who reads it; additions, attachments, replies and links are
read only through their submission.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class CivicSubmission(Base):
    """A reporter's account as it arrived. `receipt` and `reply_key` serve only to send
    replies back; no page or API shows them."""

    __tablename__ = "civic_submissions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    # SHA-256 of the opened payload: pulled twice (a crash before the acknowledgement), kept once.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    receipt: Mapped[str] = mapped_column(String(64), index=True)
    reply_key: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="es")
    category: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    occurred_on: Mapped[str] = mapped_column(String(10), default="")
    what: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    spam: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    allegation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    pulled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CivicAddition(Base):
    """What a reporter added later, with their receipt and passphrase."""

    __tablename__ = "civic_additions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("civic_submissions.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    what: Mapped[str] = mapped_column(Text, default="")
    pulled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CivicAttachment(Base):
    """A file as the public site left it: stripped of its metadata, known by its bytes."""

    __tablename__ = "civic_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("civic_submissions.id", ondelete="CASCADE"), index=True
    )
    addition_id: Mapped[int | None] = mapped_column(
        ForeignKey("civic_additions.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CivicReply(Base):
    """A reply or a status sent to the reporter (pushed, sealed to their key)."""

    __tablename__ = "civic_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("civic_submissions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    sent_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CivicLink(Base):
    """An entity of the store a triager linked to a submission."""

    __tablename__ = "civic_links"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("civic_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CivicOutcome(Base):
    """What came of a closed submission, written by staff in both languages for the public
    "you said, we did" page; one per submission, rewritten in place. Only its words, the
    submission's category and the month it arrived ever leave the node, and only when the
    submission is flagged public."""

    __tablename__ = "civic_outcomes"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("civic_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    text_en: Mapped[str] = mapped_column(Text)
    text_es: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
