"""The public store: four small tables in a database of the public process's own.

No Alembic here: the public store is not the internal one (whose migrations it never touches),
it keeps nothing longer than the retention period, and its tables are made by
`create_all` when the process starts. A change of shape bumps SCHEMA_VERSION; a store of
another version refuses to start, with the way out (purge it after the internal node has
pulled everything) in the message.

What it holds, and all it holds:
- `submissions`: sealed boxes waiting to be pulled (id, ciphertext, the day it arrived);
- `receipts`: SHA-256 of a receipt code, the Argon2 hash of its passphrase, the salt the
  reporter's reply key is derived with, the day of the last activity;
- `updates`: statuses and replies the internal node pushed, sealed to the reporter's key;
- `portal`: one row, the transparency portal's document as the internal node last pushed it
  (civic/portal.py: public aggregates and staff-written outcomes, nothing else), replaced on
  each push. It is public by design, so the retention purge leaves it; a new push replaces it.
  A store made before this table gets it from `create_all` at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Column,
    Date,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
    update,
)

SCHEMA_VERSION = 1

metadata = MetaData()

schema = Table("public_schema", metadata, Column("version", Integer, primary_key=True))
submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("received_on", Date, nullable=False),
)
receipts = Table(
    "receipts",
    metadata,
    Column("receipt_hash", String(64), primary_key=True),
    Column("passphrase_hash", String(200), nullable=False),
    Column("key_salt", LargeBinary(16), nullable=False),
    Column("active_on", Date, nullable=False),
)
updates = Table(
    "updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "receipt_hash",
        String(64),
        ForeignKey("receipts.receipt_hash", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("pushed_on", Date, nullable=False),
)
portal = Table(
    "portal",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one document
    Column("document", Text, nullable=False),
    Column("pushed_on", Date, nullable=False),
)


class WrongSchema(RuntimeError):
    """The public store was made by another version of the public process."""


def open_store(url: str) -> Engine:
    """The public store's engine, its tables made when missing."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    metadata.create_all(engine)
    with engine.begin() as connection:
        found = connection.execute(select(schema.c.version)).scalars().all()
        if not found:
            connection.execute(insert(schema).values(version=SCHEMA_VERSION))
        elif found != [SCHEMA_VERSION]:
            raise WrongSchema(
                f"the public store is at schema {found}, this process needs {SCHEMA_VERSION}: "
                "pull and acknowledge every submission from the internal node, then remove it"
            )
    return engine


@dataclass(frozen=True)
class Receipt:
    receipt_hash: str
    passphrase_hash: str
    key_salt: bytes


def add_submission(engine: Engine, *, ciphertext: bytes, today: date) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(submissions).values(ciphertext=ciphertext, received_on=today)
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def add_receipt(engine: Engine, *, receipt: Receipt, today: date) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(receipts).values(
                receipt_hash=receipt.receipt_hash,
                passphrase_hash=receipt.passphrase_hash,
                key_salt=receipt.key_salt,
                active_on=today,
            )
        )


def find_receipt(engine: Engine, receipt_hash: str) -> Receipt | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(receipts.c.receipt_hash, receipts.c.passphrase_hash, receipts.c.key_salt).where(
                receipts.c.receipt_hash == receipt_hash
            )
        ).first()
    return Receipt(row[0], row[1], bytes(row[2])) if row else None


def touch_receipt(engine: Engine, receipt_hash: str, today: date) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(receipts).where(receipts.c.receipt_hash == receipt_hash).values(active_on=today)
        )


def pending(engine: Engine, *, limit: int) -> list[tuple[int, bytes]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(submissions.c.id, submissions.c.ciphertext)
            .order_by(submissions.c.id)
            .limit(limit)
        ).all()
    return [(int(row[0]), bytes(row[1])) for row in rows]


def acknowledge(engine: Engine, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    with engine.begin() as connection:
        result = connection.execute(delete(submissions).where(submissions.c.id.in_(list(ids))))
        return int(result.rowcount or 0)


def add_update(engine: Engine, *, receipt_hash: str, ciphertext: bytes, today: date) -> bool:
    """Store a sealed update for a receipt; False when the store has no such receipt."""
    with engine.begin() as connection:
        found = connection.execute(
            update(receipts).where(receipts.c.receipt_hash == receipt_hash).values(active_on=today)
        )
        if not found.rowcount:
            return False
        connection.execute(
            insert(updates).values(
                receipt_hash=receipt_hash, ciphertext=ciphertext, pushed_on=today
            )
        )
    return True


def updates_for(engine: Engine, receipt_hash: str) -> list[bytes]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(updates.c.ciphertext)
            .where(updates.c.receipt_hash == receipt_hash)
            .order_by(updates.c.id)
        ).scalars()
        return [bytes(row) for row in rows]


def put_portal(engine: Engine, *, document: str, today: date) -> None:
    """Keep the portal document pushed, in place of the one before."""
    with engine.begin() as connection:
        connection.execute(delete(portal))
        connection.execute(insert(portal).values(id=1, document=document, pushed_on=today))


def get_portal(engine: Engine) -> tuple[str, date] | None:
    """The portal document last pushed and the day it came, or None before the first push."""
    with engine.connect() as connection:
        row = connection.execute(select(portal.c.document, portal.c.pushed_on)).first()
    return (str(row[0]), row[1]) if row else None


def purge(engine: Engine, *, today: date, retention_days: int) -> dict[str, int]:
    """Delete everything older than the retention period: what waits to be pulled, receipts
    without activity since, and updates pushed before it."""
    cutoff = today - timedelta(days=retention_days)
    with engine.begin() as connection:
        gone_updates = connection.execute(delete(updates).where(updates.c.pushed_on < cutoff))
        stale = select(receipts.c.receipt_hash).where(receipts.c.active_on < cutoff)
        connection.execute(delete(updates).where(updates.c.receipt_hash.in_(stale)))
        gone_receipts = connection.execute(delete(receipts).where(receipts.c.active_on < cutoff))
        gone_submissions = connection.execute(
            delete(submissions).where(submissions.c.received_on < cutoff)
        )
    return {
        "submissions": int(gone_submissions.rowcount or 0),
        "receipts": int(gone_receipts.rowcount or 0),
        "updates": int(gone_updates.rowcount or 0),
    }


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in (submissions, receipts, updates)
        }
