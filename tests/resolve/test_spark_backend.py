"""The Spark backend in local mode: the same model scores the same pairs as on DuckDB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from vinculo.resolve.engine import Engine
from vinculo.resolve.records import from_entities
from vinculo.resolve.splink_backend import local_spark
from vinculo.resolve.synthetic import binational

# One Spark session for the module: its tests stay on one pytest-xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.xdist_group("spark")]


# A Java runtime that lives a minute: the first tier of its compiler only (the second's
# compiling does not pay off in so short a life) and the serial garbage collector. Together,
# measured alone: the two tests took 111 s of the runtime's CPU with its defaults and 77 s
# with these, in 76 and 80 s of wall time; the rest of the suite keeps both cores busy, so
# the CPU is what counts.
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.fail(
            "Spark needs a Java runtime: run `make java` (apt-get install default-jre-headless)"
        )
    session = local_spark(**{"spark.driver.extraJavaOptions": QUICK_JVM})
    # The tests' data are a few hundred records, so Spark's cost is per query, not per row:
    # one shuffle partition (one task a stage), no adaptive re-planning between stages and
    # no whole-stage code generation (a Java compile for each of Splink's queries). The same
    # plans compute the same rows; run side by side, the link took 1.2 and the dedupe 1.4
    # times as long with local_spark()'s settings alone.
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.adaptive.enabled", "false")
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sets() -> tuple[pa.Table, pa.Table, set[tuple[str, str]]]:
    data = binational(250, 250, seed=6)
    return from_entities(data.left).table, from_entities(data.right).table, data.truth


def test_spark_scores_as_duckdb_does(spark: Any, sets: Any) -> None:
    left, right, truth = sets
    duck = Engine(u_pairs=2e5).train(left, right)
    on_spark = Engine.from_json(duck.to_json(), backend="spark", spark=spark)
    expected = duck.link_frame(left, right, threshold=0.5).sort_values(["left_id", "right_id"])
    # One prediction on Spark serves both checks (it is most of this test's time): `link` is
    # `link_frame` read into matches, with every score and match-weight column.
    found = on_spark.link(left, right, threshold=0.5)
    got = pd.DataFrame(
        [(m.left_id, m.right_id, m.score) for m in found], columns=["left_id", "right_id", "score"]
    ).sort_values(["left_id", "right_id"])
    assert len(expected) > 0.8 * len(truth)
    # Same pairs and the same scores, but for the odd pair whose Jaro-Winkler sits right at
    # a level's edge: Spark's similarity (Splink's jar) and DuckDB's differ in the last digits.
    merged = expected.merge(got, on=["left_id", "right_id"], how="outer", suffixes=("_d", "_s"))
    same = (merged["score_d"] - merged["score_s"]).abs() < 1e-9
    assert same.mean() >= 0.97
    # Explanations come from Splink's match-weight columns on Spark too.
    assert {c.feature for c in on_spark.explain(found[0])} == set(duck.comparisons)
    both = pa.concat_tables([left.slice(0, 150), right.slice(0, 150)])
    spark_clusters, duck_clusters = on_spark.dedupe(both).clusters, duck.dedupe(both).clusters
    assert spark_clusters.keys() == duck_clusters.keys()
    agree = sum(spark_clusters[k] == duck_clusters[k] for k in duck_clusters)
    assert agree >= 0.97 * len(duck_clusters)


def test_spark_trains_with_labels(spark: Any, sets: Any) -> None:
    left, right, truth = sets
    # Few EM iterations: each is a Spark job, and local mode on two cores is slow at it.
    engine = Engine(backend="spark", spark=spark, u_pairs=1e5, max_iterations=4)
    engine.train(left, right, labels=[(a, b, True) for a, b in sorted(truth)[:20]])
    found = {(m.left_id, m.right_id) for m in engine.link(left, right)}
    hits = len(found & truth)
    assert hits / len(found) >= 0.9 and hits / len(truth) >= 0.8
