"""The engine as the store uses it: the deployment's model, scorers for runs and screening.

A store starts with few records — too few for EM to estimate a model — so runs and
screening use the model that ships with Vínculo (trained by EM on a generated binational
population: resolve.synthetic.train_default_model), unless the operator put one of their own
in the data directory as `resolve-model.json`. Analysts' decisions are labels: with enough
records in the store, a run retrains on the store itself with them (Splink's
`estimate_m_from_pairwise_labels`); their accept and reject verdicts are always kept as
decisions by the store, whatever the model says.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from followthemoney.statement import StatementEntity
from sqlalchemy.orm import Session

from vinculo.resolve.engine import DEFAULT_MODEL, Engine
from vinculo.resolve.features import ID
from vinculo.resolve.organisations import is_organisation, organisation_score
from vinculo.resolve.pairs import Match
from vinculo.resolve.records import from_entities, from_entity_variants, variant_entity
from vinculo.resolve.service import (
    BatchScreenScorer,
    RunSummary,
    ScoredPair,
    Scorer,
    ScreenScorer,
    labels,
    run,
)
from vinculo.security.markings import Actor
from vinculo.settings import Settings, default_of

MODEL_FILE = "resolve-model.json"
# Records a store needs before a run retrains on them rather than using the stored model.
RETRAIN_AT = 2000


def model_path(data_dir: Path | None) -> Path:
    """The deployment's own model if it has one, else the one shipped with Vínculo."""
    own = data_dir / MODEL_FILE if data_dir else None
    return own if own is not None and own.exists() else DEFAULT_MODEL


def engine_for(data_dir: Path | None, **options: float) -> Engine:
    return Engine.from_json(model_path(data_dir).read_text(encoding="utf-8"), **options)


def screening_engine(data_dir: Path | None) -> Engine:
    """The engine screening uses, kept while its model file stays the same.

    Screening asks for it on every request; reading the model and preparing its SQL anew
    each time cost more than the scoring itself (resolve.splink_backend.Screener). Keyed by the
    file's path, size and modification time, so an operator's new model is used at once.
    """
    path = model_path(data_dir)
    stat = path.stat()
    return _cached_engine(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _cached_engine(path: str, _mtime_ns: int, _size: int) -> Engine:
    return Engine.from_json(Path(path).read_text(encoding="utf-8"))


def _records(entities: Sequence[StatementEntity]) -> list[dict[str, object]]:
    return [e.to_dict() for e in entities]


def _explained(engine: Engine, match: Match) -> list[dict[str, object]]:
    return [c.as_dict() for c in engine.explain(match)]


def _best_per_entity_pair(found: Sequence[Match]) -> dict[tuple[str, str], Match]:
    """The best-scoring name variants of each pair of entities; an entity's own are dropped."""
    best: dict[tuple[str, str], Match] = {}
    for m in found:
        left, right = sorted((variant_entity(m.left_id), variant_entity(m.right_id)))
        if left == right:
            continue
        if (left, right) not in best or m.score > best[(left, right)].score:
            best[(left, right)] = m
    return best


def pair_scorer(
    *,
    labels: Sequence[tuple[str, str, bool]] = (),
    data_dir: Path | None = None,
    review_threshold: float | None = None,
) -> Scorer:
    """Scores every pair of the entities a run reads, at or above `review_threshold`."""
    if review_threshold is None:
        review_threshold = float(default_of("store_review_threshold"))
    cut = review_threshold

    def score(entities: Sequence[StatementEntity]) -> list[ScoredPair]:
        if len(entities) < 2:
            return []
        engine = engine_for(data_dir, review_threshold=cut, match_threshold=1.0)
        dicts = _records(entities)
        if len(entities) >= RETRAIN_AT:
            records = from_entities(dicts).table
            engine = Engine(review_threshold=cut, match_threshold=1.0).train(records, labels=labels)
        found = engine.dedupe(from_entity_variants(dicts).table, threshold=cut)
        best = _best_per_entity_pair(found.matches)
        return [
            ScoredPair(left, right, m.score, _explained(engine, m))
            for (left, right), m in sorted(best.items())
        ]

    return score


def _organisations(
    query: StatementEntity, candidates: Sequence[StatementEntity]
) -> list[ScoredPair]:
    """An organisation against the organisations among the candidates, by rule
    (resolve/organisations.py: the shipped model knows people only)."""
    found = []
    for candidate in candidates:
        if is_organisation(candidate):
            score, why = organisation_score(query, candidate)
            found.append(ScoredPair(str(query.id), str(candidate.id), score, why))
    return sorted(found, key=lambda p: p.right_id)


def screen_scorer(*, data_dir: Path | None = None) -> ScreenScorer:
    """Scores one query entity against candidates, every candidate compared."""

    def score(query: StatementEntity, candidates: Sequence[StatementEntity]) -> list[ScoredPair]:
        if not candidates:
            return []
        if is_organisation(query):
            return _organisations(query, candidates)
        engine = screening_engine(data_dir)
        table = from_entity_variants(_records(candidates)).table
        best: dict[str, Match] = {}
        for probe in from_entity_variants([query.to_dict()]).table.to_pylist():
            # Splink's compare_two_records puts the probe on the left of every pair.
            for m in engine.score_one(probe, table, threshold=0.0):
                entity_id = variant_entity(m.right_id)
                if entity_id not in best or m.score > best[entity_id].score:
                    best[entity_id] = m
        return [
            ScoredPair(str(query.id), entity_id, m.score, _explained(engine, m))
            for entity_id, m in sorted(best.items())
        ]

    return score


def screen_batch_scorer(
    *, data_dir: Path | None = None, threshold: float | None = None
) -> BatchScreenScorer:
    """screen_scorer for many queries at once, each against its own candidates.

    Each distinct candidate is made into its records once for the whole batch, not once per
    query that finds it, and every query's pairs (each of its name variants against each of
    its own candidates' records) are scored in one pass (Engine.score_pairs), each as
    screen_scorer scores it, so the scores are the same. Pairs below `threshold` (the
    screening_threshold setting's default) are left out, unexplained: screening drops them.
    """
    cut = float(default_of("screening_threshold")) if threshold is None else threshold

    def score(
        batch: Sequence[tuple[StatementEntity, Sequence[StatementEntity]]],
    ) -> list[list[ScoredPair]]:
        import numpy as np
        import pyarrow as pa

        engine = screening_engine(data_dir)
        slot: dict[int, int] = {}
        distinct: list[StatementEntity] = []
        out: list[list[ScoredPair]] = [[] for _ in batch]
        for n, (query, candidates) in enumerate(batch):
            if is_organisation(query):
                out[n] = [p for p in _organisations(query, candidates) if p.score >= cut]
                continue
            for candidate in candidates:
                if id(candidate) not in slot:
                    slot[id(candidate)] = len(distinct)
                    distinct.append(candidate)
        if not distinct:
            return out
        # Under batch-made ids: two profiles of one identity (merged entities found by
        # different queries) keep their own records, and a query is told by its number.
        table = from_entity_variants(
            [{**c.to_dict(), "id": f"c{n}"} for n, c in enumerate(distinct)]
        ).table
        probes = from_entity_variants(
            [{**q.to_dict(), "id": f"q{n}"} for n, (q, _c) in enumerate(batch)]
        ).table
        variants: dict[str, list[str]] = {}
        for table_of in (table, probes):
            for variant_id in table_of.column(ID).to_pylist():
                variants.setdefault(variant_entity(str(variant_id)), []).append(str(variant_id))
        left: list[np.ndarray] = []
        right: list[np.ndarray] = []
        for n, (query, candidates) in enumerate(batch):
            if is_organisation(query):
                continue
            mine = np.array(variants.get(f"q{n}", []), dtype=object)
            theirs = np.array(
                [v for c in candidates for v in variants.get(f"c{slot[id(c)]}", [])],
                dtype=object,
            )
            if len(mine) and len(theirs):
                left.append(np.repeat(mine, len(theirs)))
                right.append(np.tile(theirs, len(mine)))
        if not left:
            return out
        pairs = pa.table(
            {
                "probe_id": pa.array(np.concatenate(left), pa.string()),
                "candidate_id": pa.array(np.concatenate(right), pa.string()),
            }
        )
        best: dict[tuple[int, int], Match] = {}
        for m in engine.score_pairs(probes, table, pairs, threshold=cut):
            # The best variant of a candidate at or above the cut is its best overall.
            key = (int(variant_entity(m.left_id)[1:]), int(variant_entity(m.right_id)[1:]))
            if key not in best or m.score > best[key].score:
                best[key] = m
        for (n, c), m in sorted(best.items()):
            out[n].append(
                ScoredPair(str(batch[n][0].id), str(distinct[c].id), m.score, _explained(engine, m))
            )
        return out

    return score


def run_resolution(
    *,
    session: Session,
    actor: Actor | None,
    settings: Settings,
    merge_threshold: float | None = None,
    review_threshold: float | None = None,
) -> RunSummary:
    """One resolution run with the deployment's model, thresholds and the account's labels.

    Without an actor, the host operator's run: one for every account that may resolve, each
    trained on its own decisions; accounts that read the same statements with the same
    labels are scored once.
    """
    merge = settings.store_merge_threshold if merge_threshold is None else merge_threshold
    review = settings.store_review_threshold if review_threshold is None else review_threshold
    scorers: dict[tuple[tuple[str, str, bool], ...], Scorer] = {}

    def scorer_for(account: Actor) -> Scorer:
        own = tuple(sorted(labels(session=session, actor=account)))
        if own not in scorers:
            scorers[own] = pair_scorer(
                labels=own, data_dir=settings.data_dir, review_threshold=review
            )
        return scorers[own]

    return run(
        session=session,
        actor=actor,
        scorer_for=scorer_for,
        merge_threshold=merge,
        review_threshold=review,
    )
