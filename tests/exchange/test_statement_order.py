"""The statements of an entity's STIX object come in an order that tells nothing: the same
value asserted by two reports, the older first, not by the reports' random ids (which set
the order before, so two stores holding the same reports served it differently: found by
the noninterference machine on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from vinculo.exchange.stix import Scope, StatementIn, entity_object
from vinculo.security.markings import Markings

GREEN = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"])
CLEAR = Markings.create(tlp="CLEAR", originator="SEDENA", rel_to=["USA", "MEX"])
FILED = datetime(2026, 12, 3, 14, 0, 0, 250000)


def _statements(report_id: str, seen: datetime, markings: Markings) -> list[StatementIn]:
    return [
        StatementIn(
            id=f"{report_id}-{prop}",
            entity_id="per-3",
            schema="Person",
            prop=prop,
            prop_type=prop_type,
            value=value,
            lang=None,
            original_value=None,
            dataset=f"report:{report_id}",
            report_id=report_id,
            first_seen=seen,
            last_seen=seen,
            marking_id=1 if markings is GREEN else 2,
            markings=markings,
        )
        for prop, prop_type, value in [("id", "id", "per-3"), ("name", "name", "Ana López Ruiz")]
    ]


def _datasets(older: str, newer: str) -> list[str]:
    rows = _statements(newer, FILED + timedelta(seconds=1), CLEAR) + _statements(
        older, FILED, GREEN
    )
    obj = entity_object(Scope("us", "c1"), "per-3", rows, {})
    (extension,) = (v for v in obj["extensions"].values() if "statements" in v)
    return [s["dataset"] for s in extension["statements"]]


def test_the_older_of_two_reports_asserting_a_value_comes_first_whatever_their_ids() -> None:
    order = ["report:older", "report:newer"] * 2
    assert _datasets("ffff000000000001", "0000ffff00000002") == [
        d.replace("older", "ffff000000000001").replace("newer", "0000ffff00000002") for d in order
    ]
    assert _datasets("0000ffff00000002", "ffff000000000001") == [
        d.replace("older", "0000ffff00000002").replace("newer", "ffff000000000001") for d in order
    ]
