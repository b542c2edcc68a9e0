"""A purge reaches the TAXII collections at once, by any entry point (API, page, command
line): imported by name before every purge (intel.retention.HOOK_MODULES)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vinculo.exchange import service
from vinculo.intel.retention import PURGE_HOOKS, Purged


def take_back_purged(session: Session, purged: Purged) -> None:
    service.take_back(session=session, report_id=purged.report_id, entity_ids=purged.entity_ids)


if take_back_purged not in PURGE_HOOKS:
    PURGE_HOOKS.append(take_back_purged)
