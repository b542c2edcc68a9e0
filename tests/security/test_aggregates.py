"""Public aggregates: small counts hidden, and nothing hidden can be worked out from what is
shown (checked by linear programming over every completion a reader could try)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vinculo.security.aggregates import ALL, Key, Published, publish

STATES = ["CHIH", "SON", "TAMPS"]
YEARS = ["2024", "2025"]


def _ranges(published: Published) -> dict[Key, tuple[float, float]]:
    """Each hidden entry's least and greatest value over all non-negative tables that sum
    as the published one does and agree with every shown value."""
    # Imported here: scipy.optimize costs a second of import, which every pytest worker
    # would pay at collection for the one worker that runs these tests.
    from scipy.optimize import linprog

    keys = sorted(published.values)
    hidden = [k for k in keys if published.values[k] is None]
    index = {k: i for i, k in enumerate(hidden)}
    rows, rhs = [], []
    levels = [sorted({k[a] for k in keys} - {ALL}) for a in range(len(published.dimensions))]
    for total in keys:
        for axis, value in enumerate(total):
            if value != ALL:
                continue
            members = [(*total[:axis], v, *total[axis + 1 :]) for v in levels[axis]]
            row = np.zeros(len(hidden))
            known = 0.0
            for key, sign in ((total, -1.0), *((m, 1.0) for m in members)):
                shown = published.values[key]
                if shown is None:
                    row[index[key]] += sign
                else:
                    known += sign * shown
            if row.any():
                rows.append(row)
                rhs.append(-known)
    ranges = {}
    for key, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1.0
        bounds = [(0, None)] * len(hidden)
        low = linprog(objective, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=bounds)
        high = linprog(-objective, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=bounds)
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        ranges[key] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return ranges


def test_a_table_without_small_counts_is_shown_whole() -> None:
    cells = {("CHIH", "2024"): 12, ("CHIH", "2025"): 7, ("SON", "2024"): 5, ("SON", "2025"): 9}
    published = publish(("state", "year"), cells)
    assert published.suppressed() == set()
    assert published.cell("CHIH", ALL) == 19
    assert published.cell(ALL, "2025") == 16
    assert published.cell(ALL, ALL) == 33


def test_a_small_count_hides_with_enough_others_that_no_total_gives_it_away() -> None:
    cells = {
        ("CHIH", "2024"): 3,
        ("CHIH", "2025"): 20,
        ("SON", "2024"): 11,
        ("SON", "2025"): 8,
        ("TAMPS", "2024"): 30,
        ("TAMPS", "2025"): 6,
    }
    published = publish(("state", "year"), cells)
    hidden = published.suppressed()
    assert ("CHIH", "2024") in hidden
    # A lone hidden cell in its row would be its row total less the rest: a second one.
    assert ("CHIH", "2025") in hidden or ("CHIH", ALL) in hidden
    assert sum(1 for k in hidden if k[1] == "2024") >= 2
    for key, (low, high) in _ranges(published).items():
        assert high - low > 0.5, (key, low, high)
    assert published.cell(ALL, ALL) == 78


def test_an_empty_cell_is_shown_and_a_lone_state_hides_its_total() -> None:
    published = publish(("state",), {("CHIH",): 2, ("SON",): 0, ("TAMPS",): 9})
    assert published.cell("SON") == 0
    assert published.cell("CHIH") is None
    # The only cell that could stand beside it is 9 (an empty one protects nothing).
    assert published.cell("TAMPS") is None
    assert published.cell(ALL) == 11


def test_levels_name_the_cells_no_one_counted() -> None:
    published = publish(("state",), {("CHIH",): 7}, levels=[["CHIH", "SON"]])
    assert published.cell("SON") == 0
    assert published.cell(ALL) == 7


def test_bad_tables_are_named() -> None:
    with pytest.raises(ValueError, match="one value for each"):
        publish(("state", "year"), {("CHIH",): 3})
    with pytest.raises(ValueError, match="below zero"):
        publish(("state",), {("CHIH",): -1})
    with pytest.raises(ValueError, match="'OAX' is not a value of 'state'"):
        publish(("state",), {("OAX",): 3}, levels=[["CHIH"]])


tables = st.integers(1, 3).flatmap(
    lambda width: st.dictionaries(
        st.tuples(*[st.sampled_from(["a", "b", "c", "d"][: 4 - width + 1]) for _ in range(width)]),
        st.one_of(st.integers(0, 6), st.integers(0, 40)),
        min_size=1,
        max_size=30,
    )
)


@settings(max_examples=60, deadline=None)
@given(cells=tables)
def test_no_hidden_count_can_be_worked_out(cells: dict[Key, int]) -> None:
    width = len(next(iter(cells)))
    published = publish(tuple(f"d{i}" for i in range(width)), cells)
    for key, value in published.values.items():
        if ALL not in key:
            true = cells.get(key, 0)
            assert value is None or value == true
            if 0 < true < 5:
                assert value is None, key
    table = publish(published.dimensions, cells, threshold=0).values  # every true value
    for key, (low, high) in _ranges(published).items():
        # A hidden empty cell may be worked out as empty: it tells of no one.
        if table[key]:
            assert high - low > 1e-6, (key, low, high, published.values)
