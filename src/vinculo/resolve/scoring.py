"""The engine as the store uses it: a trained model per deployment, scorers for runs and screening.

A store starts with few records — too few for EM to estimate a model — so the first model
is trained on a generated binational population (resolve.synthetic, seeded: the same model on
every machine) and kept in the data directory as `resolve-model.json`; an operator can
replace it (`vinculo resolve train`). Analysts' decisions are labels: with enough records in
the store, a run retrains on the store itself with them (Splink's
`estimate_m_from_pairwise_labels`); their accept and reject verdicts are always kept as
decisions by the store, whatever the model says.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from followthemoney.statement import StatementEntity

from vinculo.resolve.engine import Engine, Match
from vinculo.resolve.records import from_entities
from vinculo.resolve.screening import ScreenScorer
from vinculo.resolve.service import ScoredPair, Scorer
from vinculo.resolve.synthetic import binational

MODEL_FILE = "resolve-model.json"
# Records a store needs before a run retrains on them rather than using the stored model.
RETRAIN_AT = 2000
# The generated population the first model learns from (both nations, decoys included).
BASE_PEOPLE = 1500
BASE_SEED = 2026

_lock = threading.Lock()
_models: dict[str, str] = {}


def train_base() -> Engine:
    """A model trained by EM on a generated binational population, deduplicated as one set."""
    data = binational(BASE_PEOPLE, BASE_PEOPLE, seed=BASE_SEED)
    records = from_entities([*data.left, *data.right]).table
    return Engine().train(records)


def model_json(data_dir: Path | None) -> str:
    """The deployment's model: from the data directory, else trained once and kept there."""
    key = str(data_dir) if data_dir else ""
    with _lock:
        if key in _models:
            return _models[key]
        path = data_dir / MODEL_FILE if data_dir else None
        if path is not None and path.exists():
            text = path.read_text(encoding="utf-8")
        else:
            # Any directory's model will do for another: one generated population, one seed.
            text = next(iter(_models.values()), "") or train_base().to_json()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".tmp")
                partial.write_text(text, encoding="utf-8")
                os.replace(partial, path)
        _models[key] = text
        return text


def engine_for(data_dir: Path | None, **options: float) -> Engine:
    return Engine.from_json(model_json(data_dir), **options)


def _records(entities: Sequence[StatementEntity]) -> list[dict[str, object]]:
    return [e.to_dict() for e in entities]


def _explained(engine: Engine, match: Match) -> list[dict[str, object]]:
    return [c.as_dict() for c in engine.explain(match)]


def pair_scorer(
    *,
    labels: Sequence[tuple[str, str, bool]] = (),
    data_dir: Path | None = None,
    review_threshold: float = 0.5,
) -> Scorer:
    """Scores every pair of the entities a run reads, at or above `review_threshold`."""

    def score(entities: Sequence[StatementEntity]) -> list[ScoredPair]:
        if len(entities) < 2:
            return []
        engine = engine_for(data_dir, review_threshold=review_threshold, match_threshold=1.0)
        records = from_entities(_records(entities)).table
        if len(entities) >= RETRAIN_AT:
            engine = Engine(review_threshold=review_threshold, match_threshold=1.0).train(
                records, labels=labels
            )
        found = engine.dedupe(records, threshold=review_threshold)
        return [
            ScoredPair(m.left_id, m.right_id, m.score, _explained(engine, m)) for m in found.matches
        ]

    return score


def screen_scorer(*, data_dir: Path | None = None) -> ScreenScorer:
    """Scores one query entity against candidates, every candidate compared."""

    def score(query: StatementEntity, candidates: Sequence[StatementEntity]) -> list[ScoredPair]:
        if not candidates:
            return []
        engine = engine_for(data_dir)
        probe = from_entities([query.to_dict()]).table.to_pylist()[0]
        table = from_entities(_records(candidates)).table
        found = engine.score_one(probe, table, threshold=0.0)
        # Splink's compare_two_records puts the probe on the left of every pair.
        return [
            ScoredPair(str(query.id), m.right_id, m.score, _explained(engine, m)) for m in found
        ]

    return score
