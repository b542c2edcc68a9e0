"""The matching engine: a Splink (Fellegi-Sunter) model over the flat feature records.

Records come from `vinculo.resolve.records` as a table of the columns in `FEATURES`. The
comparisons are custom SQL levels built for those features (nicknames, the two Spanish
surnames and how U.S. records rearrange them, day/month swaps, CURP and the other
identifiers), so they run inside DuckDB — or Spark, for deployments that outgrow one
machine — without Python UDFs.

    engine = Engine()
    engine.train(left, right, labels=[("mx-1", "us-7", True)])
    matches = engine.link(left, right)          # scores in [0, 1], at or above the threshold
    result = engine.dedupe(records)             # pairs and clusters
    engine.score_one(record, candidates)        # screening one entity against a set
    engine.explain(matches[0])                  # what agreed, what disagreed, by how much
    Engine.from_json(engine.to_json())          # a trained model is Splink settings JSON

A comparison is only part of the model when both sides have data for it, so a model trained
on data without CURPs has no CURP comparison (and costs nothing for it).
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.comparison_creator import ComparisonCreator
    from splink.internals.splink_dataframe import SplinkDataFrame

Backend = Literal["duckdb", "spark"]
Outcome = Literal["agreed", "partial", "disagreed", "unknown"]
Band = Literal["match", "uncertain", "non-match"]

# At or above: a match (what `vinculo resolve link` writes and `dedupe` clusters on).
MATCH_THRESHOLD = 0.9
# From here up to the match threshold: uncertain, for an analyst to review.
REVIEW_THRESHOLD = 0.5
MODEL_FORMAT = "vinculo-resolve-model"
# Trained on synthetic binational data (synthetic.train_default_model): for inputs too small
# to learn from.
DEFAULT_MODEL = Path(__file__).with_name("default_model.json")

# The flat feature record (see resolve.records). All text; missing is null.
FEATURES: tuple[str, ...] = (
    "kind",  # person or organisation: records of different kinds are never paired
    "name",  # folded full name, for people reading the output
    "g1",  # first given name, folded
    "g2",  # further given names, folded
    "gi",  # given-name initials
    "gk1",  # the first given name and two of its keys (nicknames, cognates: Pepe -> jose)
    "gk2",
    "gk3",
    "gks",  # every key of every given name, "|jose|joseph|luis|"
    "gc",  # one canonical key of the first given name, for blocking (Pepe, Joe -> jose)
    "sp",  # paternal surname (particles kept: "de la cruz")
    "sm",  # maternal surname
    "sg",  # every surname glued together: "garcialopez" for García López or Garcia-Lopez
    "sp_ph",  # phonetic key of the paternal surname
    "sm_ph",  # phonetic key of the maternal surname
    "dob",  # birth date YYYY-MM-DD
    "dob_alt",  # the other reading when day and month could be swapped
    "by",  # birth year
    "curp",  # valid CURPs only; an invalid one is kept in the record's flags, not here
    "rfc",
    "ssn",
    "passport",
    "idn",  # any other identity number
    "ph1",  # phones in E.164
    "ph2",
    "email",
    "sex",
    "nat",
    "country",
    "city",
    "postcode",
    "street",
    "stno",
    "plate",
)
ID = "unique_id"
# Splink's names for the two sides of a link.
LEFT, RIGHT = "left_set", "right_set"

# Each comparison and the column whose presence on both sides makes it worth modelling.
COMPARISON_COLUMNS: dict[str, str] = {
    "given_name": "g1",
    "surnames": "sp",
    "birth_date": "dob",
    "curp": "curp",
    "rfc": "rfc",
    "ssn": "ssn",
    "passport": "passport",
    "id_number": "idn",
    "phone": "ph1",
    "email": "email",
    "sex": "sex",
    "nationality": "nat",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
    "plate": "plate",
}

# Candidate pairs: a pair is scored when any rule holds (the kind always has to agree).
# Each rule names the columns it needs; rules on empty columns are dropped.
BLOCKING_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("l.curp = r.curp", ("curp",)),
    ("l.ssn = r.ssn", ("ssn",)),
    ("l.passport = r.passport", ("passport",)),
    ("l.idn = r.idn", ("idn",)),
    ("l.rfc = r.rfc", ("rfc",)),
    ("l.ph1 = r.ph1", ("ph1",)),
    ("l.email = r.email", ("email",)),
    ("l.plate = r.plate", ("plate",)),
    ("l.sp_ph = r.sp_ph and l.by = r.by and l.gc = r.gc", ("sp_ph", "by", "gc")),
    ("l.gc = r.gc and l.dob = r.dob", ("gc", "dob")),
    ("l.sp_ph = r.sp_ph and l.dob = r.dob", ("sp_ph", "dob")),
    ("l.sp_ph = r.sp_ph and l.dob = r.dob_alt", ("sp_ph", "dob_alt")),
    ("l.sp = r.sp and l.g1 = r.g1", ("sp", "g1")),
    # U.S. records that kept the maternal surname as the last name, or the two glued.
    ("l.sm_ph = r.sp_ph and l.by = r.by", ("sm_ph", "sp_ph", "by")),
    ("l.sp_ph = r.sm_ph and l.by = r.by", ("sm_ph", "sp_ph", "by")),
    ("l.sg = r.sg and l.gc = r.gc", ("sg", "gc")),
    ("l.sm_ph = r.sp_ph and l.gc = r.gc", ("sm_ph", "sp_ph", "gc")),
    ("l.sp_ph = r.sm_ph and l.gc = r.gc", ("sm_ph", "sp_ph", "gc")),
    ("l.sm_ph = r.sm_ph and l.gc = r.gc", ("sm_ph", "gc")),
    # The second given name used alone.
    ("l.g2 = r.g1 and l.sp_ph = r.sp_ph", ("g2", "g1", "sp_ph")),
    ("l.g1 = r.g2 and l.sp_ph = r.sp_ph", ("g2", "g1", "sp_ph")),
    # A typo in the given name and the birth date a little off.
    (
        "l.sp_ph = r.sp_ph and l.by = r.by and substr(l.g1, 1, 1) = substr(r.g1, 1, 1)",
        ("sp_ph", "by", "g1"),
    ),
    (
        "l.sp_ph = r.sp_ph and substr(l.dob, 6, 5) = substr(r.dob, 6, 5) "
        "and substr(l.g1, 1, 1) = substr(r.g1, 1, 1)",
        ("sp_ph", "dob", "g1"),
    ),
    # Given name and surname written the other way round.
    ("l.g1 = r.sp and l.sp = r.g1", ("g1", "sp")),
    # Where people live, with one more thing that agrees.
    ("l.dob = r.dob and l.postcode = r.postcode", ("dob", "postcode")),
    ("l.dob = r.dob and l.city = r.city", ("dob", "city")),
    ("l.gc = r.gc and l.postcode = r.postcode", ("gc", "postcode")),
    ("l.sp_ph = r.sp_ph and l.postcode = r.postcode", ("sp_ph", "postcode")),
    ("l.postcode = r.postcode and l.street = r.street", ("postcode", "street")),
    ("l.postcode = r.postcode and l.stno = r.stno", ("postcode", "stno")),
    ("l.street = r.street and l.stno = r.stno", ("street", "stno")),
)

# EM passes: each trains every comparison but the ones its rule fixes.
# Each pass is the first of its alternatives whose pairs fit the EM budget.
EM_RULES: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = (
    (("l.dob = r.dob", ("dob",)), ("l.dob = r.dob and l.sex = r.sex", ("dob", "sex"))),
    (
        ("l.sp = r.sp and l.g1 = r.g1", ("sp", "g1")),
        ("l.sg = r.sg and l.g1 = r.g1", ("sg", "g1")),
    ),
)
# A prediction rule is kept while it proposes at most this many pairs per record (and at
# least a floor): on small sets every rule runs, on a million records the broad ones give
# way, and blocking recall is measured on the bench sets (bench/er.py).
PAIRS_PER_RECORD = 2
EM_PAIRS_PER_RECORD = 30
PAIRS_FLOOR = 250_000
# Training reads a seeded sample of at most this many records a side: m and u are
# per-pair probabilities and the prior a ratio of pairs, so a sample estimates them as
# well, and EM on a million records' same-birth-date pairs would cost minutes.
TRAIN_SAMPLE = 250_000
# Rules meant to admit almost no false pairs, for the prior.
DETERMINISTIC_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("l.curp = r.curp", ("curp",)),
    ("l.ssn = r.ssn", ("ssn",)),
    ("l.g1 = r.g1 and l.sp = r.sp and l.dob = r.dob", ("g1", "sp", "dob")),
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureContribution:
    """One comparison's part in a score: which level it fell in and how much that weighs."""

    feature: str
    level: str
    outcome: Outcome
    bayes_factor: float
    weight: float  # log2 of the Bayes factor: the match-weight points it adds

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "level": self.level,
            "outcome": self.outcome,
            "bayes_factor": self.bayes_factor,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Match:
    """Two records the model scored; `score` is Splink's match probability in [0, 1]."""

    left_id: str
    right_id: str
    score: float
    weight: float
    levels: Mapping[str, int] = field(default_factory=dict)
    factors: Mapping[str, float] = field(default_factory=dict)


@dataclass
class Dedupe:
    """Scored pairs (at or above the review threshold) and a cluster id for every record."""

    pairs: pd.DataFrame
    clusters: dict[str, str]
    comparisons: tuple[str, ...] = ()

    @property
    def matches(self) -> list[Match]:
        return _matches(self.pairs, self.comparisons)


Step = Callable[[str], None]


def _nothing(step: str) -> None:
    return None


# --- comparisons ------------------------------------------------------------------------


class _Sql:
    """The few functions whose names differ between DuckDB and Spark (with Splink's jar)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def jw(self, a: str, b: str) -> str:
        name = "jaro_winkler_similarity" if self.dialect == "duckdb" else "jaro_winkler"
        return f"{name}({a}, {b})"

    def dl(self, a: str, b: str) -> str:
        return f"damerau_levenshtein({a}, {b})"


def _level(sql: str, label: str) -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts=label)


def _null(sql: str, label: str = "missing on one side") -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts=label).configure(is_null_level=True)


def _else() -> Any:
    import splink.comparison_level_library as cll

    return cll.ElseLevel()


def _custom(name: str, levels: list[Any], description: str) -> ComparisonCreator:
    import splink.comparison_library as cl

    return cl.CustomComparison(
        comparison_levels=levels, output_column_name=name, comparison_description=description
    )


def _exact_id(name: str, column: str, label: str, typo: bool) -> ComparisonCreator:
    sql = _Sql("duckdb")
    levels = [
        _null(f"{column}_l IS NULL OR {column}_r IS NULL"),
        _level(f"{column}_l = {column}_r", f"{label} agrees"),
    ]
    if typo:
        levels.append(
            _level(sql.dl(f"{column}_l", f"{column}_r") + " <= 1", f"{label} one typo apart")
        )
    levels.append(_else())
    return _custom(name, levels, label)


def build_comparisons(active: Iterable[str], dialect: str = "duckdb") -> list[ComparisonCreator]:
    """The comparisons for the named features, in a fixed order, for a SQL dialect."""
    sql = _Sql(dialect)
    jw, dl = sql.jw, sql.dl
    wanted = set(active)
    made: list[ComparisonCreator] = []
    shared_key = " OR ".join(
        f"instr(gks_{a}, concat('|', gk{k}_{b}, '|')) > 0"
        for a, b in (("l", "r"), ("r", "l"))
        for k in (1, 2, 3)
    )
    if "given_name" in wanted:
        made.append(
            _custom(
                "given_name",
                [
                    _null("g1_l IS NULL OR g1_r IS NULL"),
                    _level(
                        "g1_l = g1_r AND coalesce(g2_l, '') = coalesce(g2_r, '')",
                        "all given names agree",
                    ),
                    _level("g1_l = g1_r", "first given name agrees"),
                    _level(shared_key, "a given name or its nickname agrees"),
                    _level(jw("g1_l", "g1_r") + " >= 0.92", "first given names alike (JW ≥ 0.92)"),
                    _level(
                        "(length(g1_l) = 1 OR length(g1_r) = 1) "
                        "AND substr(g1_l, 1, 1) = substr(g1_r, 1, 1)",
                        "initial agrees",
                    ),
                    _level(jw("g1_l", "g1_r") + " >= 0.8", "first given names similar (JW ≥ 0.8)"),
                    _level(
                        f"{jw('g1_l', 'sp_r')} >= 0.92 OR {jw('sp_l', 'g1_r')} >= 0.92",
                        "given name and surname swapped",
                    ),
                    _else(),
                ],
                "Given names, with nicknames and initials",
            )
        )
    if "surnames" in wanted:
        made.append(
            _custom(
                "surnames",
                [
                    _null("sp_l IS NULL OR sp_r IS NULL"),
                    _level("sp_l = sp_r AND sm_l = sm_r", "both surnames agree"),
                    _level(
                        "sp_l = sp_r AND (sm_l IS NULL OR sm_r IS NULL)",
                        "paternal surname agrees, maternal missing on one side",
                    ),
                    _level("sp_l = sp_r", "paternal surname agrees, maternal differs"),
                    _level(
                        "sg_l = sg_r OR sp_l = sm_r OR sm_l = sp_r",
                        "surnames rearranged: maternal as last name, glued or hyphenated",
                    ),
                    _level(
                        "sp_ph_l = sp_ph_r OR sp_ph_l = sm_ph_r OR sm_ph_l = sp_ph_r",
                        "a surname sounds alike",
                    ),
                    _level(
                        f"{jw('sp_l', 'sp_r')} >= 0.92 OR {jw('sg_l', 'sg_r')} >= 0.92",
                        "paternal surnames alike (JW ≥ 0.92)",
                    ),
                    _level(jw("sp_l", "sp_r") + " >= 0.8", "paternal surnames similar (JW ≥ 0.8)"),
                    _level(
                        f"{jw('g1_l', 'sp_r')} >= 0.92 OR {jw('sp_l', 'g1_r')} >= 0.92",
                        "given name and surname swapped",
                    ),
                    _else(),
                ],
                "Paternal and maternal surnames, with the U.S. rearrangements",
            )
        )
    if "birth_date" in wanted:
        year_l = "cast(substr(dob_l, 1, 4) AS INT)"
        year_r = "cast(substr(dob_r, 1, 4) AS INT)"
        made.append(
            _custom(
                "birth_date",
                [
                    _null("dob_l IS NULL OR dob_r IS NULL"),
                    _level("dob_l = dob_r", "birth date agrees"),
                    _level("dob_l = dob_alt_r OR dob_alt_l = dob_r", "day and month swapped"),
                    _level(
                        "substr(dob_l, 6, 5) = substr(dob_r, 6, 5) "
                        f"AND abs({year_l} - {year_r}) = 1",
                        "year off by one",
                    ),
                    _level(dl("dob_l", "dob_r") + " <= 1", "one digit differs"),
                    _level("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)", "year and month agree"),
                    _level(f"abs({year_l} - {year_r}) <= 2", "within two years"),
                    _else(),
                ],
                "Birth date: exact, day/month swap, year off by one, partial",
            )
        )
    if "curp" in wanted:
        made.append(
            _custom(
                "curp",
                [
                    _null("curp_l IS NULL OR curp_r IS NULL", "missing or invalid on one side"),
                    _level("curp_l = curp_r", "CURP agrees"),
                    _level(
                        "substr(curp_l, 1, 16) = substr(curp_r, 1, 16)",
                        "CURP agrees but for the homoclave",
                    ),
                    _else(),
                ],
                "CURP (valid ones only)",
            )
        )
    if "rfc" in wanted:
        made.append(
            _custom(
                "rfc",
                [
                    _null("rfc_l IS NULL OR rfc_r IS NULL", "missing or invalid on one side"),
                    _level("rfc_l = rfc_r", "RFC agrees"),
                    _level(
                        "substr(rfc_l, 1, 10) = substr(rfc_r, 1, 10)",
                        "RFC agrees but for the homoclave",
                    ),
                    _else(),
                ],
                "RFC (valid ones only)",
            )
        )
    if "ssn" in wanted:
        made.append(_exact_id("ssn", "ssn", "SSN", typo=True))
    if "passport" in wanted:
        made.append(_exact_id("passport", "passport", "passport number", typo=False))
    if "id_number" in wanted:
        made.append(
            _custom(
                "id_number",
                [
                    _null("idn_l IS NULL OR idn_r IS NULL"),
                    _level("idn_l = idn_r", "identity number agrees"),
                    _level(dl("idn_l", "idn_r") + " <= 1", "identity number one typo apart"),
                    _level(dl("idn_l", "idn_r") + " <= 2", "identity number two typos apart"),
                    _else(),
                ],
                "Other identity numbers",
            )
        )
    if "phone" in wanted:
        made.append(
            _custom(
                "phone",
                [
                    _null("ph1_l IS NULL OR ph1_r IS NULL"),
                    _level(
                        "ph1_l = ph1_r OR ph1_l = ph2_r OR ph2_l = ph1_r OR ph2_l = ph2_r",
                        "a phone number agrees",
                    ),
                    _level(
                        "substr(ph1_l, length(ph1_l) - 6, 7) = substr(ph1_r, length(ph1_r) - 6, 7)",
                        "last seven digits agree",
                    ),
                    _else(),
                ],
                "Phone numbers (E.164)",
            )
        )
    if "email" in wanted:
        made.append(_exact_id("email", "email", "e-mail", typo=False))
    if "sex" in wanted:
        made.append(_exact_id("sex", "sex", "sex", typo=False))
    if "nationality" in wanted:
        made.append(_exact_id("nationality", "nat", "nationality", typo=False))
    if "street" in wanted:
        made.append(
            _custom(
                "street",
                [
                    _null("street_l IS NULL OR street_r IS NULL"),
                    _level("street_l = street_r AND stno_l = stno_r", "street and number agree"),
                    _level(
                        jw("street_l", "street_r") + " >= 0.9 AND stno_l = stno_r",
                        "street alike, number agrees",
                    ),
                    _level("street_l = street_r", "street agrees"),
                    _level(jw("street_l", "street_r") + " >= 0.9", "street alike"),
                    _else(),
                ],
                "Street address",
            )
        )
    if "postcode" in wanted:
        made.append(
            _custom(
                "postcode",
                [
                    _null("postcode_l IS NULL OR postcode_r IS NULL"),
                    _level("postcode_l = postcode_r", "postcode agrees"),
                    _level(dl("postcode_l", "postcode_r") + " <= 1", "postcode one typo apart"),
                    _else(),
                ],
                "Postcode",
            )
        )
    if "city" in wanted:
        made.append(
            _custom(
                "city",
                [
                    _null("city_l IS NULL OR city_r IS NULL"),
                    _level("city_l = city_r", "city agrees"),
                    _level(jw("city_l", "city_r") + " >= 0.9", "city alike"),
                    _else(),
                ],
                "City",
            )
        )
    if "plate" in wanted:
        made.append(_exact_id("plate", "plate", "licence plate", typo=False))
    return made


# --- the engine ---------------------------------------------------------------------------


def as_table(records: Any) -> pa.Table:
    """Feature records (a pyarrow Table, a pandas DataFrame or dicts) as a pyarrow Table."""
    if isinstance(records, pa.Table):
        table = records
    elif isinstance(records, pd.DataFrame):
        table = pa.Table.from_pandas(records, preserve_index=False)
    else:
        rows = list(records)
        table = pa.Table.from_pylist(rows) if rows else pa.table({ID: pa.array([], pa.string())})
    missing = [c for c in (ID, *FEATURES) if c not in table.column_names]
    for column in missing:
        table = table.append_column(column, pa.nulls(table.num_rows, pa.string()))
    columns = []
    for column in (ID, *FEATURES):
        values = table.column(column)
        if values.type != pa.string():
            values = values.cast(pa.string())
        columns.append(values)
    return pa.table(columns, names=[ID, *FEATURES])


def _present(table: pa.Table) -> set[str]:
    return {c for c in FEATURES if table.column(c).null_count < table.num_rows}


def _varied(tables: list[pa.Table]) -> set[str]:
    """Columns with at least two distinct values over the tables: one value tells nothing."""
    import pyarrow.compute as pc

    out = set()
    for column in FEATURES:
        values = pa.chunked_array(
            [chunk for t in tables for chunk in t.column(column).chunks], type=pa.string()
        )
        if pc.count_distinct(values).as_py() >= 2:
            out.add(column)
    return out


def _sides(rule: str) -> tuple[list[str], list[str]]:
    """The left and right key expressions of a conjunction of equalities."""
    left, right = [], []
    for part in rule.split(" and "):
        a, b = (x.strip() for x in part.split(" = "))
        left.append(a.replace("l.", "t.").replace("r.", "t."))
        right.append(b.replace("l.", "t.").replace("r.", "t."))
    return left, right


_COUNTS: dict[tuple[int, ...], int] = {}


def count_pairs(tables: list[pa.Table], rule: str, con: Any = None) -> int:
    """How many pairs an equality blocking rule proposes, counted from key groups."""
    import duckdb

    edges = [t.column(ID)[i].as_py() for t in tables if t.num_rows for i in (0, -1)]
    key = (*(id(t) for t in tables), *(t.num_rows for t in tables), hash((rule, *edges)))
    if key in _COUNTS:
        return _COUNTS[key]
    if con is None:
        con = duckdb.connect(":memory:")
        con.execute("SET enable_progress_bar = false")
    con.register("l_in", tables[0])
    con.register("r_in", tables[-1])
    left, right = _sides(rule)
    keys = [f"k{i}" for i in range(len(left))]

    def grouped(table: str, exprs: list[str]) -> str:
        select = ", ".join(f"{e} AS {k}" for e, k in zip(exprs, keys, strict=True))
        where = " AND ".join(f"{e} IS NOT NULL" for e in exprs)
        group = ", ".join(keys)
        return f"SELECT {select}, count(*) AS n FROM {table} t WHERE {where} GROUP BY {group}"

    if len(tables) == 1 and left == right:
        sql = f"SELECT sum(n * (n - 1) / 2) FROM ({grouped('l_in', left)})"
    else:
        sql = (
            f"SELECT sum(a.n * b.n) FROM ({grouped('l_in', left)}) a "
            f"JOIN ({grouped('r_in', right)}) b USING ({', '.join(keys)})"
        )
        if len(tables) == 1:
            # An asymmetric rule within one set proposes each pair from both ends.
            sql = f"SELECT sum(x) / 2 FROM ({sql.replace('sum(a.n * b.n)', 'a.n * b.n AS x')})"
    found = int(con.execute(sql).fetchall()[0][0] or 0)
    if len(_COUNTS) > 4096:
        _COUNTS.clear()
    _COUNTS[key] = found
    return found


def _budgeted(
    tables: list[pa.Table],
    rules: Sequence[tuple[str, tuple[str, ...]]],
    present: set[str],
    per_record: int,
) -> list[str]:
    import duckdb

    budget = max(PAIRS_FLOOR, per_record * sum(t.num_rows for t in tables))
    kept = []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    for sql, needs in rules:
        if not set(needs) <= present:
            continue
        pairs = count_pairs(tables, sql, con)
        if pairs <= budget:
            kept.append(sql)
        else:
            log.info(
                "blocking rule %s left out: %s pairs over the budget of %s", sql, pairs, budget
            )
    return kept


def _active_comparisons(present: set[str]) -> list[str]:
    return [name for name, column in COMPARISON_COLUMNS.items() if column in present]


def _rules(
    rules: Iterable[tuple[str, tuple[str, ...]]], present: set[str], kinds: bool
) -> list[str]:
    chosen = [sql for sql, needs in rules if set(needs) <= present]
    return _with_kinds(chosen, kinds)


def _with_kinds(chosen: list[str], kinds: bool) -> list[str]:
    if kinds:
        chosen = [f"({sql}) AND l.kind = r.kind" for sql in chosen]
    return chosen


def _matches(pairs: pd.DataFrame, comparisons: Sequence[str]) -> list[Match]:
    if pairs.empty:
        return []
    gammas = [f"gamma_{c}" for c in comparisons if f"gamma_{c}" in pairs.columns]
    factors = [f"bf_{c}" for c in comparisons if f"bf_{c}" in pairs.columns]
    out = []
    for row in pairs.itertuples(index=False):
        data = row._asdict()
        out.append(
            Match(
                left_id=str(data["left_id"]),
                right_id=str(data["right_id"]),
                score=float(data["score"]),
                weight=float(data["weight"]),
                levels={g[6:]: int(data[g]) for g in gammas},
                factors={f[3:]: float(data[f]) for f in factors},
            )
        )
    return out


class Engine:
    """A trainable, serialisable matching model; DuckDB in process unless told Spark."""

    def __init__(
        self,
        *,
        backend: Backend = "duckdb",
        spark: Any = None,
        match_threshold: float = MATCH_THRESHOLD,
        review_threshold: float = REVIEW_THRESHOLD,
        u_pairs: float = 1e6,
        max_iterations: int = 25,
        train_sample: int | None = TRAIN_SAMPLE,
        seed: int = 7,
        memory_limit: str | None = None,
        threads: int | None = None,
        on_step: Step | None = None,
    ) -> None:
        if backend not in ("duckdb", "spark"):
            raise ValueError(f"unknown backend {backend!r}")
        if not 0 <= review_threshold <= match_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 <= review <= match <= 1")
        self.backend: Backend = backend
        self.match_threshold = match_threshold
        self.review_threshold = review_threshold
        self.u_pairs = u_pairs
        self.max_iterations = max_iterations
        self.train_sample = train_sample
        self.seed = seed
        self.memory_limit = memory_limit
        self.threads = threads
        self.on_step = on_step or _nothing
        self._spark = spark
        self._model: dict[str, Any] | None = None
        # Idle screeners for score_one; see _screener.
        self._screeners: queue.SimpleQueue[_Screener] = queue.SimpleQueue()
        for name in ("splink", "splink.internals"):
            logging.getLogger(name).setLevel(logging.ERROR)

    # --- persistence ----------------------------------------------------------------------

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
        options.setdefault("match_threshold", data.get("match_threshold", MATCH_THRESHOLD))
        options.setdefault("review_threshold", data.get("review_threshold", REVIEW_THRESHOLD))
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
        self._screeners = queue.SimpleQueue()

    # --- backends -------------------------------------------------------------------------

    def _db_api(self) -> Any:
        if self.backend == "spark":
            from splink import SparkAPI

            spark = self._spark or local_spark()
            self._spark = spark
            for name in (LEFT, RIGHT):
                # Splink registers the inputs as temporary views; a second run on the same
                # session must not find the first one's.
                spark.catalog.dropTempView(name)
            return SparkAPI(  # type: ignore[no-untyped-call]
                spark_session=spark,
                break_lineage_method="persist",
                num_partitions_on_repartition=2,
            )
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

    def _input(self, table: pa.Table) -> Any:
        if self.backend == "spark":
            from pyspark.sql.types import StringType, StructField, StructType

            schema = StructType([StructField(c, StringType(), True) for c in table.column_names])
            spark = self._spark or local_spark()
            self._spark = spark
            return spark.createDataFrame(table.to_pylist(), schema=schema)
        return table

    def _settings(
        self, link_type: str, comparisons: Sequence[str], rules: Sequence[str]
    ) -> dict[str, Any]:
        """Splink settings for this run: built from code, with the trained m and u."""
        from splink import SettingsCreator

        dialect = "spark" if self.backend == "spark" else "duckdb"
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
                for level, old in zip(
                    comparison["comparison_levels"], known["comparison_levels"], strict=False
                ):
                    for key in ("m_probability", "u_probability"):
                        if key in old:
                            level[key] = old[key]
            settings["probability_two_random_records_match"] = self._model[
                "probability_two_random_records_match"
            ]
        return settings

    def _linker(self, tables: list[pa.Table], link_type: str, settings: dict[str, Any]) -> Linker:
        from splink import Linker

        inputs = [self._input(t) for t in tables]
        aliases = [LEFT, RIGHT][: len(inputs)] if len(inputs) > 1 else None
        return Linker(
            inputs if len(inputs) > 1 else inputs[0],
            settings,
            self._db_api(),
            set_up_basic_logging=False,
            input_table_aliases=aliases,
        )

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
        tables = [_sample(t, self.train_sample, self.seed, keep) for t in tables]
        present = set.intersection(*(_present(t) for t in tables))
        kinds = _kinds(tables)
        comparisons = _active_comparisons(present & _varied(tables))
        link_type = "link_only" if len(tables) == 2 else "dedupe_only"
        rules = self._blocking(tables, present, kinds)
        self._model = None
        settings = self._settings(link_type, comparisons, rules)
        self.on_step("prepare")
        linker = self._linker(tables, link_type, settings)
        deterministic = _rules(DETERMINISTIC_RULES, present, kinds)
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
        for rule in self._em_rules(tables, present, kinds):
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

    def _require_model(self) -> dict[str, Any]:
        if self._model is None:
            raise RuntimeError("train the engine, or load a model, before scoring")
        return self._model

    def _blocking(self, tables: list[pa.Table], present: set[str], kinds: bool) -> list[str]:
        rules = _budgeted(tables, BLOCKING_RULES, present, PAIRS_PER_RECORD)
        return _with_kinds(rules, kinds)

    def _em_rules(self, tables: list[pa.Table], present: set[str], kinds: bool) -> list[str]:
        chosen = []
        for alternatives in EM_RULES:
            for sql, needs in alternatives:
                if set(needs) <= present and _budgeted(
                    tables, [(sql, needs)], present, EM_PAIRS_PER_RECORD
                ):
                    chosen.append(sql)
                    break
        return _with_kinds(chosen, kinds)

    def _run_settings(self, tables: list[pa.Table], link_type: str) -> dict[str, Any]:
        model = self._require_model()
        present = set.intersection(*(_present(t) for t in tables))
        rules = self._blocking(tables, present, _kinds(tables))
        trained = [c["output_column_name"] for c in model["comparisons"]]
        return self._settings(link_type, trained, rules)

    def _predict(self, linker: Linker, threshold: float) -> SplinkDataFrame:
        self.on_step("predict")
        return linker.inference.predict(threshold_match_probability=threshold)

    def _frame(
        self, linker: Linker, predictions: SplinkDataFrame, *, link: bool = False
    ) -> pd.DataFrame:
        columns = _frame_columns(self.comparisons, link=link)
        sql = f"SELECT {', '.join(columns)} FROM {predictions.physical_name}"
        frame = linker.misc.query_sql(sql, output_type="pandas")  # type: ignore[no-untyped-call]
        assert isinstance(frame, pd.DataFrame)
        frame["score"] = frame["score"].clip(0.0, 1.0)
        return frame

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
        frame = _apply_decisions(frame, decisions)
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
        return _matches(frame.reset_index(drop=True), self.comparisons)

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
        frame = _apply_decisions(self._frame(linker, predictions), decisions)
        self.on_step("cluster")
        clusters = _connected_components(table.column(ID).to_pylist(), frame[frame["score"] >= cut])
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
        if self.backend == "spark":
            frame = self._score_one_spark(probe, table)
        else:
            with self._screener() as screener:
                frame = screener.score(probe, table)
        frame = frame[frame["score"] >= cut].sort_values("score", ascending=False, kind="stable")
        if limit is not None:
            frame = frame.head(limit)
        return _matches(frame.reset_index(drop=True), self.comparisons)

    def _score_one_spark(self, probe: pa.Table, table: pa.Table) -> pd.DataFrame:
        model = self._require_model()
        settings = self._settings(
            "dedupe_only", [c["output_column_name"] for c in model["comparisons"]], []
        )
        linker = self._linker([table], "dedupe_only", settings)
        scored = linker.inference.compare_two_records(self._input(probe), self._input(table))
        return self._frame(linker, scored)

    @contextmanager
    def _screener(self) -> Iterator[_Screener]:
        """A screener of this engine's model, lent to one caller at a time.

        A DuckDB connection must not serve two threads at once, so each screener is used by
        one caller and returned to the pool afterwards: there are never more than the calls
        at a time, and a busy server does not wait on a lock. The pool belongs to the engine,
        so another model gets new screeners.
        """
        try:
            screener = self._screeners.get_nowait()
        except queue.Empty:
            model = self._require_model()
            settings = self._settings(
                "dedupe_only", [c["output_column_name"] for c in model["comparisons"]], []
            )
            linker = self._linker([as_table([])], "dedupe_only", settings)
            screener = _Screener(linker, self.comparisons)
        try:
            yield screener
        finally:
            self._screeners.put(screener)

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
        labels = self.levels()
        out = []
        for name, gamma in match.levels.items():
            names = labels.get(name, [])
            bayes = float(match.factors.get(name, 1.0))
            if gamma < 0:
                outcome: Outcome = "unknown"
                label = "missing on one side"
            elif gamma == 0:
                outcome = "disagreed"
                label = names[0] if names else ""
            else:
                outcome = "agreed" if gamma == len(names) - 1 else "partial"
                label = names[gamma] if gamma < len(names) else ""
            weight = math.log2(bayes) if bayes > 0 else -math.inf
            out.append(FeatureContribution(name, label, outcome, bayes, weight))
        out.sort(key=lambda c: -abs(c.weight) if math.isfinite(c.weight) else -1e9)
        return out

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
        present = set.intersection(*(_present(t) for t in tables))
        rules = self._blocking(tables, present, _kinds(tables))
        return blocking_recall(tables, rules, truth)


def _frame_columns(comparisons: Sequence[str], *, link: bool = False) -> list[str]:
    columns = ["unique_id_l AS left_id", "unique_id_r AS right_id"]
    if link:
        columns.append("source_dataset_l AS left_source")
    columns += ["match_probability AS score", "match_weight AS weight"]
    for comparison in comparisons:
        columns += [f"gamma_{comparison}", f"bf_{comparison}"]
    return columns


class _Screener:
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
        pipeline.enqueue_sql(
            f"select {', '.join(settings._columns_to_select_for_blocking)}, 0 as match_key "
            "from __splink__compare_two_records_left_with_tf_uid_fix as l "
            "cross join __splink__compare_two_records_right_with_tf_uid_fix as r",
            "__splink__compare_two_records_blocked",
        )
        pipeline.enqueue_sql(
            f"select {', '.join(settings._columns_to_select_for_comparison_vector_values)} "
            "from __splink__compare_two_records_blocked",
            "__splink__df_comparison_vectors",
        )
        pipeline.enqueue_list_of_sqls(
            predict_from_comparison_vectors_sqls_using_settings(
                settings, sql_infinity_expression=linker._infinity_expression
            )
        )
        columns = ", ".join(_frame_columns(comparisons))
        self._sql = f"SELECT {columns} FROM ({pipeline.generate_cte_pipeline_sql()})"

    def score(self, probe: pa.Table, candidates: pa.Table) -> pd.DataFrame:
        """Every candidate scored against the probe, as Engine._frame gives them."""
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


def _sample(table: pa.Table, limit: int | None, seed: int, keep: set[str]) -> pa.Table:
    """A seeded sample of at most `limit` rows, always with the labelled records."""
    import numpy as np

    if limit is None or table.num_rows <= limit:
        return table
    chosen = np.random.default_rng(seed).choice(table.num_rows, size=limit, replace=False)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[chosen] = True
    if keep:
        import pyarrow.compute as pc

        mask |= pc.is_in(table.column(ID), value_set=pa.array(sorted(keep))).to_numpy(
            zero_copy_only=False
        )
    return table.filter(pa.array(mask))


def _kinds(tables: list[pa.Table]) -> bool:
    kinds: set[Any] = set()
    for table in tables:
        kinds |= set(table.column("kind").unique().to_pylist())
    return len(kinds - {None}) > 1


def _apply_decisions(
    frame: pd.DataFrame, decisions: Iterable[tuple[str, str, bool]]
) -> pd.DataFrame:
    """Analysts' decisions override the model: confirmed pairs score 1, rejected ones 0."""
    decided = {frozenset((a, b)): ok for a, b, ok in decisions}
    if not decided or frame.empty:
        return frame
    keys = [frozenset(p) for p in zip(frame["left_id"], frame["right_id"], strict=True)]
    verdict = pd.Series([decided.get(k) for k in keys], index=frame.index, dtype=object)
    frame = frame.copy()
    frame.loc[verdict == True, "score"] = 1.0  # noqa: E712
    frame.loc[verdict == False, "score"] = 0.0  # noqa: E712
    return frame


def _connected_components(ids: list[Any], pairs: pd.DataFrame) -> dict[str, str]:
    """Cluster id for every record: the smallest id of its connected component."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(pairs["left_id"].astype(str), pairs["right_id"].astype(str), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {str(i): find(str(i)) for i in ids}


def blocking_recall(
    tables: list[pa.Table], rules: Sequence[str], truth: Iterable[tuple[str, str]]
) -> tuple[float, int]:
    """Share of true pairs proposed by at least one rule, and the number of pairs proposed."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.register("l_in", tables[0])
    con.register("r_in", tables[-1])
    same = len(tables) == 1
    union = " UNION ".join(
        f"SELECT l.{ID} AS a, r.{ID} AS b FROM l_in l JOIN r_in r ON ({rule})"
        + (f" WHERE l.{ID} < r.{ID}" if same else "")
        for rule in rules
    )
    con.execute(f"CREATE TABLE proposed AS {union}").fetchall()
    total = con.execute("SELECT count(*) FROM proposed").fetchall()[0]
    pairs = [(a, b) if not same or a < b else (b, a) for a, b in truth]
    if not pairs:
        return 1.0, int(total[0]) if total else 0
    con.register("truth", pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]}))
    found = con.execute(
        "SELECT count(*) FROM truth t JOIN proposed p ON t.a = p.a AND t.b = p.b"
    ).fetchall()[0]
    return (found[0] if found else 0) / len(pairs), int(total[0]) if total else 0


def local_spark() -> Any:
    """A local-mode Spark session with Splink's similarity functions, no network needed."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("vinculo-resolve")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="vinculo-spark-"))
    return spark
