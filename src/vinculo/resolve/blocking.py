"""Blocking: which pairs of records the model scores at all.

A pair is scored when any rule holds (and, when people and organisations are mixed, the kind
agrees). A prediction rule runs only when every column it reads has values on the side it
reads it from (`l.` the left, `r.` the right), and is kept only while the pairs it proposes,
counted from key groups before it runs, fit a budget per record: on small sets every rule
runs, on a million records the broad ones give way. Blocking recall is measured on the bench
sets (bench/er.py, `blocking_recall`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from vinculo.resolve.features import ID
from vinculo.resolve.features import present as features_present

# A rule: its SQL over l and r, and the feature columns it needs.
Rule = tuple[str, tuple[str, ...]]

# Candidate pairs: a pair is scored when any rule holds (the kind always has to agree).
# Each rule names the columns it needs (EM and deterministic rules are chosen by them; a
# prediction rule by the columns each side has). Every pair sharing a phone, an identifier,
# or a birth date and a surname is proposed while its rule fits the budget.
BLOCKING_RULES: tuple[Rule, ...] = (
    ("l.curp = r.curp", ("curp",)),
    ("l.ssn = r.ssn", ("ssn",)),
    ("l.passport = r.passport", ("passport",)),
    ("l.idn = r.idn", ("idn",)),
    ("l.rfc = r.rfc", ("rfc",)),
    # The same number kept in another field: an SSN or a passport number as idNumber.
    ("l.idn = r.ssn", ("idn", "ssn")),
    ("l.ssn = r.idn", ("idn", "ssn")),
    ("l.idn = r.passport", ("idn", "passport")),
    ("l.passport = r.idn", ("idn", "passport")),
    # Phones are national digits (records.py), so a U.S. and a Mexican reading agree; either
    # of a record's two phones may be the one the other record kept.
    ("l.ph1 = r.ph1", ("ph1",)),
    ("l.ph1 = r.ph2", ("ph1", "ph2")),
    ("l.ph2 = r.ph1", ("ph1", "ph2")),
    ("l.ph2 = r.ph2", ("ph2",)),
    ("l.email = r.email", ("email",)),
    ("l.plate = r.plate", ("plate",)),
    ("l.sp_ph = r.sp_ph and l.by = r.by and l.gc = r.gc", ("sp_ph", "by", "gc")),
    ("l.gc = r.gc and l.dob = r.dob", ("gc", "dob")),
    ("l.sp_ph = r.sp_ph and l.dob = r.dob", ("sp_ph", "dob")),
    ("l.sp_ph = r.sp_ph and l.dob = r.dob_alt", ("sp_ph", "dob_alt")),
    ("l.sp_ph = r.sp_ph and l.dob_alt = r.dob", ("sp_ph", "dob_alt")),
    # The birth date and either surname, whatever the given names (in another order, a
    # middle name used as the first): the maternal kept as the last name, or both glued.
    ("l.sm_ph = r.sm_ph and l.dob = r.dob", ("sm_ph", "dob")),
    ("l.sp_ph = r.sm_ph and l.dob = r.dob", ("sp_ph", "sm_ph", "dob")),
    ("l.sm_ph = r.sp_ph and l.dob = r.dob", ("sp_ph", "sm_ph", "dob")),
    ("l.sg = r.sg and l.dob = r.dob", ("sg", "dob")),
    # The birth date and a surname one typo apart, or glued to the next (Godínez and
    # "godinezaguayo"): the first three letters; or the second given name used as the first.
    ("l.dob = r.dob and substr(l.sg, 1, 3) = substr(r.sg, 1, 3)", ("dob", "sg")),
    ("l.g2 = r.g1 and l.dob = r.dob", ("g2", "g1", "dob")),
    ("l.g1 = r.g2 and l.dob = r.dob", ("g2", "g1", "dob")),
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
    # The year off by one and the given name not alike (a nickname): surname, day and month.
    (
        "l.sp_ph = r.sp_ph and substr(l.dob, 6, 5) = substr(r.dob, 6, 5)",
        ("sp_ph", "dob"),
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
EM_RULES: tuple[tuple[Rule, ...], ...] = (
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
# Rules meant to admit almost no false pairs, for the prior.
DETERMINISTIC_RULES: tuple[Rule, ...] = (
    ("l.curp = r.curp", ("curp",)),
    ("l.ssn = r.ssn", ("ssn",)),
    ("l.g1 = r.g1 and l.sp = r.sp and l.dob = r.dob", ("g1", "sp", "dob")),
)

log = logging.getLogger(__name__)
_COLUMN = re.compile(r"\b([lr])\.(\w+)")


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


def budgeted(tables: list[pa.Table], rules: Sequence[Rule], per_record: int) -> list[str]:
    """The rules that can propose a pair here and whose pairs fit the budget per record."""
    import duckdb

    budget = max(PAIRS_FLOOR, per_record * sum(t.num_rows for t in tables))
    kept = []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    sides = {"l": features_present(tables[0]), "r": features_present(tables[-1])}
    for sql, _needs in rules:
        # A column is needed on the side the rule reads it from, not on both: "l.ph1 = r.ph2"
        # runs when only the right has second phones, and a U.S. set without maternal
        # surnames still meets a Mexican one's by "l.sm_ph = r.sp_ph".
        if not all(column in sides[side] for side, column in _COLUMN.findall(sql)):
            continue
        pairs = count_pairs(tables, sql, con)
        if pairs <= budget:
            kept.append(sql)
        else:
            log.info(
                "blocking rule %s left out: %s pairs over the budget of %s", sql, pairs, budget
            )
    return kept


def usable(rules: Iterable[Rule], present: set[str], kinds: bool) -> list[str]:
    """The rules whose columns are all present, each made to require the same kind."""
    chosen = [sql for sql, needs in rules if set(needs) <= present]
    return with_kinds(chosen, kinds)


def with_kinds(chosen: list[str], kinds: bool) -> list[str]:
    """With people and organisations mixed, every rule also requires the same kind."""
    if kinds:
        chosen = [f"({sql}) AND l.kind = r.kind" for sql in chosen]
    return chosen


def prediction_rules(tables: list[pa.Table], present: set[str], kinds: bool) -> list[str]:
    """The blocking rules a prediction runs on these tables, within the pair budget.

    Which rules can run is decided per side by `budgeted`, not by `present` (the columns
    every side has), so a rule reading a column one side lacks is kept.
    """
    rules = budgeted(tables, BLOCKING_RULES, PAIRS_PER_RECORD)
    return with_kinds(rules, kinds)


def em_rules(tables: list[pa.Table], present: set[str], kinds: bool) -> list[str]:
    """One rule per EM pass: the first of its alternatives within the EM budget."""
    chosen = []
    for alternatives in EM_RULES:
        for sql, needs in alternatives:
            if set(needs) <= present and budgeted(tables, [(sql, needs)], EM_PAIRS_PER_RECORD):
                chosen.append(sql)
                break
    return with_kinds(chosen, kinds)


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
