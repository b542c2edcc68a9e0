"""The demo's planned operations and targets (`demo/data/operations.yml`), registered through
the operations and target services as the accounts named there, after the cases are opened:
two operations collide and two targets meet, so the demo starts with one open deconfliction
alert and one notice on each side.

A row that cannot be registered as it stands raises ScriptError naming the file, the row
and the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.cases import marked, operations, service, targets
from vinculo.cases.models import Case
from vinculo.cases.operation_schemas import OperationRegister
from vinculo.cases.schemas import CaseCreate, TargetRegister
from vinculo.demo.catalogue import read
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.security.service import actor_for, get_by_username
from vinculo.settings import Settings

FILE = "demo/data/operations.yml"


def _case_titles() -> dict[str, str]:
    """Case key -> English title, of cases.yml's cases and this file's."""
    titles = {row["key"]: row["title"]["en"] for row in read("cases")["cases"]}
    titles |= {row["key"]: row["title"]["en"] for row in read("operations")["cases"]}
    return titles


def seed_operations(*, session: Session, settings: Settings) -> int:
    """Open this file's cases and register its operations, as far as their accounts have
    accounts here (a node of `vinculo demo --nodes 2` has only its nation's); how many
    operations were registered."""
    data: dict[str, Any] = read("operations")
    for row in data["cases"]:
        user = get_by_username(session=session, username=row["opened_by"])
        if user is None:
            continue
        try:
            service.create_case(
                session=session,
                actor=actor_for(user),
                case_in=CaseCreate(
                    title_en=row["title"]["en"],
                    title_es=row["title"]["es"],
                    lead_agency=row["lead_agency"],
                    agencies=row["agencies"],
                    tlp=row.get("tlp", "AMBER"),
                ),
            )
        except VinculoError as error:
            raise ScriptError(f"{FILE}, case {row['key']}: {error.render('en')}") from None
    titles = _case_titles()
    registered = 0
    for number, row in enumerate(data["operations"], start=1):
        where = f"{FILE}, operation {number}"
        user = get_by_username(session=session, username=row["registered_by"])
        if user is None:
            continue
        title = titles.get(row["case"])
        if title is None:
            raise ScriptError(f"{where}, case: no case {row['case']!r} in cases.yml or here")
        case_id = session.execute(select(Case.id).where(Case.title_en == title)).scalars().first()
        if case_id is None:
            continue  # opened on the other node
        actor = marked.actor_again(session=session, actor=actor_for(user))
        fields = {k: str(row[k]) for k in ("starts_local", "ends_local")}
        try:
            operations.register_operation(
                session=session,
                actor=actor,
                case_id=case_id,
                operation_in=OperationRegister(
                    kind=row["kind"],
                    latitude=row["latitude"],
                    longitude=row["longitude"],
                    radius_m=row["radius_m"],
                    contact_name=row["contact_name"],
                    contact_phone=str(row["contact_phone"]),
                    **fields,
                ),
                settings=settings,
            )
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None
        registered += 1
    seed_targets(session=session, settings=settings, titles=titles)
    return registered


def seed_targets(*, session: Session, settings: Settings, titles: dict[str, str]) -> int:
    """Register the file's targets on their cases; how many were registered."""
    registered = 0
    for number, row in enumerate(read("operations").get("targets", []), start=1):
        where = f"{FILE}, target {number}"
        user = get_by_username(session=session, username=row["registered_by"])
        if user is None:
            continue
        title = titles.get(row["case"])
        if title is None:
            raise ScriptError(f"{where}, case: no case {row['case']!r} in cases.yml or here")
        case_id = session.execute(select(Case.id).where(Case.title_en == title)).scalars().first()
        if case_id is None:
            continue  # opened on the other node
        fields = {k: str(row[k]) for k in ("name", "birth_date", "entity_id") if k in row}
        try:
            targets.register_target(
                session=session,
                actor=marked.actor_again(session=session, actor=actor_for(user)),
                case_id=case_id,
                target_in=TargetRegister(
                    kind=row["kind"],
                    contact_name=row["contact_name"],
                    contact_phone=str(row["contact_phone"]),
                    **fields,
                ),
                settings=settings,
            )
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None
        registered += 1
    return registered
