"""Call-detail and money-flow reports that tie the demo's people into two networks: the fentanyl
supply chain (precursor brokers, lab cooks, transporters, distributors, money launderers) and
the human-smuggling ring, with a launderer who serves both.

The people are those the scenario's stories already reported (found by each report's criminal
predicate); these reports add the Call, Payment and Associate links between them, dated before
`BASE_DATE`, so the network page has real structure to show: chains that can be cut, a broker
between the two networks, and links some analysts see and others do not (one report is DEA's
alone, one FGR's). Deterministic for a seed, like the rest of the scenario.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from vinculo.demo.shapes import ReportSpec
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate

STAGES = (
    ("precursor_diversion", 3),  # brokers of the chemicals
    ("fentanyl_production", 3),  # lab cooks and managers
    ("drug_trafficking", 5),  # transporters and distributors
    ("money_laundering", 3),
)
RING = (("human_smuggling", 6), ("human_trafficking", 2))
FIRST_DAY = date(2026, 1, 5)
LAST_DAY = date(2026, 10, 25)
REVIEW_BY = date(2027, 6, 30)


@dataclass(frozen=True)
class _Person:
    id: str
    name: str
    phone: str | None


def _people(reports: Sequence[ReportSpec], predicate: str) -> list[_Person]:
    """Every Person the reports of a predicate name, in order of first mention."""
    found: dict[str, _Person] = {}
    for item in reports:
        report = item.report
        if report.predicate != predicate:
            continue
        for entity in report.entities:
            if entity.schema_ != "Person" or not entity.id or entity.id in found:
                continue
            names = entity.properties.get("name") or [""]
            phones = entity.properties.get("phone") or []
            found[entity.id] = _Person(entity.id, names[0], phones[0] if phones else None)
    return list(found.values())


def _pick(rng: random.Random, people: list[_Person], n: int, taken: set[str]) -> list[_Person]:
    free = [p for p in people if p.id not in taken and p.name]
    chosen = rng.sample(free, min(n, len(free)))
    taken.update(p.id for p in chosen)
    return chosen


def _day(rng: random.Random) -> str:
    span = (LAST_DAY - FIRST_DAY).days
    return (FIRST_DAY + timedelta(days=rng.randint(0, span))).isoformat()


class _Calls:
    """The entities of one report: the people it names and the links between them."""

    def __init__(self, rng: random.Random, prefix: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.people: dict[str, _Person] = {}
        self.links: list[EntityIn] = []

    def _id(self, kind: str) -> str:
        return f"{kind}-{self.prefix}-{len(self.links) + 1:03d}"

    def _named(self, *people: _Person) -> None:
        for person in people:
            self.people.setdefault(person.id, person)

    def call(self, caller: _Person, receiver: _Person, times: int = 1) -> None:
        self._named(caller, receiver)
        for _ in range(times):
            props = {
                "caller": [caller.id],
                "receiver": [receiver.id],
                "date": [_day(self.rng)],
                "duration": [str(self.rng.randint(20, 900))],
            }
            if caller.phone:
                props["callerNumber"] = [caller.phone]
            if receiver.phone:
                props["receiverNumber"] = [receiver.phone]
            self.links.append(EntityIn(id=self._id("cal"), schema_="Call", properties=props))

    def pay(self, payer: _Person, beneficiary: _Person, amount: int, currency: str) -> None:
        self._named(payer, beneficiary)
        props = {
            "payer": [payer.id],
            "beneficiary": [beneficiary.id],
            "amount": [f"{amount}.00"],
            "currency": [currency],
            "date": [_day(self.rng)],
        }
        self.links.append(EntityIn(id=self._id("pay"), schema_="Payment", properties=props))

    def associate(self, person: _Person, other: _Person, relationship: str) -> None:
        self._named(person, other)
        props = {"person": [person.id], "associate": [other.id], "relationship": [relationship]}
        self.links.append(EntityIn(id=self._id("asc"), schema_="Associate", properties=props))

    def entities(self) -> list[EntityIn]:
        named = [
            EntityIn(id=p.id, schema_="Person", properties={"name": [p.name]})
            for p in self.people.values()
        ]
        return named + self.links


def _chain(rng: random.Random, stages: list[list[_Person]], calls: _Calls) -> None:
    """Each stage calls the next: brokers the cooks, cooks the transporters, and so on; the
    distributors pay the launderers."""
    for upstream, downstream in itertools.pairwise(stages):
        for person in downstream:
            calls.call(rng.choice(upstream), person, times=rng.randint(1, 3))
    launderers = stages[-1]
    for person in stages[-2]:
        calls.pay(person, rng.choice(launderers), rng.randrange(20_000, 400_000, 500), "USD")


def network_reports(reports: Sequence[ReportSpec], seed: int) -> list[ReportSpec]:
    """Reports (ReportSpec) that link the scenario's people into the two networks."""
    rng = random.Random(f"networks-{seed}")
    taken: set[str] = set()
    stages = [_pick(rng, _people(reports, p), n, taken) for p, n in STAGES]
    ring = [p for predicate, n in RING for p in _pick(rng, _people(reports, predicate), n, taken)]
    if any(len(s) < 2 for s in stages) or len(ring) < 4:
        return []
    out: list[ReportSpec] = []

    # 1. DEA, shared with Mexico: the supply chain, end to end.
    chain = _Calls(rng, "dea-cdr")
    _chain(rng, stages, chain)
    out.append(
        ReportSpec(
            author="dea.agent1",
            report=_report(
                title_en="Call-detail records tie the fentanyl supply chain together",
                body_en=(
                    "Subpoenaed call-detail records and wire transfers link the precursor "
                    "brokers to the lab cooks, the cooks to the transport cells, and the "
                    "distributors to the money launderers who move the proceeds south."
                ),
                predicate="fentanyl_production",
                suspicion=(
                    "Calls and payments connect every stage of synthetic opioid (fentanyl) "
                    "production and distribution named in earlier reporting."
                ),
                markings=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
                entities=chain.entities(),
            ),
        )
    )

    # 2. FGR, shared with the United States: the smuggling ring, and its launderer.
    cell = _Calls(rng, "fgr-cdr")
    leader, *crew = ring
    for person in crew:
        cell.call(leader, person, times=rng.randint(1, 2))
    for a, b in itertools.pairwise(crew):
        if rng.random() < 0.5:
            cell.call(a, b)
    broker = stages[-1][0]  # a launderer of the supply chain also moves the ring's money
    cell.call(leader, broker, times=2)
    cell.pay(leader, broker, rng.randrange(200_000, 900_000, 1000), "MXN")
    out.append(
        ReportSpec(
            author="fgr.mp1",
            report=_report(
                title_es="Análisis telefónico de la red de tráfico de personas",
                body_es=(
                    "El análisis de sábanas de llamadas muestra al coordinador de la red en "
                    "contacto con guías, choferes y casas de seguridad, y con un operador "
                    "financiero que también lava dinero del fentanilo."
                ),
                predicate="human_smuggling",
                suspicion=(
                    "Las llamadas y los depósitos vinculan a los sujetos con el tráfico de "
                    "personas en la frontera de Sonora."
                ),
                markings=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
                entities=cell.entities(),
            ),
        )
    )

    # 3. DEA only: a wire room's calls between a broker and a cook, and who is close to whom.
    wire = _Calls(rng, "dea-wire")
    wire.call(stages[0][0], stages[1][-1], times=3)
    wire.associate(stages[1][0], stages[2][0], "business partner")
    out.append(
        ReportSpec(
            author="dea.agent2",
            report=_report(
                title_en="Wire room: the precursor broker calls a second lab",
                body_en=(
                    "Intercepted calls show the broker arranging deliveries to a second lab "
                    "crew; a lab manager and a transport boss are business partners."
                ),
                predicate="precursor_diversion",
                suspicion=(
                    "Intercepts tie the subjects to the diversion of chemical precursors "
                    "for fentanyl labs."
                ),
                markings=MarkingsIn(tlp="AMBER+STRICT", rel_to=["USA", "MEX"]),
                entities=wire.entities(),
            ),
        )
    )

    # 4. FGR only: payments between distributors and launderers seen by Mexico's UIF.
    money = _Calls(rng, "fgr-uif")
    for person in stages[2][:3]:
        money.pay(person, rng.choice(stages[3]), rng.randrange(500_000, 3_000_000, 1000), "MXN")
    out.append(
        ReportSpec(
            author="fgr.mp2",
            report=_report(
                title_es="Depósitos fraccionados de distribuidores a operadores financieros",
                body_es=(
                    "La UIF reporta depósitos fraccionados de los distribuidores a cuentas de "
                    "los operadores financieros de la red."
                ),
                predicate="money_laundering",
                suspicion=(
                    "Los depósitos fraccionados indican lavado de dinero de las ganancias "
                    "del narcotráfico."
                ),
                markings=MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]),
                entities=money.entities(),
            ),
        )
    )
    return out


def _report(
    *,
    predicate: str,
    suspicion: str,
    markings: MarkingsIn,
    entities: list[EntityIn],
    title_en: str = "",
    body_en: str = "",
    title_es: str = "",
    body_es: str = "",
) -> ReportCreate:
    return ReportCreate(
        title_en=title_en,
        title_es=title_es,
        body_en=body_en,
        body_es=body_es,
        reliability="B",
        credibility=2,
        predicate=predicate,
        suspicion=suspicion,
        attest_no_protected_views=True,
        review_by=REVIEW_BY,
        markings=markings,
        entities=entities,
    )
