"""The border rule, item by item (docs/markings.md, "Crossing the border"), and partners
posting envelopes through the official client's add_objects."""

from __future__ import annotations

import pytest

from vinculo.exchange.markings import Audience, crosses
from vinculo.security.markings import Markings

from exchange_nodes import statement_rows

TO_MEXICO = Audience(partners=(("mx", "MEX"),), groups=frozenset())
TF_SONORA = Audience(partners=(("mx", "MEX"),), groups=frozenset({"tf-sonora"}))
BOTH = ["USA", "MEX"]


@pytest.mark.parametrize(
    ("markings", "agreement", "task_force"),
    [
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH), True, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=["USA"]), False, False),
        (dict(tlp="CLEAR", originator="DEA", rel_to=["USA"]), False, False),
        (dict(tlp="CLEAR", originator="DEA", rel_to=BOTH), True, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH), False, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH, shared_with=["SEMAR"]), True, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH, shared_with=["FBI"]), False, False),
        (dict(tlp="AMBER+STRICT", originator="DEA", rel_to=BOTH), False, False),
        (dict(tlp="RED", originator="DEA", rel_to=BOTH, recipients=["mx.analyst"]), False, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH, groups=["tf-sonora"]), False, True),
        (dict(tlp="GREEN", originator="DEA", rel_to=["USA"], groups=["tf-sonora"]), False, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH, groups=["case-frontera"]), False, False),
    ],
)
def test_what_crosses_to_mexico(markings: dict, agreement: bool, task_force: bool) -> None:
    m = Markings.create(**markings)
    assert crosses(TO_MEXICO, m) is agreement
    assert crosses(TF_SONORA, m) is task_force


def test_an_audience_without_partners_receives_nothing() -> None:
    m = Markings.create(tlp="CLEAR", originator="DEA", rel_to=BOTH)
    assert not crosses(Audience(partners=(), groups=frozenset()), m)


def _rows(entity_id: str, schema: str, values: dict[str, list[str]], markings: Markings) -> list:
    return statement_rows(entity_id, schema, values, markings)


def test_the_mapping_of_each_kind_of_entity_is_valid_stix() -> None:
    import json

    import stix2

    from vinculo.exchange.stix import Scope, entity_object

    scope = Scope("us", "c1")
    green = Markings.create(tlp="GREEN", originator="DEA", rel_to=BOTH)
    strict = Markings.create(tlp="AMBER", originator="DEA", rel_to=BOTH, shared_with=["FGR"])
    cartel = entity_object(
        scope,
        "org-1",
        _rows("org-1", "Organization", {"name": ["Cártel X"], "topics": ["crime.cartel"]}, green),
        {},
    )
    assert cartel["type"] == "threat-actor" and cartel["threat_actor_types"] == ["crime-syndicate"]
    place = entity_object(
        scope, "adr-1", _rows("adr-1", "Address", {"full": ["Calle 1, Culiacán"]}, green), {}
    )
    assert place["type"] == "location" and place["region"] == "americas"
    owner = _rows("own-1", "Ownership", {"owner": ["per-1"], "asset": ["com-1"]}, green)
    refs = {"per-1": "identity--3b0e8f0e-2b1f-5b0c-9d55-0c6a0f3b7f10"}
    link = entity_object(scope, "own-1", owner, refs)
    assert link["type"] == "relationship" and link["relationship_type"] == "ownership"
    assert link["source_ref"] == refs["per-1"] and link["target_ref"].startswith("identity--")
    person = _rows("per-1", "Person", {"name": ["Ana"]}, green)
    person += _rows("per-1", "Person", {"alias": ["La Güera"]}, strict)[1:]
    mixed = entity_object(scope, "per-1", person, {})
    assert mixed["identity_class"] == "individual"
    assert mixed["granular_markings"], "the AMBER statement is marked apart from the object"
    for obj in (cartel, place, link, mixed):
        stix2.parse(json.dumps(obj), allow_custom=True)
    # Exported again, the same ids.
    assert entity_object(scope, "per-1", person, {})["id"] == mixed["id"]
