"""The audit chain: an append-only log whose rows each carry the SHA-256 of the row before."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from vinculo.db import Base
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow

GENESIS = "0" * 64


class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    agency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    ids: Mapped[str] = mapped_column(Text, default="[]")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditItem(Base):
    """Each item id an audit row names, so "who saw X" is an index lookup, not a scan.

    Derived from `audit_log.ids` (written by `record` in the same transaction), and like the
    log append-only; the hash chain covers `audit_log` itself.
    """

    __tablename__ = "audit_ids"

    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)


class AuditHead(Base):
    """The last link of the chain, so a cut-off tail is found too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def row_body(
    seq: int,
    at: datetime,
    actor: str | None,
    agency: str | None,
    action: str,
    kind: str,
    target: str | None,
    ids: str,
    detail: str,
    outcome: str,
) -> str:
    """The canonical text a row's hash covers (its position included, so rows cannot move)."""
    return json.dumps(
        [seq, at.isoformat(), actor, agency, action, kind, target, ids, detail, outcome],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def link_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """The chain head, locked until this transaction ends so appends form one line."""
    query = select(AuditHead).where(AuditHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    # SQLite transactions already hold the write lock from their start (see db.py).
    head = session.execute(query).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    kind: str,
    target: str | None = None,
    ids: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> AuditRow:
    """Append one row in the caller's transaction: it stands or falls with what it records."""
    head = _lock_head(session)
    seq = head.seq + 1
    at = utcnow()
    username = actor.username if actor else None
    agency = actor.agency if actor else None
    ids_text = json.dumps(list(ids), ensure_ascii=False, separators=(",", ":"))
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    body = row_body(seq, at, username, agency, action, kind, target, ids_text, detail_text, outcome)
    digest = link_hash(head.hash, body)
    row = AuditRow(
        seq=seq,
        at=at,
        actor=username,
        agency=agency,
        action=action,
        kind=kind,
        target=target,
        ids=ids_text,
        detail=detail_text,
        outcome=outcome,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(row)
    head.seq = seq
    head.hash = digest
    session.flush()
    items = dict.fromkeys(str(i)[:200] for i in ids if i)
    if items:
        session.execute(insert(AuditItem), [{"item_id": i, "seq": seq} for i in items])
    return row


@dataclass(frozen=True)
class ChainProblem:
    """The first place the chain does not hold."""

    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    problem: ChainProblem | None


_COLUMNS = "seq, at, actor, agency, action, kind, target, ids, detail, outcome, prev_hash, hash"


def _rows(connection: Connection, batch: int) -> Iterator[Sequence[Any]]:
    last = 0
    while True:
        rows = connection.execute(
            text(f"SELECT {_COLUMNS} FROM audit_log WHERE seq > :last ORDER BY seq LIMIT :n"),
            {"last": last, "n": batch},
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def verify_rows(rows: Iterable[Sequence[Any]], head: tuple[int, str] | None) -> ChainReport:
    """Walk the chain: each row's hash, its link to the row before, no gaps, the head."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    for (
        seq,
        at,
        actor,
        agency,
        action,
        kind,
        target,
        ids,
        detail,
        outcome,
        prev_hash,
        digest,
    ) in rows:
        if seq != expected_seq:
            reason = "missing" if seq > expected_seq else "inserted"
            return ChainReport(count, ChainProblem(expected_seq, reason))
        if prev_hash != prev:
            return ChainReport(count, ChainProblem(seq, "broken link"))
        body = row_body(
            seq, _as_datetime(at), actor, agency, action, kind, target, ids, detail, outcome
        )
        if link_hash(prev, body) != digest:
            return ChainReport(count, ChainProblem(seq, "changed"))
        prev = digest
        expected_seq += 1
        count += 1
    head_seq, head_hash = head or (0, GENESIS)
    if head_seq != count or head_hash != prev:
        return ChainReport(count, ChainProblem(count + 1, "missing"))
    return ChainReport(count, None)


def verify(connection: Connection, batch: int = 50_000) -> ChainReport:
    found = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    head = (int(found[0]), str(found[1])) if found else None
    return verify_rows(_rows(connection, batch), head)


def sign_export(secret: str, payload: bytes) -> str:
    """HMAC-SHA256 of an export, so an auditor can show it left Vínculo unchanged."""
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
