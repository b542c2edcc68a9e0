"""Public aggregates: a count table with its totals, small cells and what would reveal them
suppressed (../shared/MARKINGS.md, "Public aggregates").

A table is cells keyed by one value per dimension (year, state, category …) with every
margin published beside them: each total over one or more dimensions, down to the grand
total. A cell under the threshold (1 to 4 by default; an empty cell reveals no one) is
primary-suppressed. Then complementary cells are suppressed until no hidden cell can be
worked out exactly from what is shown: first the classic rule (no line of cells and its
total holds a lone hidden cell), then an exact audit, since that rule is necessary but not
sufficient in tables of more than one dimension. A hidden cell is worked out exactly when
its indicator lies in the row space of the table's sum equations restricted to the hidden
cells (those equations are all a reader has once the shown values are put in).

Written here rather than taken from a library: the field's tools for this (sdcTable,
GaussSuppression, tau-Argus) are R and Java programs; no maintained Python package does it.
What this does not do: bound a hidden cell by an interval (non-negativity lets a reader say
"between 0 and 7"); the audit guarantees only that no hidden cell is determined to one value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

THRESHOLD = 5
# A margin's place in a dimension: the total over every value of it.
ALL = "*"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Published:
    """A table as the public may read it: every cell and margin, None where suppressed."""

    dimensions: tuple[str, ...]
    values: dict[Key, int | None]

    def cell(self, *key: str) -> int | None:
        return self.values[key]

    def suppressed(self) -> set[Key]:
        return {key for key, value in self.values.items() if value is None}


def _full_table(cells: Mapping[Key, int], levels: Sequence[list[str]]) -> dict[Key, int]:
    """Every cell (missing ones 0) and every margin."""
    table: dict[Key, int] = {}
    for key in product(*[[*values, ALL] for values in levels]):
        table[key] = 0
    for key, count in cells.items():
        for mask in product((False, True), repeat=len(key)):
            table[tuple(ALL if m else v for v, m in zip(key, mask, strict=True))] += count
    return table


def _lines(levels: Sequence[list[str]], keys: Iterable[Key]) -> list[tuple[Key, list[Key]]]:
    """Each sum equation of the table: a total and the entries of one dimension it adds up."""
    found = []
    for total in keys:
        for axis, value in enumerate(total):
            if value != ALL:
                continue
            members = [(*total[:axis], v, *total[axis + 1 :]) for v in levels[axis]]
            found.append((total, members))
    return found


def _lone_hidden(lines: list[tuple[Key, list[Key]]], hidden: set[Key]) -> list[list[Key]]:
    """Lines where exactly one entry (total included) is hidden: subtraction reveals it."""
    return [
        [total, *members]
        for total, members in lines
        if sum(k in hidden for k in (total, *members)) == 1
    ]


def _complement(group: Sequence[Key], table: Mapping[Key, int], hidden: set[Key]) -> Key | None:
    """The entry to hide beside a lone hidden one: the smallest shown count, a cell before a
    total. Never an empty one: a reader who knows counts are not negative would work a
    hidden zero out, and the cell it stood beside with it. With only counts above zero
    hidden, the true table lies inside those bounds, so the sum equations alone decide what
    can be worked out (the audit below)."""
    shown = [k for k in group if k not in hidden and table[k] > 0]
    pool = [k for k in shown if ALL not in k] or shown
    if not pool:
        return None
    return min(pool, key=lambda k: (table[k], k.count(ALL), k))


def _determined(
    lines: list[tuple[Key, list[Key]]], hidden: set[Key], order: list[Key]
) -> list[Key]:
    """The hidden entries the shown values and the sum equations fix to one value."""
    if not hidden:
        return []
    columns = {key: i for i, key in enumerate(k for k in order if k in hidden)}
    rows = []
    for total, members in lines:
        row = np.zeros(len(columns))
        for key, sign in ((total, -1.0), *((m, 1.0) for m in members)):
            if key in columns:
                row[columns[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    system = np.array(rows)
    # A hidden entry is fixed when every solution of the homogeneous system leaves it at
    # zero: its column of the null space's basis is zero.
    _, singular, vt = np.linalg.svd(system)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
    null = vt[rank:]
    return [key for key, i in columns.items() if not np.any(np.abs(null[:, i]) > 1e-9)]


def _partners(key: Key, lines: list[tuple[Key, list[Key]]]) -> list[list[Key]]:
    return [[total, *members] for total, members in lines if key == total or key in members]


def publish(
    dimensions: Sequence[str],
    cells: Mapping[Key, int],
    *,
    levels: Sequence[Sequence[str]] | None = None,
    threshold: int = THRESHOLD,
) -> Published:
    """The table of `cells` with its margins, small counts and their complements hidden.

    `levels` names every value of each dimension (a state with no count is still a cell of
    the table, shown as 0); by default, the values the cells use.
    """
    width = len(dimensions)
    if any(len(key) != width for key in cells):
        raise ValueError(f"every cell needs one value for each of {list(dimensions)}")
    if any(count < 0 for count in cells.values()):
        raise ValueError("a count below zero cannot be published")
    if levels is None:
        levels = [sorted({key[axis] for key in cells}) for axis in range(width)]
    named = [list(values) for values in levels]
    for key in cells:
        for axis, value in enumerate(key):
            if value not in named[axis]:
                raise ValueError(f"{value!r} is not a value of {dimensions[axis]!r}")
    table = _full_table(cells, named)
    order = sorted(table)
    lines = _lines(named, order)
    hidden = {key for key in order if 0 < table[key] < threshold}
    while True:
        for group in _lone_hidden(lines, hidden):
            pick = _complement(group, table, hidden)
            if pick is not None:
                hidden.add(pick)
        if _lone_hidden(lines, hidden):
            continue
        exposed = _determined(lines, hidden, order)
        if not exposed:
            break
        # A cell the equations still fix: hide one more entry in a line through it, the one
        # that costs least, and audit again.
        before = len(hidden)
        for key in exposed:
            for group in _partners(key, lines):
                pick = _complement(group, table, hidden)
                if pick is not None:
                    hidden.add(pick)
                    break
            if len(hidden) > before:
                break
        if len(hidden) == before:
            hidden |= set(order)  # nothing left to hide beside it: publish nothing
            break
    return Published(
        dimensions=tuple(dimensions),
        values={key: None if key in hidden else table[key] for key in order},
    )
