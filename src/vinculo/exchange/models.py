"""Tables of the exchange: collections served, objects published, what partners sent us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class ExchangeCollection(Base):
    """A TAXII collection: one sharing agreement or task force, served to named partners."""

    __tablename__ = "exchange_collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alias: Mapped[str] = mapped_column(String(64), unique=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_es: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_es: Mapped[str] = mapped_column(Text, default="")
    # Partner node names (comma-separated) that may read it; their nations are its audience.
    partners: Mapped[str] = mapped_column(String(200))
    # Need-to-know groups of a task force (comma-separated); empty for an agreement.
    groups: Mapped[str] = mapped_column(Text, default="")
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def partner_set(self) -> frozenset[str]:
        return frozenset(p for p in self.partners.split(",") if p)

    @property
    def group_set(self) -> frozenset[str]:
        return frozenset(g for g in self.groups.split(",") if g)

    def title(self, locale: str) -> str:
        return self.title_es if locale == "es" and self.title_es else self.title_en


class ExchangeObject(Base):
    """One published version of a STIX object in a collection (what TAXII serves).

    `marking_ids` names every marking set whose statements the object carries, so each read
    is checked again against the reader (a partner's releasability, a person's `can_see`).
    """

    __tablename__ = "exchange_objects"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(36))
    stix_id: Mapped[str] = mapped_column(String(100))
    stix_type: Mapped[str] = mapped_column(String(40))
    spec_version: Mapped[str] = mapped_column(String(8), default="2.1")
    modified: Mapped[str] = mapped_column(String(32))
    date_added: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(200))
    marking_ids: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("collection_id", "stix_id", "modified", "marking_ids"),
        Index("ix_exchange_objects_collection_added", "collection_id", "date_added"),
        Index("ix_exchange_objects_collection_stix", "collection_id", "stix_id"),
        Index("ix_exchange_objects_item", "collection_id", "item_key"),
    )


class ExchangeState(Base):
    """Small named values the exchange keeps: the publisher's positions in the store."""

    __tablename__ = "exchange_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ExchangeChange(Base):
    """An item the publisher must look at again: purged or withdrawn (through intel's one
    door for deletion), or released by its originator. Its change feed, read and emptied
    by each run; new and changed statements and reports it finds by their positions."""

    __tablename__ = "exchange_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128))  # an entity's or a report's id
    # Deleted (its statements purged or withdrawn), not only changed: the earlier versions
    # that carried what was deleted go too.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # A report that was deleted, whose own versions give way to a revocation.
    report: Mapped[bool] = mapped_column(Boolean, default=False)


class ReleaseRequest(Base):
    """Originator-controlled (ORCON) items of one source and one originating agency, waiting
    for, or given, release to a partner.

    A release covers exactly its originator's items it names: another agency's ORCON data
    under the same source name, or an item that came later, waits for a request of its own.
    """

    __tablename__ = "exchange_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The statements' source: "report:<id>" for a report, the source name of an import.
    dataset: Mapped[str] = mapped_column(String(128))
    partner: Mapped[str] = mapped_column(String(64))
    originator: Mapped[str] = mapped_column(String(16))
    # The items released (JSON list): the report's id, the ids of the entities the
    # originator's statements of the source are about.
    items: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_exchange_releases_source", "dataset", "partner", "originator"),)


class SyncCursor(Base):
    """Where the pull from one partner collection stands (the receiving side)."""

    __tablename__ = "exchange_cursors"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    added_after: Mapped[str] = mapped_column(String(32), default="")
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)


class ReceivedObject(Base):
    """The newest version of a STIX object a partner sent, with its provenance."""

    __tablename__ = "exchange_received"

    stix_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    collection_id: Mapped[str] = mapped_column(String(36))
    stix_type: Mapped[str] = mapped_column(String(40))
    modified: Mapped[str] = mapped_column(String(32))
    origin_node: Mapped[str] = mapped_column(String(64))
    origin_agency: Mapped[str] = mapped_column(String(16), default="")
    item_key: Mapped[str] = mapped_column(String(200), default="")
    # The marking references and statement markings as received, and what they became here.
    markings_received: Mapped[str] = mapped_column(Text, default="[]")
    marking_ids: Mapped[str] = mapped_column(Text, default="")
    statement_ids: Mapped[str] = mapped_column(Text, default="[]")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    payload: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_exchange_received_item", "item_key"),)


class QuarantinedObject(Base):
    """Something a partner sent that failed validation, kept with the reason."""

    __tablename__ = "exchange_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    collection_id: Mapped[str] = mapped_column(String(36))
    stix_id: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_exchange_quarantine_partner", "partner", "collection_id"),)


class StatusResource(Base):
    """A TAXII status resource: the outcome of a partner's POST of an envelope."""

    __tablename__ = "exchange_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(36))
    partner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="complete")
    request_timestamp: Mapped[str] = mapped_column(String(32))
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[str] = mapped_column(Text, default="{}")


class ReceivedPointer(Base):
    """The newest version of a deconfliction pointer a partner sent (exchange/pointers.py):
    who to call, under which agreement key, until when; never stored as intelligence."""

    __tablename__ = "received_pointers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the pointer's STIX id
    partner: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    registering_node: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_agency: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(40))
    modified: Mapped[datetime] = mapped_column(DateTime)
    expires: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_received_pointers_partner", "partner"),)


class ReceivedPointerHash(Base):
    """One keyed hash of a received pointer, indexed by (agreement key, hash) for the check."""

    __tablename__ = "received_pointer_hashes"

    pointer_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("received_pointers.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_received_pointer_hashes_hash", "key_id", "hash"),)


class PointerPartner(Base):
    """What this node holds of one partner's pointers: quarantined or not (and why, since
    when), and the pointers it sent in the current minute and hour (the flood rule)."""

    __tablename__ = "pointer_partners"

    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    minute_start: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    minute_count: Mapped[int] = mapped_column(Integer, default=0)
    hour_start: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    hour_count: Mapped[int] = mapped_column(Integer, default=0)
    last_received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When a pull of every collection the partner serves us last succeeded.
    last_pulled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
