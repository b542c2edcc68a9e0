"""The demo's content is pinned: the same seed builds the same groups, accounts, reports,
entities and ground-truth duplicates, in the same order, whatever shape the generator's code
and data files take. Tests, the leak suite and the exchange demo rely on it.

If the demo is changed on purpose, print the new fingerprint with
`python tests/demo/demo_fingerprint.py` and update SCENARIO below in the same commit.
"""

from __future__ import annotations

from demo_fingerprint import scenario_fingerprint

SCENARIO = "8db23a7ebac0fcaa92cacec114a6120e99a4b8274712b20634e99069dcd4d67b"
COUNTS = {"groups": 2, "users": 19, "reports": 184, "entities": 1657, "duplicates": 6}


def test_the_scenario_for_seed_2026_is_unchanged() -> None:
    digest, counts = scenario_fingerprint(2026)
    assert counts == COUNTS
    assert digest == SCENARIO


def test_another_seed_builds_another_scenario() -> None:
    digest, _ = scenario_fingerprint(7)
    assert digest != SCENARIO
