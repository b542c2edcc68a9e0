"""Writes the demo scenario into a database through the same services the API uses."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vinculo import vocab
from vinculo.db import transaction
from vinculo.demo.assistance import seed_assistance
from vinculo.demo.cases import seed_cases
from vinculo.demo.civic import seed_civic
from vinculo.demo.operations import seed_operations
from vinculo.demo.oversight import seed_oversight
from vinculo.demo.scenario import BASE_DATE, build_scenario
from vinculo.demo.training import Seeded, seed_training
from vinculo.demo.units import seed_units
from vinculo.intel.models import Entity, Report, StatementRow
from vinculo.intel.service import create_report
from vinculo.security.models import User, utcnow
from vinculo.security.passwords import DEMO_PASSWORD
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group, get_by_username
from vinculo.settings import Settings


def seed_demo(
    *,
    sessions: sessionmaker[Session],
    seed: int = 2026,
    console: Console | None = None,
    nation: str | None = None,
) -> dict[str, int]:
    """Seed groups, demo accounts (password `demo`) and reports, in one transaction.

    With `nation` (a node of `vinculo demo --nodes 2`), only the accounts of that nation's
    agencies and the reports they filed; a RED report keeps only the recipients who have an
    account on this node. Then the joint cases and task forces of data/cases.yml (on a node,
    those its accounts open).
    """
    scenario = build_scenario(seed)
    # Review-by dates must lie ahead (28 CFR 23.20); the scenario is dated, the demo runs later.
    shift = max(timedelta(0), utcnow().date() - BASE_DATE)
    with transaction(sessions) as session:
        for group in scenario.groups:
            ensure_group(
                session=session, code=group.code, name_en=group.name_en, name_es=group.name_es
            )
        # Hashing is deliberately slow (argon2); one hash serves every demo account.
        users: dict[str, User] = {}
        for spec in scenario.users:
            if nation is not None and vocab.agency_nation(spec.agency) != nation:
                continue
            users[spec.username] = create_user(
                session=session,
                user_in=UserCreate(
                    username=spec.username,
                    display_name=spec.display_name,
                    password=DEMO_PASSWORD,
                    agency=spec.agency,
                    roles=list(spec.roles),
                    groups=list(spec.groups),
                    locale=spec.locale,
                ),
                demo_password=True,
            )
        reports = scenario.reports
        if nation is not None:
            reports = [r for r in reports if r.author in users]
        label = "demo" if nation is None else f"demo {nation}"
        with Progress(console=console or Console(stderr=True), transient=True) as progress:
            task = progress.add_task(label, total=len(reports))
            for item in reports:
                author = users.get(item.author) or get_by_username(
                    session=session, username=item.author
                )
                assert author is not None, item.author
                update: dict[str, object] = {"review_by": item.report.review_by + shift}
                if nation is not None:
                    markings = item.report.markings
                    recipients = [r for r in markings.recipients if r in users]
                    update["markings"] = markings.model_copy(update={"recipients": recipients})
                report_in = item.report.model_copy(update=update)
                create_report(session=session, actor=actor_for(author), report_in=report_in)
                progress.advance(task)
        # After every report: cases link reports and name entities they filed.
        opened = seed_cases(session=session, on_node=nation is not None)
        # Then the planned operations, two of which collide (data/operations.yml).
        seed_operations(session=session, settings=Settings())
        # Then the security-force units and their chains of command (data/units.yml).
        units = seed_units(session=session)
        # Then the assistance ledger, some of it to those units (data/assistance.yml).
        ledger = seed_assistance(session=session)
        # Then allegations against some units, their vetting histories (one suspended
        # after credible allegations, one denied) and programme results beside
        # municipal figures (data/allegations.yml, vetting.yml, results.yml).
        overseen = seed_oversight(session=session)
        # Then trainings and equipment for those units, each seat and delivery through the
        # Leahy gate (data/training.yml, data/equipment.yml).
        # A node of `vinculo demo --nodes 2` without the accounts that record units has no
        # units to train or equip.
        trained = seed_training(session=session) if units else Seeded()
        # Then the civic channel: submissions as if pulled from the public site, triaged into
        # replies, reports and allegations, and the portal's public flags (data/civic.yml).
        civic = seed_civic(session=session, nation=nation)
        return {
            "reports": _count(session, Report),
            "entities": _count(session, Entity),
            "statements": _count(session, StatementRow),
            "cases": opened["cases"],
            "task_forces": opened["task_forces"],
            "units": units,
            "ledger": ledger,
            "allegations": overseen.allegations,
            "vetting_requests": overseen.vetting_requests,
            "result_indicators": overseen.indicators,
            "trainings": trained.trainings,
            "seats": trained.seats,
            "equipment": trained.equipment,
            "civic_submissions": civic.submissions,
        }


def _count(session: Session, table: type[Report] | type[Entity] | type[StatementRow]) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())
