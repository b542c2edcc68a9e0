"""The demo's counter-terrorism story (demo/data/counter_terrorism.yml): filed for the group
ct-binational alone, under the new predicates, with a watch-listed man crossing at a port of
entry and a payment to a terrorist organisation; the drawn reports never carry the group."""

from __future__ import annotations

import pytest

from vinculo.demo.scenario import build_scenario
from vinculo.demo.scripted import ScriptError, _entities
from vinculo.exchange.stix import stix_type_for

GROUP = "ct-binational"


def test_the_story_is_filed_for_the_group_under_the_new_predicates() -> None:
    s = build_scenario(2026)
    story = [item for item in s.reports if GROUP in item.report.markings.groups]
    assert story == s.reports[-len(story) :], "after every drawn report"
    assert {item.report.predicate for item in story} == {"terrorism", "terrorist_financing"}
    members = {u.username for u in s.users if GROUP in u.groups}
    assert {item.author for item in story} <= members
    assert {s.user(u).agency for u in members} >= {"FBI", "CBP", "UIF", "FGR"}
    assert all(item.report.markings.groups == [GROUP] for item in story)


def test_the_crossing_and_the_payment_reach_the_terrorist_organisation() -> None:
    s = build_scenario(2026)
    story = [item.report for item in s.reports if GROUP in item.report.markings.groups]
    entities = {e.id: e for report in story for e in report.entities}
    terrorists = {
        i for i, e in entities.items() if "crime.terror" in e.properties.get("topics", [])
    }
    assert terrorists
    for i in terrorists:
        props = entities[i].properties
        assert stix_type_for(entities[i].schema_, props) == "threat-actor"
    payments = [e for e in entities.values() if e.schema_ == "Payment"]
    assert any(set(p.properties["beneficiary"]) & terrorists for p in payments)
    trip = next(e for e in entities.values() if e.schema_ == "Trip")
    (port,) = trip.properties["endLocation"]
    drawn = [e for item in s.reports[:-2] for e in item.report.entities if e.id == port]
    assert drawn, "the crossing ends at a port of entry the drawn reports know"
    assert entities[port].properties["name"] == drawn[0].properties["name"]


def test_a_link_outside_its_report_is_refused_by_name() -> None:
    rows = [
        {"id": "mem-x", "schema": "Membership", "properties": {"member": ["per-x"]}},
    ]
    with pytest.raises(ScriptError, match=r"entity mem-x: member points at \['per-x'\]"):
        _entities("demo/data/x.yml, report 0", rows, {})
