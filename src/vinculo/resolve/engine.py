"""The matching engine: a Splink (Fellegi-Sunter) model over the flat feature records.

Records come from `vinculo.resolve.records` as a table of the columns in
`resolve.features.FEATURES`. The model's comparisons (resolve.comparisons) are custom SQL
levels built for those features, and its blocking rules (resolve.blocking) choose the pairs
it scores; both run inside DuckDB — or Spark, for deployments that outgrow one machine —
behind a small backend class (resolve.splink_backend).

    engine = Engine()
    engine.train(left, right, labels=[("mx-1", "us-7", True)])
    matches = engine.link(left, right)          # scores in [0, 1], at or above the threshold
    result = engine.dedupe(records)             # pairs and clusters
    engine.score_one(record, candidates)        # screening one entity against a set
    engine.explain(matches[0])                  # what agreed, what disagreed, by how much
    Engine.from_json(engine.to_json())          # a trained model is Splink settings JSON

The engine's thresholds default to the settings of files' resolution
(`files_match_threshold`, `files_review_threshold`); the store passes its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import pyarrow as pa

from vinculo.resolve.blocking import (
    DETERMINISTIC_RULES,
    blocking_recall,
    em_rules,
    prediction_rules,
    usable,
)
from vinculo.resolve.comparisons import active_comparisons, build_comparisons
from vinculo.resolve.features import (
    ID,
    LEFT,
    RIGHT,
    as_table,
    mixed_kinds,
    present_in_all,
    sample,
    varied,
)
from vinculo.resolve.pairs import (
    Dedupe,
    FeatureContribution,
    Match,
    apply_decisions,
    connected_components,
    contributions,
    matches,
)
from vinculo.resolve.splink_backend import Backend, SplinkBackend, make_backend
from vinculo.settings import default_of

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.splink_dataframe import SplinkDataFrame

Band = Literal["match", "uncertain", "non-match"]

MODEL_FORMAT = "vinculo-resolve-model"
# Trained on synthetic binational data (synthetic.train_default_model): for inputs too small
# to learn from.
DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
# Training reads a seeded sample of at most this many records a side: m and u are
# per-pair probabilities and the prior a ratio of pairs, so a sample estimates them as
# well, and EM on a million records' same-birth-date pairs would cost minutes.
TRAIN_SAMPLE = 250_000

log = logging.getLogger(__name__)


Step = Callable[[str], None]


def _nothing(step: str) -> None:
    return None


class Engine:
    """A trainable, serialisable matching model; DuckDB in process unless told Spark."""

    def __init__(
        self,
        *,
        backend: Backend = "duckdb",
        spark: Any = None,
        match_threshold: float | None = None,
        review_threshold: float | None = None,
        u_pairs: float = 1e6,
        max_iterations: int = 25,
        train_sample: int | None = TRAIN_SAMPLE,
        seed: int = 7,
        memory_limit: str | None = None,
        threads: int | None = None,
        on_step: Step | None = None,
    ) -> None:
        if match_threshold is None:
            match_threshold = float(default_of("files_match_threshold"))
        if review_threshold is None:
            review_threshold = float(default_of("files_review_threshold"))
        if not 0 <= review_threshold <= match_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 <= review <= match <= 1")
        self._backend: SplinkBackend = make_backend(
            backend, spark=spark, memory_limit=memory_limit, threads=threads
        )
        self.backend: Backend = self._backend.name
        self.match_threshold = match_threshold
        self.review_threshold = review_threshold
        self.u_pairs = u_pairs
        self.max_iterations = max_iterations
        self.train_sample = train_sample
        self.seed = seed
        self.on_step = on_step or _nothing
        self._trained: dict[str, Any] | None = None

    # --- persistence ----------------------------------------------------------------------

    @property
    def _model(self) -> dict[str, Any] | None:
        """The trained model: Splink's settings dict with m, u and the prior."""
        return self._trained

    @_model.setter
    def _model(self, model: dict[str, Any] | None) -> None:
        # What the backend prepared for the old model (screeners) must not score with it.
        self._trained = model
        self._backend.forget_model()

    @property
    def trained(self) -> bool:
        return self._model is not None

    @property
    def comparisons(self) -> tuple[str, ...]:
        if self._model is None:
            return ()
        return tuple(c["output_column_name"] for c in self._model["comparisons"])

    def to_json(self) -> str:
        """The trained model: Splink's settings JSON inside a small envelope of ours."""
        if self._model is None:
            raise RuntimeError("the engine is not trained")
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "version": 1,
                "match_threshold": self.match_threshold,
                "review_threshold": self.review_threshold,
                "splink_settings": self._model,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any], **options: Any) -> Engine:
        data = json.loads(text) if isinstance(text, str) else dict(text)
        if data.get("format") != MODEL_FORMAT or "splink_settings" not in data:
            raise ValueError("not a Vínculo resolution model")
        options.setdefault("match_threshold", data.get("match_threshold"))
        options.setdefault("review_threshold", data.get("review_threshold"))
        engine = cls(**options)
        engine._model = data["splink_settings"]
        return engine

    @classmethod
    def default(cls, **options: Any) -> Engine:
        """The model that ships with Vínculo, for data too small to train on."""
        return cls.from_json(DEFAULT_MODEL.read_text(encoding="utf-8"), **options)

    def use_model(self, other: Engine) -> None:
        """Score with another engine's trained model (thresholds and backend stay ours)."""
        self._model = other._require_model()

    # --- backends -------------------------------------------------------------------------

    def _input(self, table: pa.Table) -> Any:
        return self._backend.input(table)

    def _settings(
        self, link_type: str, comparisons: Sequence[str], rules: Sequence[str]
    ) -> dict[str, Any]:
        """Splink settings for this run: built from code, with the trained m and u."""
        from splink import SettingsCreator

        dialect = self.backend
        creator = SettingsCreator(
            link_type=link_type,  # type: ignore[arg-type]
            comparisons=build_comparisons(comparisons, dialect),  # type: ignore[arg-type]
            blocking_rules_to_generate_predictions=list(rules),  # type: ignore[arg-type]
            retain_matching_columns=True,
            retain_intermediate_calculation_columns=True,
            unique_id_column_name=ID,
            max_iterations=self.max_iterations,
        )
        settings = creator.create_settings_dict(dialect)
        if self._model is not None:
            trained = {c["output_column_name"]: c for c in self._model["comparisons"]}
            for comparison in settings["comparisons"]:
                known = trained.get(comparison["output_column_name"])
                if known is None:
                    continue
                # By each level's label, not its place: a model saved before a level was added
                # (or moved) keeps what it learnt of the others, and the new one starts from
                # Splink's defaults. Not by its SQL, which differs between DuckDB and Spark.
                learnt = {old.get("label_for_charts"): old for old in known["comparison_levels"]}
                for level in comparison["comparison_levels"]:
                    old = learnt.get(level.get("label_for_charts"), {})
                    for key in ("m_probability", "u_probability"):
                        if key in old:
                            level[key] = old[key]
            settings["probability_two_random_records_match"] = self._model[
                "probability_two_random_records_match"
            ]
        return settings

    def _linker(self, tables: list[pa.Table], link_type: str, settings: dict[str, Any]) -> Linker:
        return self._backend.linker(tables, link_type, settings)

    # --- training -------------------------------------------------------------------------

    def train(
        self,
        records: Any,
        right: Any = None,
        *,
        labels: Iterable[tuple[str, str, bool]] = (),
    ) -> Engine:
        """EM on the records (or the two sides of a link), then analysts' labels.

        Labels are (left_id, right_id, is_match): matches re-estimate the m probabilities
        from the pairs analysts confirmed (Splink's `estimate_m_from_pairwise_labels`);
        rejections are honoured as decisions when pairs are scored (`decisions=`).
        """
        tables = [as_table(records)] + ([as_table(right)] if right is not None else [])
        keep = {i for a, b, _ in labels for i in (a, b)}
        tables = [sample(t, self.train_sample, self.seed, keep) for t in tables]
        present = present_in_all(tables)
        kinds = mixed_kinds(tables)
        comparisons = active_comparisons(present & varied(tables))
        link_type = "link_only" if len(tables) == 2 else "dedupe_only"
        rules = prediction_rules(tables, present, kinds)
        self._model = None
        settings = self._settings(link_type, comparisons, rules)
        self.on_step("prepare")
        linker = self._linker(tables, link_type, settings)
        deterministic = usable(DETERMINISTIC_RULES, present, kinds)
        if deterministic:
            try:
                linker.training.estimate_probability_two_random_records_match(
                    deterministic,  # type: ignore[arg-type]
                    recall=0.7,
                )
            except ValueError:
                log.info("prior left at its default: the deterministic rules found too much")
        self.on_step("u")
        linker.training.estimate_u_using_random_sampling(max_pairs=self.u_pairs, seed=self.seed)
        for rule in em_rules(tables, present, kinds):
            self.on_step("em")
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True
                )
            except Exception as error:
                # Too few pairs under this rule to learn from (small files): the levels it
                # would have trained keep their defaults, the other passes still run.
                log.info("EM pass on %s skipped: %s", rule, error)
        confirmed = [(a, b) for a, b, is_match in labels if is_match]
        if confirmed:
            self.on_step("labels")
            self._train_from_labels(linker, confirmed, tables)
        self._model = linker.misc.save_model_to_json()
        return self

    def _train_from_labels(
        self, linker: Linker, confirmed: list[tuple[str, str]], tables: list[pa.Table]
    ) -> None:
        if len(tables) == 2:
            left_ids = set(tables[0].column(ID).to_pylist())
            rows = []
            for a, b in confirmed:
                la, rb = (LEFT, RIGHT) if a in left_ids else (RIGHT, LEFT)
                rows.append(
                    {
                        "source_dataset_l": la,
                        "unique_id_l": a,
                        "source_dataset_r": rb,
                        "unique_id_r": b,
                    }
                )
        else:
            rows = [
                {
                    "source_dataset_l": "__splink__input_table_0",
                    "unique_id_l": a,
                    "source_dataset_r": "__splink__input_table_0",
                    "unique_id_r": b,
                }
                for a, b in confirmed
            ]
        table = pa.Table.from_pylist(rows)
        labels_table = linker.table_management.register_labels_table(  # type: ignore[no-untyped-call]
            self._input(table), overwrite=True
        )
        linker.training.estimate_m_from_pairwise_labels(labels_table)  # type: ignore[no-untyped-call]

    # --- scoring --------------------------------------------------------------------------

    def floor_m_probabilities(self, floor: float) -> None:
        """Raise every level's m probability (its share of true pairs) to at least `floor`."""
        for comparison in self._require_model()["comparisons"]:
            for level in comparison["comparison_levels"]:
                m = level.get("m_probability")
                if m is not None and m < floor:
                    level["m_probability"] = floor

    def _require_model(self) -> dict[str, Any]:
        if self._model is None:
            raise RuntimeError("train the engine, or load a model, before scoring")
        return self._model

    def _run_settings(self, tables: list[pa.Table], link_type: str) -> dict[str, Any]:
        model = self._require_model()
        rules = prediction_rules(tables, present_in_all(tables), mixed_kinds(tables))
        trained = [c["output_column_name"] for c in model["comparisons"]]
        return self._settings(link_type, trained, rules)

    def _predict(self, linker: Linker, threshold: float) -> SplinkDataFrame:
        self.on_step("predict")
        return linker.inference.predict(threshold_match_probability=threshold)

    def _frame(
        self, linker: Linker, predictions: SplinkDataFrame, *, link: bool = False
    ) -> pd.DataFrame:
        return self._backend.frame(linker, predictions, self.comparisons, link=link)

    def link_frame(
        self,
        left: Any,
        right: Any,
        *,
        threshold: float | None = None,
        decisions: Iterable[tuple[str, str, bool]] = (),
    ) -> pd.DataFrame:
        """Scored pairs (left_id from `left`, right_id from `right`) as a DataFrame."""
        tables = [as_table(left), as_table(right)]
        settings = self._run_settings(tables, "link_only")
        linker = self._linker(tables, "link_only", settings)
        cut = self.match_threshold if threshold is None else threshold
        predictions = self._predict(linker, cut)
        frame = self._frame(linker, predictions, link=True)
        # Splink may put either source on the left; ours is always the left file.
        flip = frame.pop("left_source") == RIGHT
        if flip.any():
            frame.loc[flip, ["left_id", "right_id"]] = frame.loc[
                flip, ["right_id", "left_id"]
            ].to_numpy()
        frame = apply_decisions(frame, decisions)
        return frame[frame["score"] >= cut].sort_values("score", ascending=False, kind="stable")

    def link(
        self,
        left: Any,
        right: Any,
        *,
        threshold: float | None = None,
        decisions: Iterable[tuple[str, str, bool]] = (),
    ) -> list[Match]:
        """Pairs across the two sets scoring at or above the threshold (default: match)."""
        frame = self.link_frame(left, right, threshold=threshold, decisions=decisions)
        return matches(frame.reset_index(drop=True), self.comparisons)

    def dedupe(
        self,
        records: Any,
        *,
        threshold: float | None = None,
        decisions: Iterable[tuple[str, str, bool]] = (),
    ) -> Dedupe:
        """Pairs within one set at or above the review threshold, and clusters at `threshold`."""
        table = as_table(records)
        settings = self._run_settings([table], "dedupe_only")
        linker = self._linker([table], "dedupe_only", settings)
        cut = self.match_threshold if threshold is None else threshold
        predictions = self._predict(linker, min(cut, self.review_threshold))
        frame = apply_decisions(self._frame(linker, predictions), decisions)
        self.on_step("cluster")
        clusters = connected_components(table.column(ID).to_pylist(), frame[frame["score"] >= cut])
        return Dedupe(pairs=frame, clusters=clusters, comparisons=self.comparisons)

    def score_one(
        self,
        record: Mapping[str, Any],
        candidates: Any,
        *,
        threshold: float | None = None,
        limit: int | None = None,
    ) -> list[Match]:
        """One record against every candidate (no blocking), best first.

        Meant for screening against a set that fits one query (tens of thousands): every
        candidate is compared, so nothing is lost to blocking.
        """
        table = as_table(candidates)
        probe = as_table([dict(record)])
        if table.num_rows == 0:
            return []
        cut = self.review_threshold if threshold is None else threshold
        frame = self._backend.score_one(probe, table, self._screening_settings, self.comparisons)
        frame = frame[frame["score"] >= cut].sort_values("score", ascending=False, kind="stable")
        if limit is not None:
            frame = frame.head(limit)
        return matches(frame.reset_index(drop=True), self.comparisons)

    def score_pairs(
        self,
        probes: Any,
        candidates: Any,
        pairs: pa.Table,
        *,
        threshold: float | None = None,
    ) -> list[Match]:
        """Only the given pairs (`pairs`: probe_id, candidate_id) of probe and candidate
        records, in one pass; each scored as score_one scores it. Those at or above
        `threshold`, in no particular order."""
        cut = self.review_threshold if threshold is None else threshold
        table, probe = as_table(candidates), as_table(probes)
        if table.num_rows == 0 or probe.num_rows == 0 or pairs.num_rows == 0:
            return []
        frame = self._backend.score_pairs(
            probe, table, pairs, cut, self._screening_settings, self.comparisons
        )
        return matches(frame.reset_index(drop=True), self.comparisons)

    def _screening_settings(self) -> dict[str, Any]:
        """Settings to score one record against many: the model's comparisons, no blocking."""
        model = self._require_model()
        return self._settings(
            "dedupe_only", [c["output_column_name"] for c in model["comparisons"]], []
        )

    # --- explanation ----------------------------------------------------------------------

    def levels(self) -> dict[str, list[str]]:
        """Each comparison's level labels, indexed by Splink's comparison vector value."""
        model = self._require_model()
        out: dict[str, list[str]] = {}
        for comparison in model["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            # Splink numbers levels from the last (else = 0) up to the first.
            labels = [str(lv.get("label_for_charts", "")) for lv in reversed(levels)]
            out[comparison["output_column_name"]] = labels
        return out

    def explain(self, match: Match) -> list[FeatureContribution]:
        """What each comparison contributed to a match, strongest evidence first."""
        return contributions(match, self.levels())

    def band(self, score: float) -> Band:
        if score >= self.match_threshold:
            return "match"
        if score >= self.review_threshold:
            return "uncertain"
        return "non-match"

    # --- blocking recall ------------------------------------------------------------------

    def blocking_recall(
        self, left: Any, right: Any | None, truth: Iterable[tuple[str, str]]
    ) -> tuple[float, int]:
        """Share of true pairs that some blocking rule proposes, and how many pairs in all."""
        tables = [as_table(left)] + ([as_table(right)] if right is not None else [])
        rules = prediction_rules(tables, present_in_all(tables), mixed_kinds(tables))
        return blocking_recall(tables, rules, truth)
