"""An organisation with a crime topic is a STIX `threat-actor`; with the terrorism topic
(`crime.terror`) its `threat_actor_types` say `terrorist` (threat-actor-type-ov), and its
STIX type and id stay those of any other criminal organisation, so a partner that already
holds it gets a new version, not a revocation and a new object."""

from __future__ import annotations

import json

import stix2

from vinculo.exchange.stix import Scope, StatementIn, entity_object, stix_type_for
from vinculo.security.markings import Markings

from exchange_nodes import statement_rows

GREEN = Markings.create(tlp="GREEN", originator="FBI", rel_to=["USA", "MEX"])
SCOPE = Scope("us", "c1")


def _rows(entity_id: str, schema: str, values: dict[str, list[str]]) -> list[StatementIn]:
    return statement_rows(entity_id, schema, values, GREEN)


def _organisation(topics: list[str]) -> dict:
    values = {"name": ["Frente Armado del Norte"], "alias": ["FAN"], "topics": topics}
    return entity_object(SCOPE, "org-ct-1", _rows("org-ct-1", "Organization", values), {})


def test_a_terrorist_organisation_is_a_terrorist_threat_actor() -> None:
    terrorist = _organisation(["crime.terror"])
    assert terrorist["type"] == "threat-actor"
    assert terrorist["threat_actor_types"] == ["terrorist"]
    assert terrorist["aliases"] == ["FAN"]
    stix2.parse(json.dumps(terrorist), allow_custom=True)


def test_the_terrorism_topic_changes_no_stix_type_or_id() -> None:
    syndicate = _organisation(["crime.traffick.drug"])
    terrorist = _organisation(["crime.traffick.drug", "crime.terror"])
    assert syndicate["threat_actor_types"] == ["crime-syndicate"]
    assert terrorist["threat_actor_types"] == ["terrorist"]
    assert terrorist["id"] == syndicate["id"]
    for schema in ("Organization", "Company", "Person", "LegalEntity"):
        drugs = stix_type_for(schema, {"topics": ["crime.traffick.drug"]})
        both = stix_type_for(schema, {"topics": ["crime.traffick.drug", "crime.terror"]})
        assert both == drugs, schema
        alone = stix_type_for(schema, {"topics": ["crime.terror"]})
        assert alone == stix_type_for(schema, {"topics": ["crime"]}), schema


def test_a_person_with_the_terrorism_topic_stays_an_identity() -> None:
    rows = _rows(
        "per-ct-1", "Person", {"name": ["Rubén Ocampo Villaseñor"], "topics": ["crime.terror"]}
    )
    person = entity_object(SCOPE, "per-ct-1", rows, {})
    assert person["type"] == "identity" and "threat_actor_types" not in person
