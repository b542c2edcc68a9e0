"""What the engine answers: scored pairs, their explanation, clusters and analysts' decisions.

The engine (resolve.engine) reads Splink's prediction tables into the pandas frames these
functions take: one row per pair with `left_id`, `right_id`, `score`, `weight` and, per
comparison, `gamma_<name>` (the level) and `bf_<name>` (its Bayes factor).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Outcome = Literal["agreed", "partial", "disagreed", "unknown"]


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
        return matches(self.pairs, self.comparisons)


def matches(pairs: pd.DataFrame, comparisons: Sequence[str]) -> list[Match]:
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


def contributions(match: Match, labels: Mapping[str, list[str]]) -> list[FeatureContribution]:
    """What each comparison contributed to a match, strongest evidence first.

    `labels` are each comparison's level labels by Splink's comparison vector value.
    """
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


def apply_decisions(
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


def connected_components(ids: list[Any], pairs: pd.DataFrame) -> dict[str, str]:
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
