"""The publisher's change feed: the items it must look at again that their rows' positions do
not tell it of (a purge, a partner's withdrawal, an originator's release). Written where
each happens, in the same transaction; read and emptied by the publisher's next run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vinculo.exchange.models import ExchangeChange
from vinculo.intel.deletion import Purged

CHUNK = 500


def note_changed(*, session: Session, item_ids: Iterable[str]) -> None:
    """Items whose versions may change (a release names them): looked at again."""
    rows = [{"item_id": i, "deleted": False, "report": False} for i in dict.fromkeys(item_ids)]
    if rows:
        session.execute(insert(ExchangeChange), rows)


def note_reseen(session: Session, entity_ids: list[str]) -> None:
    """Entities asserted again (an intel.reseen hook): a statement seen again moved its
    `last_seen` in place, where the publisher's positions do not show it."""
    note_changed(session=session, item_ids=entity_ids)


def note_deleted(*, session: Session, purged: Purged) -> None:
    """What one deletion took (a purge hook): the report, if any, and every entity that lost
    a statement; their earlier versions that carried it go too."""
    rows = [{"item_id": e, "deleted": True, "report": False} for e in purged.entity_ids]
    if purged.report_id:
        rows.insert(0, {"item_id": purged.report_id, "deleted": True, "report": True})
    if rows:
        session.execute(insert(ExchangeChange), rows)


@dataclass
class Changes:
    """What the feed holds: every item to look at again, the deleted ones, deleted reports."""

    items: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)
    seqs: list[int] = field(default_factory=list)


def pending(session: Session) -> Changes:
    found = Changes()
    for row in session.execute(select(ExchangeChange).order_by(ExchangeChange.seq)).scalars():
        found.seqs.append(row.seq)
        found.items.add(row.item_id)
        if row.deleted:
            found.deleted.add(row.item_id)
            if row.report:
                found.reports.add(row.item_id)
    return found


def consumed(session: Session, changes: Changes) -> None:
    """The rows a run has read are done with (rows written since wait for the next run)."""
    for start in range(0, len(changes.seqs), CHUNK):
        part = changes.seqs[start : start + CHUNK]
        session.execute(delete(ExchangeChange).where(ExchangeChange.seq.in_(part)))
