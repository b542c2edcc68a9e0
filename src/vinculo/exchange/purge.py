"""A purge reaches the TAXII collections at once, by any entry point (API, page, command
line), and so does a partner's withdrawal: a purge hook, wired where the app is assembled
(vinculo.hooks). The publisher's change feed notes what went, for its next run."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vinculo.exchange.changes import note_deleted
from vinculo.exchange.publish import take_back
from vinculo.intel.deletion import Purged


def take_back_purged(session: Session, purged: Purged) -> None:
    note_deleted(session=session, purged=purged)
    take_back(session=session, report_id=purged.report_id, entity_ids=purged.entity_ids)
