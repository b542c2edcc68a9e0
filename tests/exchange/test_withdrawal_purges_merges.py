"""A partner's withdrawal goes through the same door as a purge: a merge judged on what the
partner withdrew is gone for every reader, on both backends.

The Mexican node holds its own statement on a person and, from the U.S. partner, another
statement on the same person (the same entity id), citing the partner's report. Resolution
merges that person with a second one, by the engine and by an analyst's decision, each judged
on both statements. The partner then withdraws its version of the person, or the report: the
person stays (the node's own statement keeps it), but no reader may see a merge that rested on
what was withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from followthemoney.statement import StatementEntity
from sqlalchemy import select
from test_sync_faults import GREEN_BOTH, Partner, StubServer, person, stub_app

from vinculo.db import transaction
from vinculo.exchange.stix import Scope, report_object
from vinculo.exchange.worker import sync_partner
from vinculo.intel.models import Entity, StatementRow
from vinculo.intel.schemas import ReportRead
from vinculo.intel.service import markings_read
from vinculo.resolve import service
from vinculo.resolve.models import ResolutionEvidence, ResolutionPair
from vinculo.resolve.store import merged_edges
from vinculo.security.markings import Actor
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store
from exchange_nodes import accounts, file_report, node_store

READERS = ("mx.analyst", "fgr.mp1")
ENGINE = ("per-both", "per-local")  # the engine merges these
DECIDED = ("per-both", "per-other")  # an analyst accepts this one
SCORES = {ENGINE: 0.98, DECIDED: 0.70}


def _scorer(entities: Sequence[StatementEntity]) -> list[service.ScoredPair]:
    ids = {str(e.id) for e in entities}
    return [
        service.ScoredPair(a, b, s, [{"feature": "name", "outcome": "agree", "weight": 3.0}])
        for (a, b), s in SCORES.items()
        if a in ids and b in ids
    ]


@pytest.fixture(params=BACKENDS)
def receiver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    partners = [PartnerConfig(name="us", nation="USA", account="node.us")]
    with node_store(request.param, tmp_path, name="mx", nation="MEX", partners=partners) as store:
        yield store


def _merged(store: Store, actors: dict[str, Actor]) -> dict[str, set[tuple[str, str]]]:
    """Each reader's merges: the pairs judged one that the reader may see."""
    with store.sessions() as session:
        return {
            name: set(merged_edges(session=session, actor=actor)) for name, actor in actors.items()
        }


def _listed(store: Store, actor: Actor) -> set[tuple[str, str]]:
    """The pairs a reader's merged and queued lists show."""
    with transaction(store.sessions) as session:
        page = service.review_queue(
            session=session, actor=actor, judgements=("auto", "match", "pending", "unsure")
        )
        return {(item.left_id, item.right_id) for item in page.items}


def _cited(store: Store) -> set[str]:
    """The entities of statements that cite the partner's report."""
    with store.sessions() as session:
        return set(
            session.execute(
                select(StatementRow.entity_id).where(StatementRow.report_id == "abcdef0123456789")
            ).scalars()
        )


def _pull(store: Store, server: StubServer) -> Any:
    config = store.settings.partners[0].model_copy(
        update={"url": f"{server.url}/taxii2/vinculo/", "token": "t"}
    )
    return sync_partner(sessions=store.sessions, settings=store.settings, config=config)


def _report(entity: dict[str, Any]) -> dict[str, Any]:
    """The partner's report that the entity's statements cite (test_sync_faults.person)."""
    report = ReportRead(
        id="abcdef0123456789",
        title_en="Ledger seized in Nogales",
        title_es="Libreta incautada en Nogales",
        body_en="Names in the ledger.",
        body_es="Nombres en la libreta.",
        agency="DEA",
        nation="USA",
        reliability="B",
        credibility=2,
        predicate="drug_trafficking",
        suspicion="Named in a seized ledger of a fentanyl cell.",
        review_by=date(2027, 6, 1),
        attest_no_protected_views=True,
        created_at=datetime(2026, 5, 1, 12, 0, 0),
        markings=markings_read(GREEN_BOTH),
    )
    return report_object(Scope("us", "c1"), report, GREEN_BOTH, [entity["id"]])


# What the partner withdraws: its version of the person, or the report its statements cite
# (a withdrawn report takes the statements that cite it).
@pytest.mark.parametrize("withdrawn", ["entity", "report"])
def test_a_withdrawal_takes_the_merges_judged_on_it(receiver: Store, withdrawn: str) -> None:
    actors = accounts(receiver, [(u, "FGR", ["analyst"]) for u in READERS])
    fgr = actors["fgr.mp1"]
    # The node's own statements: one on the person the partner also reports, two others.
    for entity_id, title in [
        ("per-both", "Operativo en Nogales"),
        ("per-local", "Operativo en Sonoyta"),
        ("per-other", "Operativo en Agua Prieta"),
    ]:
        file_report(
            receiver, fgr, title, entity_id=entity_id, properties={"name": ["Walter Quinn"]}
        )
    partner = Partner()
    theirs = person("per-both", "Walter Quinn Ortega")
    report = _report(theirs)
    partner.add(report)
    partner.add(theirs)
    with StubServer(stub_app(partner)) as server:
        assert _pull(receiver, server).outcome.stored == 2
        assert _cited(receiver) == {"per-both"}, "the partner's statements cite its report"
        for name in READERS:
            with transaction(receiver.sessions) as session:
                service.run(session=session, actor=actors[name], scorer=_scorer)
        with transaction(receiver.sessions) as session:
            pair_id = session.execute(
                select(ResolutionPair.id).where(
                    ResolutionPair.left_id == DECIDED[0],
                    ResolutionPair.right_id == DECIDED[1],
                    ResolutionPair.owner == "mx.analyst",
                )
            ).scalar_one()
            service.decide(
                session=session,
                actor=actors["mx.analyst"],
                pair_id=pair_id,
                judgement="match",
                reason="The same ledgers name both.",
            )
        before = _merged(receiver, actors)
        # Each reader's merges are their own: the decision is mx.analyst's alone.
        assert before == {"mx.analyst": {ENGINE, DECIDED}, "fgr.mp1": {ENGINE}}
        gone = theirs if withdrawn == "entity" else report
        partner.add(dict(gone, revoked=True, modified="2026-07-01T00:00:00.000Z"))
        assert _pull(receiver, server).outcome.withdrawn == 1
    # The person stays, known from the node's own statement; no merge judged on the
    # partner's statement does, for any reader, in any list.
    assert _merged(receiver, actors) == {name: set() for name in READERS}
    for actor in actors.values():
        assert _listed(receiver, actor) == set()
    with receiver.sessions() as session:
        left = session.execute(
            select(ResolutionPair.left_id, ResolutionPair.right_id, ResolutionEvidence.marking_id)
            .join(ResolutionEvidence, ResolutionEvidence.pair_id == ResolutionPair.id)
            .where(ResolutionPair.left_id == "per-both")
        ).all()
    assert left == [], "no pair judged on the withdrawn statements is kept"
    assert _cited(receiver) == set()
    with receiver.sessions() as session:
        kept = session.execute(select(Entity.id).where(Entity.id == "per-both")).scalar()
    assert kept == "per-both", "the node's own statement keeps the person"
    # The next run judges what is left: the node's own statements, merged again on those.
    with transaction(receiver.sessions) as session:
        service.run(session=session, actor=actors["mx.analyst"], scorer=_scorer)
    assert _merged(receiver, actors)["mx.analyst"] == {ENGINE}
