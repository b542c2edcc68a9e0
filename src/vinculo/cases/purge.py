"""A purge takes a case's links to what it deleted: the purged report, and the entities left
with no statement at all.

A link to something deleted shows nothing already (a case's reports and subjects are shown
only as far as the reader may see them), but it would outlive the item under the retention
rules, and a later item given the same id would join the case unasked. Nothing goes on the
case's timeline: a member who never saw the report must not learn that it was purged.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from vinculo.cases.models import CaseReport, CaseSubject
from vinculo.intel.deletion import Purged

# Entity ids per statement: SQLite's limit on bound parameters is far above this.
CHUNK = 500


def forget_purged_links(session: Session, purged: Purged) -> None:
    if purged.report_id:
        session.execute(delete(CaseReport).where(CaseReport.report_id == purged.report_id))
    gone = sorted(set(purged.entities_deleted))
    for start in range(0, len(gone), CHUNK):
        part = gone[start : start + CHUNK]
        session.execute(delete(CaseSubject).where(CaseSubject.entity_id.in_(part)))
