"""The audit chain: an append-only log whose rows each carry the SHA-256 of the row before."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, text
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


def canonical_time(at: datetime) -> str:
    """The time as SQLAlchemy stores it in SQLite, so verifying there needs no parsing."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def row_body(
    seq: int,
    at: str,
    actor: str | None,
    agency: str | None,
    action: str,
    kind: str,
    target: str | None,
    ids: str,
    detail: str,
    outcome: str,
) -> str:
    """The canonical text a row's hash covers (its position included, so rows cannot move).

    Each field is written as `<length>:<text>` (None as `-`): unambiguous whatever the text
    holds, and several times cheaper than JSON, which matters when verifying ten million rows.
    """
    fields = (actor, agency, action, kind, target, ids, detail, outcome)
    parts = [str(seq), at] + ["-" if f is None else f"{len(f)}:{f}" for f in fields]
    return "|".join(parts)


def link_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class _AppendSQL:
    """The statements of one append, in the driver's own parameter style."""

    head: str
    start: str
    row: str
    move: str
    item: str

    @classmethod
    def for_style(cls, paramstyle: str, lock: bool) -> _AppendSQL:
        mark = "?" if paramstyle == "qmark" else "%s"
        return cls(
            head="SELECT seq, hash FROM audit_head WHERE id = 1" + (" FOR UPDATE" if lock else ""),
            start=f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, {mark})",
            row=f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({', '.join([mark] * 12)})",
            move=f"UPDATE audit_head SET seq = {mark}, hash = {mark} WHERE id = 1",
            item=f"INSERT INTO audit_ids (item_id, seq) VALUES ({mark}, {mark})",
        )


_APPEND_SQL: dict[str, _AppendSQL] = {}


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
) -> int:
    """Append one row in the caller's transaction: it stands or falls with what it records.

    Returns the row's position. It runs on every read, so it speaks to the driver directly:
    SQLAlchemy's statement building cost more than the row itself (bench/audit_chain.py).
    """
    connection = session.connection()
    dialect = connection.dialect
    sql = _APPEND_SQL.get(dialect.name)
    if sql is None:
        # PostgreSQL locks the head row; SQLite transactions hold the write lock already.
        sql = _APPEND_SQL.setdefault(
            dialect.name, _AppendSQL.for_style(dialect.paramstyle, dialect.name == "postgresql")
        )
    head = connection.exec_driver_sql(sql.head).first()
    if head is None:
        connection.exec_driver_sql(sql.start, (GENESIS,))
        head_seq, head_hash = 0, GENESIS
    else:
        head_seq, head_hash = int(head[0]), str(head[1])
    seq = head_seq + 1
    at = utcnow()
    stamp = canonical_time(at)
    username = actor.username if actor else None
    agency = actor.agency if actor else None
    ids_text = json.dumps(list(ids), ensure_ascii=False, separators=(",", ":"))
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    body = row_body(
        seq, stamp, username, agency, action, kind, target, ids_text, detail_text, outcome
    )
    digest = link_hash(head_hash, body)
    # SQLite keeps times as the text SQLAlchemy writes; PostgreSQL takes the datetime.
    when: Any = stamp if dialect.name == "sqlite" else at
    values = (
        seq,
        when,
        username,
        agency,
        action,
        kind,
        target,
        ids_text,
        detail_text,
        outcome,
        head_hash,
        digest,
    )
    connection.exec_driver_sql(sql.row, values)
    connection.exec_driver_sql(sql.move, (seq, digest))
    items = dict.fromkeys(str(i)[:200] for i in ids if i)
    if items:
        connection.exec_driver_sql(sql.item, [(item, seq) for item in items])
    return seq


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


def _rows(connection: Connection, first: int, last: int, batch: int) -> Iterator[Sequence[Any]]:
    """Rows `first`…`last` in order, through the driver's own cursor: SQLAlchemy's result
    rows cost more than the hashing when there are ten million of them."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    query = (
        f"SELECT {_COLUMNS} FROM audit_log WHERE seq >= {mark} AND seq <= {mark} "
        f"ORDER BY seq LIMIT {int(batch)}"
    )
    cursor = connection.connection.cursor()
    try:
        while True:
            cursor.execute(query, (first, last))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            first = rows[-1][0] + 1
    finally:
        cursor.close()


@dataclass(frozen=True)
class Stretch:
    """What one stretch of the chain looks like from inside: its ends and its first fault."""

    first: int
    last: int
    prev_hash: str
    last_hash: str
    count: int
    problem: ChainProblem | None


def verify_stretch(rows: Iterable[Sequence[Any]], first: int, last: int) -> Stretch:
    """Check rows `first`…`last` in order: none missing, each linked to the one before, each
    hash right."""
    expected_seq = first
    start_prev: str | None = None
    prev = ""
    sha256 = hashlib.sha256
    problem = None
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
            problem = ChainProblem(expected_seq, reason)
            break
        if start_prev is None:
            start_prev = prev = prev_hash
        if prev_hash != prev:
            problem = ChainProblem(seq, "broken link")
            break
        # SQLite hands back the stored text, PostgreSQL a datetime.
        stamp = at if isinstance(at, str) else canonical_time(at)
        body = row_body(seq, stamp, actor, agency, action, kind, target, ids, detail, outcome)
        if sha256(f"{prev}\n{body}".encode()).hexdigest() != digest:
            problem = ChainProblem(seq, "changed")
            break
        prev = digest
        expected_seq += 1
    if problem is None and expected_seq <= last:
        problem = ChainProblem(expected_seq, "missing")
    return Stretch(
        first, expected_seq - 1, start_prev or GENESIS, prev, expected_seq - first, problem
    )


def join_stretches(stretches: Sequence[Stretch], head: tuple[int, str] | None) -> ChainReport:
    """The verdict on the whole chain from its consecutive stretches and the recorded head."""
    prev = GENESIS
    count = 0
    for stretch in stretches:
        if stretch.count and stretch.prev_hash != prev:
            return ChainReport(count, ChainProblem(stretch.first, "broken link"))
        if stretch.problem is not None:
            return ChainReport(count + stretch.count, stretch.problem)
        count += stretch.count
        prev = stretch.last_hash if stretch.count else prev
    head_seq, head_hash = head or (0, GENESIS)
    if head_seq != count or head_hash != prev:
        return ChainReport(count, ChainProblem(count + 1, "missing"))
    return ChainReport(count, None)


def _head(connection: Connection) -> tuple[int, str] | None:
    found = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    return (int(found[0]), str(found[1])) if found else None


def _span(connection: Connection) -> int:
    """The highest position the log or its head knows of."""
    found = connection.execute(text("SELECT max(seq) FROM audit_log")).scalar()
    head = _head(connection)
    return max(int(found or 0), head[0] if head else 0)


def verify(connection: Connection, batch: int = 50_000) -> ChainReport:
    """Walk the whole chain in one pass on this connection."""
    span = _span(connection)
    stretch = verify_stretch(_rows(connection, 1, span, batch), 1, span)
    return join_stretches([stretch], _head(connection))


def _verify_part(url: str, first: int, last: int) -> Stretch:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return verify_stretch(_rows(connection, first, last, 50_000), first, last)
    finally:
        engine.dispose()


def verify_parallel(url: str, workers: int, min_stretch: int = 100_000) -> ChainReport:
    """Walk the chain in `workers` processes, each a stretch, then join the stretches.

    Hashing is CPU-bound Python; ten million rows take a minute on one core, so the work is
    split by position and the seams checked (each stretch's first link against the last hash
    of the stretch before).
    """
    from concurrent.futures import ProcessPoolExecutor

    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        span = _span(connection)
        head = _head(connection)
    engine.dispose()
    workers = max(1, min(workers, span // min_stretch or 1))
    size = -(-span // workers) if span else 1
    bounds = [(start, min(start + size - 1, span)) for start in range(1, span + 1, size)]
    if len(bounds) <= 1:
        return join_stretches([_verify_part(url, 1, span)] if span else [], head)
    with ProcessPoolExecutor(max_workers=len(bounds)) as pool:
        futures = [pool.submit(_verify_part, url, a, b) for a, b in bounds]
        stretches = [f.result() for f in futures]
    return join_stretches(stretches, head)


def sign_export(secret: str, payload: bytes) -> str:
    """HMAC-SHA256 of an export, so an auditor can show it left Vínculo unchanged."""
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
