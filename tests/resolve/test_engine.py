"""The matching engine: training, linking, dedupe, screening, explanations, labels, models."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from vinculo.resolve.engine import Engine
from vinculo.resolve.pairs import FeatureContribution, Match
from vinculo.resolve.pairs import matches as _matches
from vinculo.resolve.records import from_entities, from_febrl, read_febrl
from vinculo.resolve.synthetic import Binational, binational

JOSE_MX = {
    "id": "mx-jose",
    "schema": "Person",
    "properties": {
        "name": ["José Luis García López"],
        "idNumber": ["GALL850307HCHRPS05"],
        "birthDate": ["1985-03-07"],
        "gender": ["male"],
        "phone": ["044 656 123 4567"],
    },
}
JOSE_US = {
    "id": "us-jose",
    "schema": "Person",
    "properties": {
        "firstName": ["JOSE"],
        "lastName": ["GARCIA"],
        "alias": ["Pepe Garcia"],
        "birthDate": ["1985-07-03"],  # 03/07/1985 read the U.S. way
        "phone": ["011 52 1 656 123 4567"],
    },
}


def prf(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / max(1, len(found)), hits / len(truth)


@pytest.fixture(scope="module")
def data() -> Binational:
    return binational(1500, 1500, seed=2)


@pytest.fixture(scope="module")
def tables(data: Binational) -> tuple[pa.Table, pa.Table]:
    return from_entities(data.left).table, from_entities(data.right).table


@pytest.fixture(scope="module")
def trained(tables: tuple[pa.Table, pa.Table]) -> Engine:
    return Engine(u_pairs=5e5).train(*tables)


def pairs(matches: list[Match]) -> set[tuple[str, str]]:
    return {(m.left_id, m.right_id) for m in matches}


def test_link_finds_the_same_people_across_the_border(
    trained: Engine, tables: tuple[pa.Table, pa.Table], data: Binational
) -> None:
    matches = trained.link(*tables)
    precision, recall = prf(pairs(matches), data.truth)
    assert precision >= 0.97
    assert recall >= 0.93
    assert all(0.0 <= m.score <= 1.0 and m.score >= trained.match_threshold for m in matches)
    # The left id always comes from the left set.
    left_ids = set(tables[0].column("unique_id").to_pylist())
    assert all(m.left_id in left_ids for m in matches)


def test_blocking_keeps_recall(
    trained: Engine, tables: tuple[pa.Table, pa.Table], data: Binational
) -> None:
    recall, proposed = trained.blocking_recall(tables[0], tables[1], data.truth)
    assert recall >= 0.97
    assert proposed < 1500 * 1500 / 50


def test_score_one_and_explain_the_issue_example(trained: Engine, tables: Any) -> None:
    probe = from_entities([JOSE_US]).table.to_pylist()[0]
    candidates = pa.concat_tables([from_entities([JOSE_MX]).table, tables[0]])
    found = trained.score_one(probe, candidates, limit=5)
    assert found and found[0].right_id == "mx-jose"
    assert found[0].left_id == "us-jose"
    assert found[0].score >= trained.match_threshold
    explained = {c.feature: c for c in trained.explain(found[0])}
    assert explained["birth_date"].level == "day and month swapped"
    assert explained["birth_date"].outcome == "partial"
    assert explained["birth_date"].weight > 0
    assert explained["surnames"].level == "paternal surname agrees, maternal missing on one side"
    assert explained["phone"].outcome == "agreed"
    # No U.S. record in the training data had a CURP, so the model has no CURP comparison;
    # a passport neither record has is unknown and weighs nothing.
    assert "curp" not in trained.comparisons
    assert explained["passport"].outcome == "unknown"
    assert explained["passport"].bayes_factor == pytest.approx(1.0)
    total = sum(c.weight for c in explained.values())
    assert total > 0
    assert isinstance(next(iter(explained.values())), FeatureContribution)


def test_someone_else_with_the_same_surnames_is_no_match(trained: Engine) -> None:
    sibling = {
        "id": "mx-sibling",
        "schema": "Person",
        "properties": {
            "name": ["María Fernanda García López"],
            "birthDate": ["1988-11-21"],
            "gender": ["female"],
        },
    }
    probe = from_entities([JOSE_MX]).table.to_pylist()[0]
    found = trained.score_one(probe, from_entities([sibling]).table, threshold=0.0)
    assert found[0].score < trained.review_threshold


def test_invalid_curp_is_never_strong_evidence(trained: Engine) -> None:
    shared_bad = "GALL850307HCHRPS09"  # wrong check digit
    one = {
        "id": "a",
        "schema": "Person",
        "properties": {"name": ["Ana Ruiz"], "idNumber": [shared_bad]},
    }
    two = {
        "id": "b",
        "schema": "Person",
        "properties": {"name": ["Pedro Soto"], "idNumber": [shared_bad]},
    }
    made = from_entities([one, two])
    assert made.table.column("curp").to_pylist() == [None, None]
    assert [f.reason for f in made.flags["a"]] == ["invalid CURP"]
    found = trained.score_one(made.table.to_pylist()[0], made.table.slice(1), threshold=0.0)
    assert found[0].score < 0.01
    good = dict(one, properties={**one["properties"], "idNumber": ["GALL850307HCHRPS05"]})
    other = dict(two, properties={**two["properties"], "idNumber": ["GALL850307HCHRPS05"]})
    valid = from_entities([good, other]).table
    strong = trained.score_one(valid.to_pylist()[0], valid.slice(1), threshold=0.0)
    assert strong[0].score > found[0].score * 100


def test_model_round_trips_through_json(trained: Engine, tables: Any) -> None:
    text = trained.to_json()
    data = json.loads(text)
    assert data["format"] == "vinculo-resolve-model"
    assert data["splink_settings"]["comparisons"]
    again = Engine.from_json(text)
    assert again.comparisons == trained.comparisons
    first = trained.link_frame(*tables).sort_values(["left_id", "right_id"])
    second = again.link_frame(*tables).sort_values(["left_id", "right_id"])
    assert first["score"].round(9).tolist() == second["score"].round(9).tolist()
    with pytest.raises(ValueError):
        Engine.from_json(json.dumps({"format": "something else"}))


def test_labels_train_m_and_decisions_override(
    tables: tuple[pa.Table, pa.Table], data: Binational, trained: Engine
) -> None:
    labels = [(a, b, True) for a, b in sorted(data.truth)[:300]]
    labelled = Engine(u_pairs=5e5).train(*tables, labels=labels)
    assert labelled.to_json() != trained.to_json()
    precision, recall = prf(pairs(labelled.link(*tables)), data.truth)
    assert precision >= 0.95 and recall >= 0.9
    frame = trained.link_frame(*tables)
    top = (str(frame.iloc[0]["left_id"]), str(frame.iloc[0]["right_id"]))
    weak = ("mx-000000", "us-x000999")
    overruled = trained.link(*tables, decisions=[(*top, False), (*weak, True)])
    assert top not in pairs(overruled)
    forced = [m for m in overruled if (m.left_id, m.right_id) == weak]
    assert forced == [] or forced[0].score == 1.0


def test_dedupe_clusters_the_same_person(data: Binational, trained: Engine) -> None:
    both = from_entities(data.left[:600] + data.right[:600]).table
    result = trained.dedupe(both)
    assert set(result.clusters) == set(both.column("unique_id").to_pylist())
    ids = set(result.clusters)
    truth = {(a, b) for a, b in data.truth if a in ids and b in ids}
    together = sum(result.clusters[a] == result.clusters[b] for a, b in truth)
    assert together >= 0.9 * len(truth)
    assert result.matches and all(m.score >= trained.review_threshold for m in result.matches)
    sizes: dict[str, int] = {}
    for cluster in result.clusters.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    assert max(sizes.values()) <= 4


FEBRL4 = Path(__file__).resolve().parents[1] / "data" / "febrl4"


def test_febrl_rows_become_features() -> None:
    left = read_febrl(FEBRL4 / "dataset4a.csv")
    assert len(left) == 5000 and left.index.is_unique
    made = from_febrl(left.head(50)).table
    assert made.num_rows == 50
    row = made.to_pylist()[0]
    assert row["unique_id"].startswith("rec-")
    assert row["idn"] and row["idn"].isdigit()
    assert row["dob"] is None or len(row["dob"]) == 10


def test_default_model_scores_small_inputs() -> None:
    engine = Engine.default()
    assert "curp" in engine.comparisons
    probe = from_entities([JOSE_US]).table.to_pylist()[0]
    found = engine.score_one(probe, from_entities([JOSE_MX]).table)
    assert found and found[0].score >= engine.review_threshold


def test_thresholds_are_checked() -> None:
    with pytest.raises(ValueError):
        Engine(match_threshold=0.4, review_threshold=0.6)
    with pytest.raises(ValueError):
        Engine(backend="oracle")  # type: ignore[arg-type]
    engine = Engine()
    assert engine.band(0.95) == "match"
    assert engine.band(0.6) == "uncertain"
    assert engine.band(0.1) == "non-match"
    with pytest.raises(RuntimeError):
        engine.link([], [])


def _splink_score_one(engine: Engine, probe: dict[str, Any], table: pa.Table) -> list[Match]:
    """score_one as it was: a Linker of its own and Splink's compare_two_records."""
    linker = engine._linker(
        [table], "dedupe_only", engine._settings("dedupe_only", engine.comparisons, [])
    )
    scored = linker.inference.compare_two_records(
        engine._input(pa.Table.from_pylist([probe])), engine._input(table)
    )
    frame = engine._frame(linker, scored).sort_values("score", ascending=False, kind="stable")
    return _matches(frame.reset_index(drop=True), engine.comparisons)


def test_screening_with_its_sql_made_once_scores_as_splink_does(
    data: Binational, trained: Engine
) -> None:
    """Issue 10: score_one reuses one prepared query; the scores must not move."""
    records = from_entities(data.left[:300] + data.right[:300]).table
    probes = records.slice(0, 8).to_pylist()
    for engine in (trained, Engine.default()):
        for probe in probes:
            assert engine.score_one(probe, records, threshold=0.0) == _splink_score_one(
                engine, probe, records
            )
    # Callers at once each get a screener of their own, and the same answers.
    engine = Engine.default()
    want = [engine.score_one(p, records, threshold=0.0) for p in probes]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: engine.score_one(p, records, threshold=0.0), probes * 3))
    assert got == want * 3
    # A reused connection keeps none of the records it scored.
    screener = engine._backend.screeners.get_nowait()  # type: ignore[attr-defined]
    for name in (screener.PROBE, screener.CANDIDATES):
        assert screener._con.execute(f"SELECT count(*) FROM {name}").fetchone() == (0,)
