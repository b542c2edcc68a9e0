"""A small world on each backend: accounts of both nations and one report per kind of marking."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from unittest import mock

from argon2 import PasswordHasher

from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group

from conftest import Store

ACCOUNTS = [
    ("us.analyst", "DEA", ["tf-sonora"]),
    ("mx.analyst", "FGR", ["tf-sonora"]),
    ("dea.agent1", "DEA", []),
    ("fgr.mp1", "FGR", []),
]

# (key, author, markings, title, entity values) — the USA-only one is what mx.analyst must
# never reach, by any route.
REPORTS = [
    (
        "shared",
        "dea.agent1",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        "Shared surveillance of stash house",
        {"name": ["José Ángel García López"]},
    ),
    (
        "usa_only",
        "dea.agent1",
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        "Fentanyl lab supplier payments traced through Phoenix",
        {"name": ["José Ángel García López"], "alias": ["Tío Pancho"], "birthDate": ["1979-04-12"]},
    ),
    (
        "fgr_amber",
        "fgr.mp1",
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]),
        "Vigilancia de laboratorio clandestino en Culiacán",
        {"name": ["Rubén Ochoa Salas"]},
    ),
    (
        "fgr_amber_dea",
        "fgr.mp1",
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"], shared_with=["DEA"]),
        "Operativo conjunto en Nogales",
        {"name": ["Marisol Peña Ruiz"]},
    ),
    (
        "dea_strict",
        "dea.agent1",
        MarkingsIn(tlp="AMBER+STRICT", rel_to=["USA", "MEX"]),
        "Confidential informant debrief Tucson",
        {"name": ["Walter Quinn"]},
    ),
    (
        "sonora",
        "dea.agent1",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=[]),
        "Task force briefing Hermosillo",
        {"name": ["Hilda Serrano Vega"]},
    ),
    (
        "red_mx",
        "dea.agent1",
        MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["mx.analyst"]),
        "Red channel warrant preview Mexicali",
        {"name": ["Octavio Lugo Ibarra"]},
    ),
]

# Which report keys each analyst may see, straight from the worked examples.
SEES = {
    "us.analyst": {"shared", "usa_only", "fgr_amber_dea", "dea_strict", "sonora"},
    "mx.analyst": {"shared", "fgr_amber", "fgr_amber_dea", "sonora", "red_mx"},
}


@dataclass
class World:
    store: Store
    actors: dict[str, Actor] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)  # key -> report id
    titles: dict[str, str] = field(default_factory=dict)


def report_in(
    title: str, markings: MarkingsIn, entities: list[EntityIn], *, body: str | None = None
) -> ReportCreate:
    """A report as the tests file them: graded B2, a drug-trafficking predicate and suspicion."""
    return ReportCreate(
        title_en=title,
        body_en=f"{title}. Body." if body is None else body,
        reliability="B",
        credibility=2,
        predicate="drug_trafficking",
        suspicion="Subjects are linked to fentanyl trafficking by payments.",
        attest_no_protected_views=True,
        review_by=date(2027, 6, 1),
        markings=markings,
        entities=entities,
    )


def file_report(
    store: Store,
    actor: Actor,
    title: str,
    markings: MarkingsIn,
    entities: list[EntityIn],
    *,
    body: str | None = None,
) -> str:
    """File a report through the service, as the API does; its id."""
    with transaction(store.sessions) as session:
        report_create = report_in(title, markings, entities, body=body)
        return create_report(session=session, actor=actor, report_in=report_create).id


@cache
def cheap_demo_hash() -> str:
    """An argon2 hash of the demo password at the smallest cost: signing in stays real (the
    server verifies it) without a quarter of a second per account made and per sign-in."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("demo")


def build_world(store: Store, *, real_password_cost: bool = False) -> World:
    """The world; its accounts' passwords are hashed at the real cost only when a test times
    sign-in (real_password_cost), as the leak tests' worlds are."""
    world = World(store)
    hashing: AbstractContextManager[object] = (
        nullcontext()
        if real_password_cost
        else mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash())
    )
    with hashing, transaction(store.sessions) as session:
        ensure_group(
            session=session,
            code="tf-sonora",
            name_en="Task Force Sonora",
            name_es="Fuerza de Tarea Sonora",
        )
        for username, agency, groups in ACCOUNTS:
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency=agency, groups=groups
                ),
                demo_password=True,
            )
            world.actors[username] = actor_for(user)
        for key, author, markings, title, values in REPORTS:
            entity = EntityIn(
                id="per-0001" if "García" in str(values) else f"per-{key}",
                schema="Person",
                properties=values,
            )
            report = create_report(
                session=session,
                actor=world.actors[author],
                report_in=report_in(
                    title, markings, [entity], body=f"{title}. Body text for {key}."
                ),
            )
            world.reports[key] = report.id
            world.titles[key] = title
    return world
