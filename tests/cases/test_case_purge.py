"""A purge takes a case's links to the purged report and to the entities left with nothing,
and writes nothing on the case's timeline (a member who never saw the report must not learn
of it)."""

from __future__ import annotations

from sqlalchemy import func, select

from vinculo.cases import marked, service
from vinculo.cases.models import CaseEvent, CaseReport, CaseSubject
from vinculo.cases.schemas import CaseCreate, ReportLink, SubjectAdd
from vinculo.db import transaction
from vinculo.hooks import wire_hooks
from vinculo.intel.retention import purge
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from worlds import World, file_report


def test_a_purge_takes_the_case_s_links_and_says_nothing_on_its_timeline(
    fresh_world: World,
) -> None:
    wire_hooks()
    us = fresh_world.actors["us.analyst"]
    markings = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
    purged = file_report(
        fresh_world.store,
        us,
        "Stash house on Calle Obregón",
        markings,
        [EntityIn(id="per-purge1", schema="Person", properties={"name": ["Rosa Ibarra Soto"]})],
    )
    kept = file_report(
        fresh_world.store,
        us,
        "Second sighting",
        markings,
        [EntityIn(id="per-purge2", schema="Person", properties={"name": ["Iván Ochoa"]})],
    )
    with transaction(fresh_world.store.sessions) as session:
        case = service.create_case(
            session=session,
            actor=us,
            case_in=CaseCreate(title_en="Obregón", lead_agency="DEA", agencies=["DEA", "FGR"]),
        )
        lead = marked.actor_again(session=session, actor=us)
        for entity_id in ("per-purge1", "per-purge2"):
            service.add_subject(
                session=session,
                actor=lead,
                case_id=case.id,
                subject_in=SubjectAdd(entity_id=entity_id),
            )
        for report_id in (purged, kept):
            service.link_report(
                session=session,
                actor=lead,
                case_id=case.id,
                link_in=ReportLink(report_id=report_id),
            )
        case_id = case.id
    with fresh_world.store.sessions() as session:
        events = session.execute(select(func.count()).select_from(CaseEvent)).scalar_one()
    with transaction(fresh_world.store.sessions) as session:
        supervisor = actor_for(
            create_user(
                session=session,
                user_in=UserCreate(
                    username="dea.super",
                    password="stash-house-Obregon-26",
                    agency="DEA",
                    roles=["analyst", "supervisor"],
                ),
            )
        )
        purge(
            session=session,
            actor=supervisor,
            report_id=purged,
            reason="filed in error",
        )
    with fresh_world.store.sessions() as session:
        reports = session.execute(
            select(CaseReport.report_id).where(CaseReport.case_id == case_id)
        ).scalars()
        subjects = session.execute(
            select(CaseSubject.entity_id).where(CaseSubject.case_id == case_id)
        ).scalars()
        assert list(reports) == [kept]
        assert list(subjects) == ["per-purge2"]
        assert session.execute(select(func.count()).select_from(CaseEvent)).scalar_one() == events
