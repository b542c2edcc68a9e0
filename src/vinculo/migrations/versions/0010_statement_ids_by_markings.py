"""Statement ids keyed by the statement's markings as well as (source, entity, property, value)

Revision ID: 0010
Revises: 0009

The same fact asserted under other markings is another statement (issue 11): keyed without
them, a repeat under other markings was absorbed by a row its author could not see. Every
stored statement gets the id `intel.ftm.statement_key` gives it now, and what names stored
statements by id follows: the statement ids of each object received from a partner (the
rows a newer version of it replaces). Published exchange objects keep the statement ids they
were published with: a published version does not change; the next version carries the new
ones. The audit chain names reports and entities, never statements, and is append-only.

The key is spelled out here rather than imported, so this revision computes what it computed
when it was written, whatever the code does later.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def new_key(dataset: str, entity_id: str, prop: str, value: str, signature: str) -> str:
    # followthemoney's Statement.make_key with the markings' signature beside the source.
    return _sha1(f"{dataset}|{signature}.{entity_id}.{prop}.{value}")


def old_key(dataset: str, entity_id: str, prop: str, value: str) -> str:
    return _sha1(f"{dataset}.{entity_id}.{prop}.{value}")


def _batches(connection: sa.Connection, query: str) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of `query` (its first column the sequence) a batch at a time, in order."""
    last = 0
    while True:
        found = connection.execute(sa.text(query), {"last": last, "n": BATCH}).all()
        if not found:
            return
        yield [tuple(row) for row in found]
        last = int(found[-1][0])


def _received_ids(connection: sa.Connection) -> set[str]:
    """Statement ids that objects received from partners name."""
    found: set[str] = set()
    for (text,) in connection.execute(sa.text("SELECT statement_ids FROM exchange_received")):
        found.update(json.loads(text or "[]"))
    return found


def _follow_received(connection: sa.Connection, rekeyed: dict[str, str]) -> None:
    query = sa.text("SELECT stix_id, statement_ids FROM exchange_received")
    update = sa.text("UPDATE exchange_received SET statement_ids = :ids WHERE stix_id = :stix")
    changes = []
    for stix_id, text in connection.execute(query).all():
        ids = json.loads(text or "[]")
        moved = [rekeyed.get(i, i) for i in ids]
        if moved != ids:
            changes.append({"stix": stix_id, "ids": json.dumps(moved)})
    for start in range(0, len(changes), BATCH):
        connection.execute(update, changes[start : start + BATCH])


def upgrade() -> None:
    connection = op.get_bind()
    marks = connection.execute(sa.text("SELECT id, signature FROM markings"))
    signatures = {int(row[0]): str(row[1]) for row in marks}
    referenced = _received_ids(connection)
    rekeyed: dict[str, str] = {}  # old id -> new, for the ids received objects name
    query = (
        "SELECT seq, id, dataset, entity_id, prop, value, marking_id FROM statements "
        "WHERE seq > :last ORDER BY seq LIMIT :n"
    )
    update = sa.text("UPDATE statements SET id = :new WHERE seq = :seq")
    for rows in _batches(connection, query):
        changes = []
        for seq, old, dataset, entity_id, prop, value, marking_id in rows:
            new = new_key(dataset, entity_id, prop, value, signatures[marking_id])
            if old in referenced:
                rekeyed[old] = new
            changes.append({"seq": seq, "new": new})
        connection.execute(update, changes)
    _follow_received(connection, rekeyed)


def downgrade() -> None:
    """Back to ids without markings: possible only while no fact is stored twice under
    different markings (two rows would then need one id)."""
    connection = op.get_bind()
    query = (
        "SELECT seq, id, dataset, entity_id, prop, value FROM statements "
        "WHERE seq > :last ORDER BY seq LIMIT :n"
    )
    update = sa.text("UPDATE statements SET id = :new WHERE seq = :seq")
    referenced = _received_ids(connection)
    rekeyed: dict[str, str] = {}
    taken: set[str] = set()
    for rows in _batches(connection, query):
        changes = []
        for seq, new, dataset, entity_id, prop, value in rows:
            old = old_key(dataset, entity_id, prop, value)
            if old in taken:
                raise RuntimeError(
                    f"statement {new} asserts a fact stored again under other markings; "
                    "ids without markings cannot tell them apart: keep revision 0010"
                )
            taken.add(old)
            if new in referenced:
                rekeyed[new] = old
            changes.append({"seq": seq, "new": old})
        connection.execute(update, changes)
    _follow_received(connection, rekeyed)
