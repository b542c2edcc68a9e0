"""Writes the demo scenario into a database through the same services the API uses."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.demo.scenario import BASE_DATE, build_scenario
from vinculo.intel.models import Entity, Report, StatementRow
from vinculo.intel.service import create_report
from vinculo.security.models import utcnow
from vinculo.security.passwords import DEMO_PASSWORD
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group, get_by_username


def seed_demo(
    *, sessions: sessionmaker[Session], seed: int = 2026, console: Console | None = None
) -> dict[str, int]:
    """Seed groups, demo accounts (password `demo`) and reports, in one transaction."""
    scenario = build_scenario(seed)
    # Review-by dates must lie ahead (28 CFR 23.20); the scenario is dated, the demo runs later.
    shift = max(timedelta(0), utcnow().date() - BASE_DATE)
    with transaction(sessions) as session:
        for group in scenario.groups:
            ensure_group(
                session=session, code=group.code, name_en=group.name_en, name_es=group.name_es
            )
        # Hashing is deliberately slow (argon2); one hash serves every demo account.
        users = {}
        for spec in scenario.users:
            user = create_user(
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
            users[spec.username] = user
        with Progress(console=console or Console(stderr=True), transient=True) as progress:
            task = progress.add_task("demo", total=len(scenario.reports))
            for item in scenario.reports:
                author = users.get(item.author) or get_by_username(
                    session=session, username=item.author
                )
                assert author is not None, item.author
                report_in = item.report.model_copy(
                    update={"review_by": item.report.review_by + shift}
                )
                create_report(session=session, actor=actor_for(author), report_in=report_in)
                progress.advance(task)
        return {
            "reports": _count(session, Report),
            "entities": _count(session, Entity),
            "statements": _count(session, StatementRow),
        }


def _count(session: Session, table: type[Report] | type[Entity] | type[StatementRow]) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())
