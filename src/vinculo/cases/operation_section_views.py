"""The case page's section of planned operations: what it lists, and times shown at the place
in the place's own words for its zone. Apart from operations_views, whose forms render the
case page again, so that the case page and the forms import in one direction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from sqlalchemy.orm import Session

from vinculo.cases import operations
from vinculo.cases.operation_schemas import OperationList
from vinculo.security.markings import Actor
from vinculo.web.templating import format_moment


@dataclass(frozen=True)
class ShowPlace:
    """Formatting for operations: a moment at the place, in the place's words for its zone."""

    locale: str

    def at_place(self, moment: datetime, zone: str) -> str:
        return format_moment(moment, self.locale, ZoneInfo(zone), "short")

    def zone(self, zone: str) -> str:
        return str(get_timezone_location(ZoneInfo(zone), locale=self.locale, return_city=True))


def section(session: Session, actor: Actor, case_id: str) -> dict[str, object]:
    """What the case page's operations section shows (the caller checked the case is seen)."""
    listed: OperationList = operations.list_operations(
        session=session, actor=actor, case_id=case_id
    )
    return {
        "operations": listed,
        "operation_kinds": operations.kinds(),
        "show_place": ShowPlace(actor.locale),
    }
