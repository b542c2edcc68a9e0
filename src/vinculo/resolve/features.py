"""The flat feature record the matching engine scores, and the tables that hold it.

Records come from `vinculo.resolve.records` as a pyarrow Table of the columns in `FEATURES`
(all text, missing is null), keyed by `ID`. The comparisons (resolve.comparisons) and the
blocking rules (resolve.blocking) are written against these columns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

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
    "ph1",  # phones as national digits ("6565550142" for +52 and +1 readings alike)
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


def present(table: pa.Table) -> set[str]:
    """The feature columns with at least one value."""
    return {c for c in FEATURES if table.column(c).null_count < table.num_rows}


def present_in_all(tables: list[pa.Table]) -> set[str]:
    """The feature columns with values on every side: only they can be compared."""
    return set.intersection(*(present(t) for t in tables))


def varied(tables: list[pa.Table]) -> set[str]:
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


def mixed_kinds(tables: list[pa.Table]) -> bool:
    """Whether the tables hold more than one kind of record (people and organisations)."""
    kinds: set[Any] = set()
    for table in tables:
        kinds |= set(table.column("kind").unique().to_pylist())
    return len(kinds - {None}) > 1


def sample(table: pa.Table, limit: int | None, seed: int, keep: set[str]) -> pa.Table:
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
