"""The demo's content is pinned: the same seed builds the same groups, accounts, reports,
entities and ground-truth duplicates, in the same order, whatever shape the generator's code
and data files take. Tests, the leak suite and the exchange demo rely on it.

If the demo is changed on purpose, print the new fingerprint with
`python tests/demo/demo_fingerprint.py` and update SCENARIO below in the same commit.
"""

from __future__ import annotations

from demo_fingerprint import scenario_fingerprint

# The counter-terrorism story (demo/data/counter_terrorism.yml) added a group, two reports and
# eleven entities after the drawn ones, which it left as they were. The multinational story
# (demo/data/multinational.yml) added a group, four Guatemalan accounts, three reports and ten
# entities between them and the counter-terrorism story, and left both as they were. The
# smuggling ring's guide then gained his Tecún Umán address and its coordinates (the map).
SCENARIO = "b6c183783a0f65c5f90e96cc4b353f1197d78890bd41627103086887bb9a5b17"
COUNTS = {"groups": 4, "users": 23, "reports": 189, "entities": 1678, "duplicates": 6}


def test_the_scenario_for_seed_2026_is_unchanged() -> None:
    digest, counts = scenario_fingerprint(2026)
    assert counts == COUNTS
    assert digest == SCENARIO


def test_another_seed_builds_another_scenario() -> None:
    digest, _ = scenario_fingerprint(7)
    assert digest != SCENARIO
