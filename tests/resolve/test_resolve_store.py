"""Resolution in the store: merges, the review queue, decisions and splits, per reader.

The engine is replaced here by a fixed table of scores, so these tests are about what the
store does with scores — who sees which merge, what a decision changes — not about matching.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from followthemoney.statement import StatementEntity
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidInput, NotFound
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.resolve import service
from vinculo.resolve.models import ResolutionDecision
from vinculo.resolve.store import canonical_ids, members
from vinculo.security.audit import AuditRow
from vinculo.security.markings import TLP, Actor, Markings

from conftest import BACKENDS, POSTGRES_URL, _postgres_schema_url
from worlds import World, file_report


def _file(world: World, author: str, entities: list[EntityIn], markings: MarkingsIn) -> None:
    title = f"Identities reported by {author}"
    body = "Names taken from the ledgers seized at the stash house."
    file_report(world.store, world.actors[author], title, markings, entities, body=body)


def person(entity_id: str, name: str, **props: list[str]) -> EntityIn:
    return EntityIn(id=entity_id, schema="Person", properties={"name": [name], **props})


SHARED = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])

SCORES = {
    ("r-mx-1", "r-us-1"): 0.99,  # both shared: merged for both nations
    ("r-mx-2", "r-us-2"): 0.98,  # the U.S. side is REL TO USA: merged for U.S. readers only
    ("r-mx-3", "r-us-3"): 0.70,  # uncertain: waits for review
    ("r-mx-4", "r-us-4"): 0.20,  # below the review threshold: not stored
}


def table_scorer(entities: Sequence[StatementEntity]) -> list[service.ScoredPair]:
    ids = {str(e.id) for e in entities}
    return [
        service.ScoredPair(a, b, s, [{"feature": "name", "outcome": "agree", "weight": 3.2}])
        for (a, b), s in SCORES.items()
        if a in ids and b in ids
    ]


@pytest.fixture
def resolved(fresh_world: World) -> World:
    _file(
        fresh_world,
        "fgr.mp1",
        [
            person("r-mx-1", "José Luis García López"),
            person("r-mx-2", "Ramón Ibarra Soto"),
            person("r-mx-3", "Juan Pérez Ortiz"),
            person("r-mx-4", "Ana Ruiz"),
        ],
        SHARED,
    )
    _file(fresh_world, "dea.agent1", [person("r-us-1", "JOSE GARCIA")], SHARED)
    _file(fresh_world, "dea.agent1", [person("r-us-2", "RAMON IBARRA")], USA_ONLY)
    _file(
        fresh_world,
        "dea.agent1",
        [person("r-us-3", "JUAN PEREZ"), person("r-us-4", "ANNA ROYCE")],
        SHARED,
    )
    with transaction(fresh_world.store.sessions) as session:
        us = service.run(
            session=session, actor=fresh_world.actors["us.analyst"], scorer=table_scorer
        )
        mx = service.run(
            session=session, actor=fresh_world.actors["mx.analyst"], scorer=table_scorer
        )
    # Each account's run judges what it may read: the REL TO USA record is the U.S. run's alone.
    assert (us.merged, us.queued, us.kept) == (2, 1, 0)
    assert (mx.merged, mx.queued, mx.kept) == (1, 1, 0)
    return fresh_world


def test_the_operators_run_is_each_accounts_own_run(fresh_world: World) -> None:
    """`vinculo resolve run` without an account: one run for every account that may
    resolve, each on what it may read, and no pair of an account that may not."""
    from vinculo.resolve.models import ResolutionPair

    _file(fresh_world, "fgr.mp1", [person("r-mx-2", "Ramón Ibarra Soto")], SHARED)
    _file(fresh_world, "dea.agent1", [person("r-us-2", "RAMON IBARRA")], USA_ONLY)
    with transaction(fresh_world.store.sessions) as session:
        accounts = service.resolving_accounts(session)
        summary = service.run(session=session, actor=None, scorer=table_scorer)
        owners = set(session.scalars(select(ResolutionPair.owner)))
    names = {a.username for a in accounts}
    assert summary.accounts == len(accounts) and {"us.analyst", "mx.analyst"} <= names
    assert "us.analyst" in owners and "mx.analyst" not in owners
    assert owners <= names
    assert _canon(fresh_world, "us.analyst", ["r-us-2"]) == {"r-us-2": "r-mx-2"}
    assert _canon(fresh_world, "mx.analyst", ["r-mx-2"]) == {"r-mx-2": "r-mx-2"}


def test_a_runs_pair_numbers_do_not_count_other_accounts_pairs(resolved: World) -> None:
    """Pair ids are random: the next of a sequence would tell the reader how many pairs
    other accounts' runs made since their own, hidden ones too."""
    from vinculo.resolve.models import ResolutionPair

    with resolved.store.sessions() as session:
        ids = {
            owner: sorted(
                session.scalars(select(ResolutionPair.id).where(ResolutionPair.owner == owner))
            )
            for owner in ("us.analyst", "mx.analyst")
        }
    assert len(ids["us.analyst"]) == 3 and len(ids["mx.analyst"]) == 2
    everything = sorted(ids["us.analyst"] + ids["mx.analyst"])
    assert everything != list(range(everything[0], everything[0] + 5))


def _canon(world: World, who: str, ids: list[str]) -> dict[str, str]:
    with world.store.sessions() as session:
        return canonical_ids(session=session, actor=world.actors[who], entity_ids=ids)


def test_members_walked_from_one_entity_are_its_cluster_among_all_merges(resolved: World) -> None:
    ids = ["r-us-1", "r-mx-1", "r-us-2", "r-mx-2"]
    for who in ("us.analyst", "mx.analyst"):
        actor = resolved.actors[who]
        with resolved.store.sessions() as session:
            mapping = canonical_ids(session=session, actor=actor)
            for entity_id in ids:
                root = mapping.get(entity_id)
                cluster = (
                    sorted(i for i, r in mapping.items() if r == root) if root else [entity_id]
                )
                assert members(session=session, actor=actor, entity_id=entity_id) == cluster


def test_a_merge_is_seen_only_by_who_may_see_all_its_evidence(resolved: World) -> None:
    ids = ["r-us-1", "r-mx-1", "r-us-2", "r-mx-2"]
    us = _canon(resolved, "us.analyst", ids)
    mx = _canon(resolved, "mx.analyst", ids)
    assert us["r-us-1"] == us["r-mx-1"] == "r-mx-1"
    assert mx["r-us-1"] == mx["r-mx-1"] == "r-mx-1"
    assert us["r-us-2"] == us["r-mx-2"]
    # The Mexican reader may not see the REL TO USA record, so the merge does not exist for
    # them: their record stays its own identity and says nothing of the other.
    assert mx["r-mx-2"] == "r-mx-2" and mx["r-us-2"] == "r-us-2"
    with resolved.store.sessions() as session:
        assert members(
            session=session, actor=resolved.actors["mx.analyst"], entity_id="r-mx-2"
        ) == ["r-mx-2"]


def test_the_queue_holds_the_uncertain_band_for_each_reader(resolved: World) -> None:
    with resolved.store.sessions() as session:
        for who in ("us.analyst", "mx.analyst"):
            page = service.review_queue(session=session, actor=resolved.actors[who])
            assert [(i.left_id, i.right_id) for i in page.items] == [("r-mx-3", "r-us-3")]
            assert page.items[0].left_caption == "Juan Pérez Ortiz"


def _pair_id(world: World, left: str, owner: str) -> int:
    from vinculo.resolve.models import ResolutionPair

    with world.store.sessions() as session:
        return session.execute(
            select(ResolutionPair.id).where(
                ResolutionPair.left_id == left, ResolutionPair.owner == owner
            )
        ).scalar_one()


def test_a_hidden_pair_answers_as_a_missing_one(resolved: World) -> None:
    hidden = _pair_id(resolved, "r-mx-2", "us.analyst")
    mx = resolved.actors["mx.analyst"]
    with transaction(resolved.store.sessions) as session:
        with pytest.raises(NotFound) as hidden_error:
            service.get_pair(session=session, actor=mx, pair_id=hidden)
        with pytest.raises(NotFound) as missing_error:
            service.get_pair(session=session, actor=mx, pair_id=987654)
        assert hidden_error.value.render("en") == missing_error.value.render("en")
        with pytest.raises(NotFound):
            service.decide(
                session=session, actor=mx, pair_id=hidden, judgement="no_match", reason="x"
            )
        with pytest.raises(NotFound):
            service.split(session=session, actor=mx, entity_id="r-us-2", reason="not the same")
    with transaction(resolved.store.sessions) as session:
        view = service.get_pair(
            session=session, actor=resolved.actors["us.analyst"], pair_id=hidden
        )
        assert view.left.caption == "Ramón Ibarra Soto" and view.right.caption == "RAMON IBARRA"


def test_a_decision_is_recorded_audited_and_reversible(resolved: World) -> None:
    pair_id = _pair_id(resolved, "r-mx-3", "mx.analyst")
    mx = resolved.actors["mx.analyst"]
    with transaction(resolved.store.sessions) as session:
        service.decide(
            session=session, actor=mx, pair_id=pair_id, judgement="match", reason="Same CURP."
        )
    assert _canon(resolved, "mx.analyst", ["r-us-3"])["r-us-3"] == "r-mx-3"
    # A decision is its analyst's judgement: a colleague's own pair waits as it was.
    assert _canon(resolved, "us.analyst", ["r-us-3"])["r-us-3"] == "r-us-3"
    with transaction(resolved.store.sessions) as session:
        assert service.review_queue(session=session, actor=mx).items == []
        service.decide(
            session=session,
            actor=mx,
            pair_id=pair_id,
            judgement="no_match",
            reason="Different mothers' names.",
        )
    assert _canon(resolved, "mx.analyst", ["r-us-3"])["r-us-3"] == "r-us-3"
    with resolved.store.sessions() as session:
        history = session.execute(
            select(ResolutionDecision.previous, ResolutionDecision.judgement).where(
                ResolutionDecision.pair_id == pair_id
            )
        ).all()
        assert [tuple(h) for h in history] == [("pending", "match"), ("match", "no_match")]
        audited = session.execute(
            select(AuditRow.target, AuditRow.actor).where(AuditRow.action == "decide")
        ).all()
        assert [tuple(a) for a in audited] == [(str(pair_id), "mx.analyst")] * 2


def test_a_split_undoes_a_merge_and_a_rerun_keeps_it(resolved: World) -> None:
    us = resolved.actors["us.analyst"]
    with transaction(resolved.store.sessions) as session:
        undone = service.split(
            session=session, actor=us, entity_id="r-us-1", reason="Two brothers, one alias."
        )
        assert [p.judgement for p in undone] == ["no_match"]
    assert _canon(resolved, "us.analyst", ["r-us-1"])["r-us-1"] == "r-us-1"
    assert _canon(resolved, "mx.analyst", ["r-us-1"])["r-us-1"] == "r-mx-1"
    with transaction(resolved.store.sessions) as session:
        summary = service.run(session=session, actor=us, scorer=table_scorer)
        assert summary.kept == 1 and summary.merged == 1
        assert service.labels(session=session) == [("r-mx-1", "r-us-1", False)]
        assert service.labels(session=session, actor=resolved.actors["mx.analyst"]) == []
    assert _canon(resolved, "us.analyst", ["r-us-1"])["r-us-1"] == "r-us-1"


def test_decisions_need_the_role_and_a_reason(resolved: World) -> None:
    pair_id = _pair_id(resolved, "r-mx-3", "mx.analyst")
    with transaction(resolved.store.sessions) as session:
        with pytest.raises(InvalidInput) as no_reason:
            service.decide(
                session=session,
                actor=resolved.actors["mx.analyst"],
                pair_id=pair_id,
                judgement="match",
                reason="  ",
            )
        assert no_reason.value.field == "reason"
        with pytest.raises(InvalidInput):
            service.decide(
                session=session,
                actor=resolved.actors["mx.analyst"],
                pair_id=pair_id,
                judgement="maybe",
                reason="Looks alike.",
            )
    nobody = Actor(username="viewer", nation="USA", agency="DEA", roles=frozenset({"auditor"}))
    with transaction(resolved.store.sessions) as session, pytest.raises(Forbidden):
        service.decide(
            session=session, actor=nobody, pair_id=pair_id, judgement="match", reason="x"
        )


def test_a_run_as_an_account_scores_only_what_it_may_read(fresh_world: World) -> None:
    _file(fresh_world, "fgr.mp1", [person("r-mx-2", "Ramón Ibarra Soto")], SHARED)
    _file(fresh_world, "dea.agent1", [person("r-us-2", "RAMON IBARRA")], USA_ONLY)
    seen: list[set[str]] = []

    def spying(entities: Sequence[StatementEntity]) -> list[service.ScoredPair]:
        seen.append({str(e.id) for e in entities})
        return table_scorer(entities)

    with transaction(fresh_world.store.sessions) as session:
        summary = service.run(
            session=session, actor=fresh_world.actors["mx.analyst"], scorer=spying
        )
    assert "r-us-2" not in seen[0] and "r-mx-2" in seen[0]
    assert summary.merged == 0


def test_a_purge_takes_the_pairs_derived_from_it(resolved: World) -> None:
    from vinculo.intel.models import StatementRow
    from vinculo.intel.retention import purge
    from vinculo.resolve.models import ResolutionPair

    supervisor = Actor(
        username="dea.agent1", nation="USA", agency="DEA", roles=frozenset({"supervisor"})
    )
    with resolved.store.sessions() as session:
        report_id = session.execute(
            select(StatementRow.report_id).where(StatementRow.entity_id == "r-us-1").limit(1)
        ).scalar_one()
    with transaction(resolved.store.sessions) as session:
        purge(
            session=session, actor=supervisor, report_id=report_id, reason="Past its review date."
        )
    with resolved.store.sessions() as session:
        left = {(p.left_id, p.right_id) for p in session.execute(select(ResolutionPair)).scalars()}
    assert ("r-mx-1", "r-us-1") not in left
    assert ("r-mx-2", "r-us-2") in left  # another report's pair stays


def test_a_purge_drops_only_the_views_that_held_a_purged_statement(resolved: World) -> None:
    """A report whose statements carry two markings (as a partner's synced statements may):
    a shared one on a new entity, a U.S.-only one on r-mx-1. The Mexican view of r-mx-1's
    merge held neither; it outlives the purge, whatever else the report held."""
    from vinculo.intel.models import Report
    from vinculo.intel.retention import purge
    from vinculo.intel.service import store_entities
    from vinculo.security.policy import marking_id_for

    agent = resolved.actors["dea.agent1"]
    _file(resolved, "dea.agent1", [person("r-new", "Ana Ruiz")], SHARED)
    with transaction(resolved.store.sessions) as session:
        report_id = session.scalars(select(Report.id).order_by(Report.seq.desc()).limit(1)).one()
        usa_only = Markings(tlp=TLP.GREEN, originator="DEA", rel_to=frozenset({"USA"}))
        store_entities(
            session=session,
            actor=agent,
            entities=[("r-mx-1", "Person", [("alias", "name", "Pepe", None)])],
            source=f"report:{report_id}",
            marking_id=marking_id_for(session=session, markings=usa_only),
            report_id=report_id,
        )
    mexican = _canon(resolved, "mx.analyst", ["r-mx-1", "r-us-1"])
    assert mexican == {"r-mx-1": "r-mx-1", "r-us-1": "r-mx-1"}
    supervisor = Actor(
        username="dea.agent1", nation="USA", agency="DEA", roles=frozenset({"supervisor"})
    )
    with transaction(resolved.store.sessions) as session:
        purge(session=session, actor=supervisor, report_id=report_id, reason="Not re-validated.")
    assert _canon(resolved, "mx.analyst", ["r-mx-1", "r-us-1"]) == mexican


def test_a_pair_whose_side_the_reader_no_longer_sees_is_neither_listed_nor_merged(
    resolved: World,
) -> None:
    """A partner withdraws its version of r-us-1: the exchange deletes those statements by
    id and no purge hook runs, so the pair row stays. Whether FGR's AMBER statement keeps the
    entity alive or not, the U.S. reader, who sees nothing of it now, sees no pair of it."""
    from sqlalchemy import delete

    from vinculo.intel.models import StatementRow

    with resolved.store.sessions() as session:
        withdrawn = session.scalars(
            select(StatementRow.id).where(StatementRow.entity_id == "r-us-1")
        ).all()
    _file(resolved, "fgr.mp1", [person("r-us-1", "José García")], MarkingsIn(tlp="AMBER"))
    us = resolved.actors["us.analyst"]
    before = _canon(resolved, "us.analyst", ["r-mx-1", "r-us-1"])
    assert before == {"r-mx-1": "r-mx-1", "r-us-1": "r-mx-1"}
    with transaction(resolved.store.sessions) as session:
        session.execute(delete(StatementRow).where(StatementRow.id.in_(withdrawn)))
    with resolved.store.sessions() as session:
        left = session.scalars(
            select(StatementRow.marking_id).where(StatementRow.entity_id == "r-us-1")
        ).all()
        assert left  # FGR's statement keeps the entity
        assert members(session=session, actor=us, entity_id="r-mx-1") == ["r-mx-1"]
        merged = service.review_queue(session=session, actor=us, judgements=service.LISTS["merged"])
        assert ("r-mx-1", "r-us-1") not in {(i.left_id, i.right_id) for i in merged.items}


@pytest.mark.parametrize("pair_id", [0, -1, 2**31, 2**63 + 5])
def test_an_id_no_table_could_hold_is_missing(resolved: World, pair_id: int) -> None:
    with transaction(resolved.store.sessions) as session, pytest.raises(NotFound):
        service.get_pair(session=session, actor=resolved.actors["us.analyst"], pair_id=pair_id)


def test_a_wider_view_of_a_pair_keeps_the_decision_made_on_part_of_it(resolved: World) -> None:
    """A pair row is one view of two entities; the owner's new view inherits their decision
    made on a view it contains, and a colleague's pair stays theirs."""
    from vinculo.resolve.models import ResolutionPair

    garcia = _pair_id(resolved, "r-mx-1", "us.analyst")
    mx, us = resolved.actors["mx.analyst"], resolved.actors["us.analyst"]
    with transaction(resolved.store.sessions) as session:
        service.decide(
            session=session, actor=us, pair_id=garcia, judgement="no_match", reason="Other CURP."
        )
    # The U.S. side learns more of r-us-1, under a marking Mexico may not read.
    _file(resolved, "dea.agent1", [person("r-us-1", "JOSE GARCIA", alias=["Pepe"])], USA_ONLY)
    # Until a run judges the U.S. reader's new view, it has no pair of theirs.
    assert _canon(resolved, "us.analyst", ["r-us-1"]) == {"r-us-1": "r-us-1"}
    with transaction(resolved.store.sessions) as session:
        summary = service.run(session=session, actor=us, scorer=table_scorer)
    assert summary.kept >= 1
    with resolved.store.sessions() as session:
        rows = session.scalars(
            select(ResolutionPair).where(
                ResolutionPair.left_id == "r-mx-1", ResolutionPair.owner == "us.analyst"
            )
        ).all()
        assert sorted(r.judgement for r in rows) == ["no_match", "no_match"]
        rejected = service.review_queue(
            session=session, actor=us, judgements=service.LISTS["rejected"]
        )
        assert [(i.left_id, i.right_id) for i in rejected.items] == [("r-mx-1", "r-us-1")]
        assert rejected.items[0].id not in (garcia,)
        theirs = service.review_queue(session=session, actor=mx, judgements=service.LISTS["merged"])
        assert ("r-mx-1", "r-us-1") in {(i.left_id, i.right_id) for i in theirs.items}
    assert _canon(resolved, "us.analyst", ["r-us-1"]) == {"r-us-1": "r-us-1"}


def _admin(sql: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(sql))
    admin.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migrations_key_stored_pairs_by_their_evidence_and_owner(
    tmp_path: Path, backend: str
) -> None:
    """Migrations 0009 and 0018 on a store made by the release before them: an analyst's
    decision stays, keyed by its evidence and owned by its analyst; the engine's pairs go
    (each account's next run judges its own view)."""
    import uuid

    from sqlalchemy import text

    from vinculo.db import make_engine
    from vinculo.migrations.runner import upgrade
    from vinculo.resolve.models import ResolutionPair, scope_key
    from vinculo.security.models import MarkingRow
    from vinculo.settings import Settings

    url, schema = f"sqlite:///{tmp_path / 'release.db'}", ""
    if backend == "postgresql":
        schema = f"t_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE SCHEMA "{schema}"')
        url = _postgres_schema_url(schema)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key="test-" + tmp_path.name)
    engine = make_engine(settings)
    upgrade(engine, "0008")
    with engine.begin() as connection:
        for marking_id, tlp in ((1, "GREEN"), (2, "AMBER")):
            row = MarkingRow.from_markings(
                Markings.create(tlp=tlp, originator="FGR", rel_to=["USA", "MEX"])
            )
            connection.execute(
                text(
                    "INSERT INTO markings (id, signature, tlp, originator, rel_to, orcon, "
                    "groups, recipients, shared_with) VALUES (:id, :signature, :tlp, "
                    ":originator, :rel_to, :orcon, :groups, :recipients, :shared_with)"
                ),
                {
                    "id": marking_id,
                    "signature": row.signature,
                    "tlp": row.tlp,
                    "originator": row.originator,
                    "rel_to": row.rel_to,
                    "orcon": bool(row.orcon),
                    "groups": row.groups or "",
                    "recipients": row.recipients or "",
                    "shared_with": row.shared_with or "",
                },
            )
        for pair_id, (left, right), judgement in (
            (1, ("a", "b"), "match"),
            (2, ("c", "d"), "auto"),
        ):
            connection.execute(
                text(
                    "INSERT INTO resolution_pairs (id, left_id, right_id, score, explanation, "
                    "judgement, decided_by, reason, created_at, updated_at) VALUES (:id, :l, "
                    ":r, 0.97, '[]', :j, :by, '', '2026-11-30 12:00:00', '2026-11-30 12:00:00')"
                ),
                {
                    "id": pair_id,
                    "l": left,
                    "r": right,
                    "j": judgement,
                    "by": "fgr.mp1" if judgement == "match" else None,
                },
            )
        connection.execute(
            text(
                "INSERT INTO resolution_evidence (pair_id, marking_id) "
                "VALUES (1, 1), (1, 2), (2, 1)"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        pairs = {p.id: p for p in session.scalars(select(ResolutionPair))}
        assert {i: (p.left_id, p.right_id, p.judgement, p.owner) for i, p in pairs.items()} == {
            1: ("a", "b", "match", "fgr.mp1"),
        }
        assert pairs[1].scope == scope_key([1, 2])
    engine.dispose()
    if schema:
        _admin(f'DROP SCHEMA "{schema}" CASCADE')


def test_a_merge_a_later_run_no_longer_makes_waits_for_review(resolved: World) -> None:
    us = resolved.actors["us.analyst"]

    def lower(entities: Sequence[StatementEntity]) -> list[service.ScoredPair]:
        # A new model: the first pair now scores below review; the others as before.
        return [p for p in table_scorer(entities) if (p.left_id, p.right_id) != PAIR_ONE]

    for _ in range(2):  # and a third run keeps it in the queue too
        with transaction(resolved.store.sessions) as session:
            summary = service.run(session=session, actor=us, scorer=lower)
        assert (summary.merged, summary.queued) == (1, 2)
    pair_id = _pair_id(resolved, "r-mx-1", "us.analyst")
    with resolved.store.sessions() as session:
        queued = service.review_queue(session=session, actor=us)
        assert [(i.left_id, i.right_id) for i in queued.items] == [PAIR_ONE, ("r-mx-3", "r-us-3")]
        view = service.get_pair(session=session, actor=us, pair_id=pair_id)
        assert (view.pair.judgement, view.pair.reason) == ("pending", "no_longer_merged")
        assert canonical_ids(session=session, actor=us, entity_ids=list(PAIR_ONE)) == {
            "r-mx-1": "r-mx-1",
            "r-us-1": "r-us-1",
        }
    # Scored again at the merge threshold, it merges again as the engine's.
    with transaction(resolved.store.sessions) as session:
        summary = service.run(session=session, actor=us, scorer=table_scorer)
    assert (summary.merged, summary.queued) == (2, 1)


PAIR_ONE = ("r-mx-1", "r-us-1")
