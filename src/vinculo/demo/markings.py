"""The markings each demo report is filed under: a tier drawn by weight, then the details."""

from __future__ import annotations

import random
from functools import cache

from vinculo import vocab
from vinculo.demo.catalogue import RED_RECIPIENTS
from vinculo.demo.shapes import UserSpec
from vinculo.intel.schemas import MarkingsIn


@cache
def agencies_of(nation: str) -> list[str]:
    """The agencies of a nation, in vocab/agencies.yml's order."""
    return [code for code in vocab.agencies().codes() if vocab.agency_nation(code) == nation]


def draw_markings(rng: random.Random, tier: str, author: UserSpec, group: str | None) -> MarkingsIn:
    nation = vocab.agency_nation(author.agency)
    # The drawn reports are binational: their authors (accounts.yml) are of these two nations,
    # and the third nation's reports are written out (data/multinational.yml).
    both = ["USA", "MEX"]
    if tier == "green_both":
        return MarkingsIn(tlp="GREEN", rel_to=both, orcon=rng.random() < 0.05)
    if tier == "green_own":
        return MarkingsIn(tlp="GREEN", rel_to=[nation])
    if tier == "amber":
        shared: list[str] = []
        if rng.random() < 0.55:
            other = both[1 - both.index(nation)]
            shared.append(rng.choice(agencies_of(other)))
            if rng.random() < 0.3:
                shared.append(rng.choice([a for a in agencies_of(nation) if a != author.agency]))
        return MarkingsIn(tlp="AMBER", rel_to=both, shared_with=shared, orcon=rng.random() < 0.12)
    if tier == "strict":
        rel = [nation] if rng.random() < 0.6 else both
        return MarkingsIn(tlp="AMBER+STRICT", rel_to=rel, orcon=rng.random() < 0.2)
    if tier == "group":
        assert group is not None
        tlp = "GREEN" if rng.random() < 0.7 else "AMBER"
        return MarkingsIn(tlp=tlp, rel_to=both, groups=[group])
    if tier == "red":
        others = [u for u in RED_RECIPIENTS if u != author.username]
        people = rng.sample(others, rng.choice([1, 1, 2]))
        return MarkingsIn(tlp="RED", rel_to=both, recipients=sorted(people))
    return MarkingsIn(tlp="CLEAR", rel_to=both)


def draw_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]
