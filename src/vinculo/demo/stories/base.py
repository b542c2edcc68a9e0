"""What every story returns, and the days stories happen on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vinculo.demo.shapes import Bilingual
from vinculo.demo.world import World, day_between


@dataclass
class Story:
    predicate: str
    title: Bilingual
    lead: Bilingual
    more: list[Bilingual]
    subject: str
    basis: Bilingual


def story_day(world: World, start: date = date(2025, 1, 6), end: date = date(2026, 10, 20)) -> date:
    return day_between(world.rng, start, end)
