"""A small world for the map tests: a joint case whose subjects have addresses, a crossing
and written addresses under markings both analysts see, and more that only us.analyst sees."""

from __future__ import annotations

from dataclasses import dataclass

from vinculo.cases import marked, service
from vinculo.cases.schemas import CaseCreate, MemberAdd, SubjectAdd
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn

from worlds import World, file_report

SHARED = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])


def _address(
    entity_id: str, full: str, lat: float | None = None, lon: float | None = None
) -> EntityIn:
    props: dict[str, list[str]] = {"full": [full]}
    if lat is not None and lon is not None:
        props |= {"latitude": [f"{lat:.4f}"], "longitude": [f"{lon:.4f}"]}
    return EntityIn(id=entity_id, schema="Address", properties=props)


@dataclass
class MapWorld:
    world: World
    case_id: str
    hidden_case_id: str


def build_map_world(world: World, *, hidden: bool = True) -> MapWorld:
    us = world.actors["us.analyst"]
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Courier crossing at Nogales",
        SHARED,
        [
            EntityIn(
                id="per-map1",
                schema="Person",
                properties={
                    "name": ["Hilario Cota Ruiz"],
                    "addressEntity": ["adr-map1", "adr-map3"],
                    "address": ["Calle Sin Número, Magdalena de Kino, Sonora"],
                },
            ),
            _address("adr-map1", "Calle Rosales 120, Hermosillo, Sonora", 29.0729, -110.9559),
            _address("adr-map2", "Avenida Obregón 45, Nogales, Sonora", 31.3044, -110.9420),
            _address("adr-map3", "Rancho El Álamo, Caborca, Sonora"),
            EntityIn(
                id="adr-port",
                schema="Address",
                properties={
                    "name": ["Mariposa Port of Entry (Nogales, Arizona – Nogales, Sonora)"],
                    "full": ["Mariposa Port of Entry, Nogales, AZ 85621"],
                },
            ),
            EntityIn(
                id="trp-map1",
                schema="Trip",
                properties={
                    "name": ["Nogales, Sonora – Tucson, Arizona"],
                    "involved": ["per-map1"],
                    "startLocation": ["adr-map2"],
                    "endLocation": ["adr-port"],
                    "startDate": ["2026-09-18"],
                },
            ),
        ],
    )
    with transaction(world.store.sessions) as session:
        case = service.create_case(
            session=session,
            actor=us,
            case_in=CaseCreate(
                title_en="Nogales couriers",
                title_es="Correos de Nogales",
                lead_agency="DEA",
                agencies=["DEA", "FGR"],
            ),
        )
        case_id = case.id
    with transaction(world.store.sessions) as session:
        us = marked.actor_again(session=session, actor=us)
        service.add_member(
            session=session,
            actor=us,
            case_id=case_id,
            member_in=MemberAdd(username="mx.analyst", role="analyst"),
        )
        service.add_subject(
            session=session,
            actor=us,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id="per-map1"),
        )
        dea_only = service.create_case(
            session=session,
            actor=us,
            case_in=CaseCreate(title_en="DEA only", lead_agency="DEA", agencies=["DEA"]),
        )
        hidden_id = dea_only.id
    made = MapWorld(world=world, case_id=case_id, hidden_case_id=hidden_id)
    if hidden:
        add_hidden(made)
    return made


def add_hidden(made: MapWorld) -> None:
    """What only the U.S. side may see: another address of the shared subject, and a
    second subject on the joint case and on a DEA-only case."""
    world = made.world
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Phoenix stash house",
        USA_ONLY,
        [
            EntityIn(
                id="per-map1",
                schema="Person",
                properties={"name": ["Hilario Cota Ruiz"], "addressEntity": ["adr-usa1"]},
            ),
            _address("adr-usa1", "2210 W Van Buren St, Phoenix, AZ 85009", 33.4512, -112.1085),
            EntityIn(
                id="per-usa2",
                schema="Person",
                properties={"name": ["Dwayne Kessler"], "addressEntity": ["adr-usa2"]},
            ),
            _address("adr-usa2", "4410 E Speedway Blvd, Tucson, AZ 85712", 32.2362, -110.8985),
        ],
    )
    with transaction(world.store.sessions) as session:
        us = marked.actor_again(session=session, actor=world.actors["us.analyst"])
        for case_id in (made.case_id, made.hidden_case_id):
            service.add_subject(
                session=session,
                actor=us,
                case_id=case_id,
                subject_in=SubjectAdd(entity_id="per-usa2"),
            )
