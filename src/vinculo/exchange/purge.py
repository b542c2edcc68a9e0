"""A purge reaches the TAXII collections at once, by any entry point (API, page, command
line): a purge hook, wired where the app is assembled (vinculo.hooks)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vinculo.exchange import service
from vinculo.intel.deletion import Purged


def take_back_purged(session: Session, purged: Purged) -> None:
    service.take_back(session=session, report_id=purged.report_id, entity_ids=purged.entity_ids)

