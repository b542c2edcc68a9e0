"""A purge reaches the TAXII collections at once, by any entry point (API, page, command
line), and so does a partner's withdrawal: a purge hook, wired where the app is assembled
(vinculo.hooks). The publisher's change feed notes what went, for its next run."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vinculo.exchange.changes import note_deleted
from vinculo.exchange.publish import take_back
from vinculo.exchange.stored import set_state, state_value
from vinculo.intel.deletion import Purged
from vinculo.intel.models import Report, StatementRow


def take_back_purged(session: Session, purged: Purged) -> None:
    note_deleted(session=session, purged=purged)
    take_back(session=session, report_id=purged.report_id, entity_ids=purged.entity_ids)
    keep_positions_within_store(session)


def keep_positions_within_store(session: Session) -> None:
    """The publisher's positions may not lie past the newest report and statement left.

    The publisher finds what is new by row number (`pos:reports`, `pos:statements`); SQLite
    numbers a new row one past the highest left, so after a purge of the newest rows the
    next filing took numbers at or below the positions, and was never published when no
    publish ran in between (a purge and an import from the command line).
    """
    for key, column in (("pos:reports", Report.seq), ("pos:statements", StatementRow.seq)):
        top = session.execute(select(func.max(column))).scalar() or 0
        if int(state_value(session, key, "0")) > top:
            set_state(session, key, str(top))
