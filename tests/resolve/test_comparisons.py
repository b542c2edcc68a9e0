"""The phone comparison: national digits agree across the border, other digits do not."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from vinculo.resolve.engine import Engine
from vinculo.resolve.records import from_entities

US = {"name": ["Ana Ruiz"], "birthDate": ["1980-01-02"], "country": ["us"]}
MX = {"name": ["Ana Ruiz Mora"], "birthDate": ["1980-01-02"], "country": ["mx"]}


def phone_outcome(engine: Engine, us_phone: str, mx_phone: str) -> tuple[str, str]:
    us: dict[str, Any] = {"id": "us", "schema": "Person", "properties": {**US, "phone": [us_phone]}}
    mx: dict[str, Any] = {"id": "mx", "schema": "Person", "properties": {**MX, "phone": [mx_phone]}}
    probe = from_entities([us]).table.to_pylist()[0]
    candidates: pa.Table = from_entities([mx]).table
    found = engine.score_one(probe, candidates, limit=1)
    explained = {c.feature: c for c in engine.explain(found[0])}
    return explained["phone"].outcome, explained["phone"].level


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


@pytest.mark.parametrize(
    "mx_phone", ["6565550142", "65 6555 0142", "+52 656 555 0142", "044 656 555 0142"]
)
def test_the_same_ten_digits_agree_across_the_border(engine: Engine, mx_phone: str) -> None:
    assert phone_outcome(engine, "(656) 555-0142", mx_phone) == (
        "agreed",
        "a phone number agrees",
    )


def test_other_national_digits_disagree(engine: Engine) -> None:
    outcome, _level = phone_outcome(engine, "(915) 532-0142", "65 6555 0143")
    assert outcome == "disagreed"
