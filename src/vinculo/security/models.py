"""Tables for accounts, need-to-know groups and the distinct marking sets items carry."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vinculo.db import Base
from vinculo.security.markings import TLP, Markings


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


user_groups = Table(
    "user_groups",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_code", ForeignKey("groups.code", ondelete="CASCADE"), primary_key=True),
)


class Group(Base):
    """A need-to-know group: a task force or a case."""

    __tablename__ = "groups"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))

    def name(self, locale: str) -> str:
        return self.name_es if locale == "es" else self.name_en


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    nation: Mapped[str] = mapped_column(String(3))
    agency: Mapped[str] = mapped_column(String(16))
    roles: Mapped[str] = mapped_column(String(200), default="analyst")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    # IANA time zone dates and times are shown in (security/preferences.py: its nation's).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Sign-in hardening: consecutive failures, the lock they lead to, the TOTP second factor
    # (base32 secret) and the last time step a code was accepted for, so none is used twice.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    groups: Mapped[list[Group]] = relationship(secondary=user_groups, lazy="selectin")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class ApiToken(Base):
    """A bearer token: only the SHA-256 of its random secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class PageSession(Base):
    """A signed-in page session. The cookie holds only its random key; this row is what signs
    the browser in, so that signing out, a lock or the lifetime ends it for every copy of the
    cookie. Only the key's SHA-256 is stored, as for API tokens."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user: Mapped[User] = relationship(lazy="joined")


class MarkingRow(Base):
    """One distinct set of markings. Items point here, so the policy runs once per set."""

    __tablename__ = "markings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signature: Mapped[str] = mapped_column(Text, unique=True)
    tlp: Mapped[str] = mapped_column(String(16))
    originator: Mapped[str] = mapped_column(String(16))
    rel_to: Mapped[str] = mapped_column(String(200))
    orcon: Mapped[bool] = mapped_column(Boolean, default=False)
    groups: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    shared_with: Mapped[str] = mapped_column(Text, default="")

    def to_markings(self) -> Markings:
        def split(text: str) -> frozenset[str]:
            return frozenset(p for p in text.split(",") if p)

        return Markings(
            tlp=TLP(self.tlp),
            originator=self.originator,
            rel_to=split(self.rel_to),
            orcon=self.orcon,
            groups=split(self.groups),
            recipients=split(self.recipients),
            shared_with=split(self.shared_with),
        )

    @classmethod
    def from_markings(cls, m: Markings) -> MarkingRow:
        return cls(
            signature=m.signature(),
            tlp=m.tlp.value,
            originator=m.originator,
            rel_to=",".join(sorted(m.rel_to)),
            orcon=m.orcon,
            groups=",".join(sorted(m.groups)),
            recipients=",".join(sorted(m.recipients)),
            shared_with=",".join(sorted(m.shared_with)),
        )
