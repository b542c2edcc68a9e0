"""Where Splink runs: DuckDB in process, or Spark for deployments that outgrow one machine.

The engine (resolve.engine) talks to one `SplinkBackend`: it makes Splink's database API and
the input tables, builds linkers, reads prediction tables back as pandas, and scores one
record against many. Everything that differs between DuckDB and Spark lives in the two
classes below; the comparisons name their few dialect-specific functions themselves
(resolve.comparisons).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import pandas as pd
import pyarrow as pa

from vinculo.resolve.features import ID, LEFT, RIGHT, as_table

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.splink_dataframe import SplinkDataFrame

Backend = Literal["duckdb", "spark"]
# Splink settings for scoring with the engine's model, made only when needed: making them
# costs settings validation and SQL parsing.
SettingsMaker = Callable[[], dict[str, Any]]
# Digests of the settings shapes Splink has validated in this process: see `linker`.
_VALIDATED_SHAPES: set[str] = set()


class SplinkBackend(ABC):
    """One place Splink runs; the engine holds one and never asks which it is."""

    name: ClassVar[Backend]

    @abstractmethod
    def db_api(self) -> Any:
        """A new Splink database API for one linker."""

    @abstractmethod
    def input(self, table: pa.Table) -> Any:
        """A feature table as this backend's Splink takes it."""

    @abstractmethod
    def score_one(
        self,
        probe: pa.Table,
        candidates: pa.Table,
        settings: SettingsMaker,
        comparisons: Sequence[str],
    ) -> pd.DataFrame:
        """Every candidate scored against the one probe record, as `frame` gives them."""

    def score_pairs(
        self,
        probes: pa.Table,
        candidates: pa.Table,
        pairs: pa.Table,
        threshold: float,
        settings: SettingsMaker,
        comparisons: Sequence[str],
    ) -> pd.DataFrame:
        """The (probe_id, candidate_id) pairs scored, each as score_one scores it; those at or
        above `threshold`. Here one probe at a time; DuckDB does all in one query."""
        import pyarrow.compute as pc

        frames = []
        for probe_id in pc.unique(pairs.column("probe_id")).to_pylist():
            mine = pairs.filter(pc.equal(pairs.column("probe_id"), probe_id))
            probe = probes.filter(pc.equal(probes.column(ID), probe_id))
            wanted = candidates.filter(pc.is_in(candidates.column(ID), mine.column("candidate_id")))
            frame = self.score_one(probe, wanted, settings, comparisons)
            frames.append(frame[frame["score"] >= threshold])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def forget_model(self) -> None:
        """The engine's model changed: drop whatever was prepared for the old one."""
        return None

    def linker(self, tables: list[pa.Table], link_type: str, settings: dict[str, Any]) -> Linker:
        """A Splink linker over the tables (two are the sides of a link)."""
        from splink import Linker

        memoize_column_parsing()
        inputs = [self.input(t) for t in tables]
        aliases = [LEFT, RIGHT][: len(inputs)] if len(inputs) > 1 else None
        # Our settings are built by code, not typed by a user, and Splink's validation only
        # logs what it finds (a quarter of a small run's time): each shape of comparisons
        # over each set of input columns is checked once per process (the shapes come from
        # this code and Splink's version, not from data). The blocking rules and trained
        # probabilities, which change from run to run, are left out of the shape.
        shape = {
            "link_type": settings.get("link_type"),
            "comparisons": [
                [level.get("sql_condition") for level in comparison["comparison_levels"]]
                for comparison in settings.get("comparisons", [])
            ],
            "columns": [t.column_names for t in tables],
        }
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
        linker = Linker(
            inputs if len(inputs) > 1 else inputs[0],
            settings,
            self.db_api(),
            set_up_basic_logging=False,
            input_table_aliases=aliases,
            validate_settings=digest not in _VALIDATED_SHAPES,
        )
        _VALIDATED_SHAPES.add(digest)
        return linker

    def frame(
        self,
        linker: Linker,
        predictions: SplinkDataFrame,
        comparisons: Sequence[str],
        *,
        link: bool = False,
    ) -> pd.DataFrame:
        """Scored pairs of a prediction: ids, score in [0, 1], weight, levels and factors."""
        columns = frame_columns(comparisons, link=link)
        sql = f"SELECT {', '.join(columns)} FROM {predictions.physical_name}"
        frame = linker.misc.query_sql(sql, output_type="pandas")  # type: ignore[no-untyped-call]
        assert isinstance(frame, pd.DataFrame)
        frame["score"] = frame["score"].clip(0.0, 1.0)
        return frame


@functools.cache
def memoize_column_parsing() -> None:
    """Let Splink parse each column name and each rule's SQL once per process.

    Splink 4 parses with sqlglot every time it builds a column reference (the name, and four
    fixed names to compare its shape with: splink.internals.input_column) and every time it
    asks which columns a comparison level or blocking rule uses (parse_sql): about 120,000
    parses of the same few hundred strings in one resolution run of the demo, over half its
    time. Both answers depend on the string and the dialect only: the column builder is a
    frozen dataclass, shared as it is; the column names are a new list for each caller.
    Where a newer Splink lacks either, it is left as it is.
    """
    try:
        from splink.internals import comparison_level, em_training_session, parse_sql
        from splink.internals import settings as splink_settings
        from splink.internals.input_column import SqlglotColumnTreeBuilder
    except ImportError:
        return
    _memoize_builder(SqlglotColumnTreeBuilder)
    columns_used = getattr(parse_sql, "get_columns_used_from_sql", None)
    if columns_used is None:
        return

    @functools.lru_cache(maxsize=65536)
    def columns_once(sql: str, dialect: str | None, prefix: bool) -> tuple[str, ...]:
        return tuple(columns_used(sql, dialect, retain_table_prefix=prefix))

    def columns(
        sql: str, sqlglot_dialect: str | None = None, retain_table_prefix: bool = False
    ) -> list[str]:
        return list(columns_once(sql, sqlglot_dialect, retain_table_prefix))

    for module in (parse_sql, comparison_level, splink_settings, em_training_session):
        if getattr(module, "get_columns_used_from_sql", None) is columns_used:
            module.get_columns_used_from_sql = columns  # type: ignore[attr-defined]


def _memoize_builder(builder: type[Any]) -> None:
    parse = getattr(builder, "from_raw_column_name_or_column_reference", None)
    if parse is None:
        return

    @functools.lru_cache(maxsize=65536)
    def parsed_once(input_str: str, sqlglot_dialect: str | None) -> Any:
        return parse(input_str, sqlglot_dialect)

    def from_raw(cls: type[Any], input_str: str, sqlglot_dialect: str | None) -> Any:
        if cls is not builder:
            return parse.__func__(cls, input_str, sqlglot_dialect)
        return parsed_once(input_str, sqlglot_dialect)

    builder.from_raw_column_name_or_column_reference = classmethod(from_raw)


def make_backend(
    name: str, *, spark: Any = None, memory_limit: str | None = None, threads: int | None = None
) -> SplinkBackend:
    """The backend called `name`: duckdb (with its limits) or spark (on `spark`, or local)."""
    if name == "duckdb":
        return DuckDBBackend(memory_limit=memory_limit, threads=threads)
    if name == "spark":
        return SparkBackend(spark)
    raise ValueError(f"unknown backend {name!r}")


class DuckDBBackend(SplinkBackend):
    """DuckDB in process: a connection per linker, screeners kept for repeated screening."""

    name = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        # Idle screeners for score_one; see _screener.
        self.screeners: queue.SimpleQueue[Screener] = queue.SimpleQueue()

    def db_api(self) -> Any:
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect(":memory:")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        if self.memory_limit:
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/vinculo-duckdb-{os.getpid()}'")
        return DuckDBAPI(connection=con)

    def input(self, table: pa.Table) -> Any:
        return table

    def score_one(
        self,
        probe: pa.Table,
        candidates: pa.Table,
        settings: SettingsMaker,
        comparisons: Sequence[str],
    ) -> pd.DataFrame:
        with self._screener(settings, comparisons) as screener:
            return screener.score(probe, candidates)

    def score_pairs(
        self,
        probes: pa.Table,
        candidates: pa.Table,
        pairs: pa.Table,
        threshold: float,
        settings: SettingsMaker,
        comparisons: Sequence[str],
    ) -> pd.DataFrame:
        with self._screener(settings, comparisons) as screener:
            return screener.score_pairs(probes, candidates, pairs, threshold)

    def forget_model(self) -> None:
        self.screeners = queue.SimpleQueue()

    @contextmanager
    def _screener(self, settings: SettingsMaker, comparisons: Sequence[str]) -> Iterator[Screener]:
        """A screener of the engine's model, lent to one caller at a time.

        A DuckDB connection must not serve two threads at once, so each screener is used by
        one caller and returned to the pool afterwards: there are never more than the calls
        at a time, and a busy server does not wait on a lock. The pool belongs to the
        engine's backend and is emptied when the model changes, so another model gets new
        screeners.
        """
        pool = self.screeners
        try:
            screener = pool.get_nowait()
        except queue.Empty:
            linker = self.linker([as_table([])], "dedupe_only", settings())
            screener = Screener(linker, comparisons)
        try:
            yield screener
        finally:
            pool.put(screener)


class SparkBackend(SplinkBackend):
    """Spark with Splink's similarity functions; a local session unless one is given."""

    name = "spark"

    def __init__(self, spark: Any = None) -> None:
        self._spark = spark

    @property
    def spark(self) -> Any:
        if self._spark is None:
            self._spark = local_spark()
        return self._spark

    def db_api(self) -> Any:
        from splink import SparkAPI

        spark = self.spark
        for name in (LEFT, RIGHT):
            # Splink registers the inputs as temporary views; a second run on the same
            # session must not find the first one's.
            spark.catalog.dropTempView(name)
        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark,
            break_lineage_method="persist",
            num_partitions_on_repartition=2,
        )

    def input(self, table: pa.Table) -> Any:
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType(), True) for c in table.column_names])
        return self.spark.createDataFrame(table.to_pylist(), schema=schema)

    def score_one(
        self,
        probe: pa.Table,
        candidates: pa.Table,
        settings: SettingsMaker,
        comparisons: Sequence[str],
    ) -> pd.DataFrame:
        linker = self.linker([candidates], "dedupe_only", settings())
        scored = linker.inference.compare_two_records(self.input(probe), self.input(candidates))
        return self.frame(linker, scored, comparisons)


def frame_columns(comparisons: Sequence[str], *, link: bool = False) -> list[str]:
    columns = ["unique_id_l AS left_id", "unique_id_r AS right_id"]
    if link:
        columns.append("source_dataset_l AS left_source")
    columns += ["match_probability AS score", "match_weight AS weight"]
    for comparison in comparisons:
        columns += [f"gamma_{comparison}", f"bf_{comparison}"]
    return columns


class Screener:
    """Splink's compare_two_records on DuckDB, with its SQL generated once.

    compare_two_records builds its SQL anew on every call — sqlglot parses every comparison
    level several times — and a Linker costs settings validation and more parsing before
    that: together about two thirds of a screening request's time on the server. Nothing in
    that SQL depends on the records compared (our models have no term-frequency tables),
    only on the settings, so it is made here once, by Splink's own functions in the order
    compare_two_records calls them (splink.internals.linker_components.inference, Splink
    4.0), with the two inputs under fixed names; each call registers the probe and the
    candidates under those names and runs it. The scores are the same: a test compares them
    with compare_two_records' own.
    """

    PROBE = "__vinculo_screen_probe"
    CANDIDATES = "__vinculo_screen_candidates"
    PAIRS = "__vinculo_screen_pairs"

    def __init__(self, linker: Linker, comparisons: Sequence[str]) -> None:
        from splink.internals.find_matches_to_new_records import (
            add_unique_id_and_source_dataset_cols_if_needed,
        )
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
        from splink.internals.term_frequencies import _join_new_table_to_df_concat_with_tf_sql

        self._con = cast(Any, linker._db_api)._con  # DuckDBAPI keeps its connection there
        settings = linker._settings_obj
        empty = as_table([])
        inputs = []
        for side, name in (("left", self.PROBE), ("right", self.CANDIDATES)):
            frame = linker.table_management.register_table(empty, name, overwrite=True)
            frame.templated_name = f"__splink__compare_two_records_{side}"
            inputs.append(frame)
        pipeline = CTEPipeline(inputs)
        for side, frame in (("left", inputs[0]), ("right", inputs[1])):
            table = f"__splink__compare_two_records_{side}"
            pipeline.enqueue_sql(
                _join_new_table_to_df_concat_with_tf_sql(linker, table, frame), f"{table}_with_tf"
            )
            pipeline = add_unique_id_and_source_dataset_cols_if_needed(
                linker,
                frame,
                pipeline,
                in_tablename=f"{table}_with_tf",
                out_tablename=f"{table}_with_tf_uid_fix",
                uid_str=f"_{side}",
            )
        blocked = f"select {', '.join(settings._columns_to_select_for_blocking)}, 0 as match_key "
        uid = settings.column_info_settings.unique_id_column_name
        # Every probe against every candidate (score), or only the pairs given (score_pairs).
        joins = {
            "cross": "from __splink__compare_two_records_left_with_tf_uid_fix as l "
            "cross join __splink__compare_two_records_right_with_tf_uid_fix as r",
            "pairs": "from __splink__compare_two_records_left_with_tf_uid_fix as l "
            f"join {self.PAIRS} as p on l.{uid} = p.probe_id "
            f"join __splink__compare_two_records_right_with_tf_uid_fix as r "
            f"on r.{uid} = p.candidate_id",
        }
        columns = ", ".join(frame_columns(comparisons))
        made: dict[str, str] = {}
        for kind, join in joins.items():
            each = CTEPipeline(list(pipeline.input_dataframes))
            each.queue = list(pipeline.queue)
            each.enqueue_sql(blocked + join, "__splink__compare_two_records_blocked")
            each.enqueue_sql(
                f"select {', '.join(settings._columns_to_select_for_comparison_vector_values)} "
                "from __splink__compare_two_records_blocked",
                "__splink__df_comparison_vectors",
            )
            each.enqueue_list_of_sqls(
                predict_from_comparison_vectors_sqls_using_settings(
                    settings, sql_infinity_expression=linker._infinity_expression
                )
            )
            made[kind] = f"SELECT {columns} FROM ({each.generate_cte_pipeline_sql()})"
        self._sql, self._pairs_sql = made["cross"], made["pairs"]

    def score(self, probe: pa.Table, candidates: pa.Table) -> pd.DataFrame:
        """Every candidate scored against the probe, as SplinkBackend.frame gives them."""
        self._con.register(self.PROBE, probe)
        self._con.register(self.CANDIDATES, candidates)
        try:
            frame = self._con.execute(self._sql).df()
        finally:
            # The connection outlives the call: it must not keep the records.
            self._con.register(self.PROBE, as_table([]))
            self._con.register(self.CANDIDATES, as_table([]))
        frame["score"] = frame["score"].clip(0.0, 1.0)
        return frame

    def score_pairs(
        self, probes: pa.Table, candidates: pa.Table, pairs: pa.Table, threshold: float
    ) -> pd.DataFrame:
        """The given (probe_id, candidate_id) pairs scored in one query, each as `score`
        scores it; only those at or above `threshold` come back."""
        self._con.register(self.PROBE, probes)
        self._con.register(self.CANDIDATES, candidates)
        self._con.register(self.PAIRS, pairs)
        try:
            frame = self._con.execute(
                f"SELECT * FROM ({self._pairs_sql}) WHERE greatest(least(score, 1.0), 0.0) >= ?",
                [threshold],
            ).df()
        finally:
            self._con.register(self.PROBE, as_table([]))
            self._con.register(self.CANDIDATES, as_table([]))
            self._con.unregister(self.PAIRS)
        frame["score"] = frame["score"].clip(0.0, 1.0)
        return frame


def local_spark(**config: str) -> Any:
    """A local-mode Spark session with Splink's similarity functions, no network needed;
    `config` adds or overrides Spark settings (before the Java runtime starts)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.master("local[2]")
        .appName("vinculo-resolve")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "2")
        # Blocking rules' joins broadcast a side by default; in one local driver with its
        # default heap that failed for lack of memory once the rules grew: joins shuffle.
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "false")
    )
    for key, value in config.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="vinculo-spark-"))
    return spark
