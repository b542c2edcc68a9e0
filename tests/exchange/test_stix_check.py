"""The receiver's quick check of the plain identities the mapping writes never lets through an
object stix2 would reject: every verdict stays stix2's.

The cases are the objects the mapping produces (people, organisations, the agency and node
identities, reports, the extension definition, with granular markings where releasability
differs), the malformed objects of test_sync_faults.py, every single-field mutation of a
mapped person from a list of odd values, and seeded random combinations of those.
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import date, datetime
from typing import Any

import pytest
import stix2

from vinculo.exchange.stix import (
    EXTENSION_ID,
    Scope,
    StatementIn,
    agency_identity,
    entity_object,
    extension_definition,
    node_identity,
    report_object,
)
from vinculo.exchange.validate import Rejected
from vinculo.exchange.validate import check_stix as _check_stix
from vinculo.exchange.validate import plainly_valid as _plainly_valid
from vinculo.exchange.validate import stix_core as _core
from vinculo.intel.schemas import ReportRead
from vinculo.intel.service import markings_read
from vinculo.security.markings import Markings

GREEN = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"])
AMBER = Markings.create(tlp="AMBER", originator="FGR", rel_to=["USA", "MEX"])
SCOPE = Scope("us", "c1")


def mapped(
    entity_id: str, schema: str, props: list[tuple[str, str, str, Markings]]
) -> dict[str, Any]:
    seen = datetime(2026, 5, 1, 12, 0, 0, 123000)
    rows = [
        StatementIn(
            id=f"s-{entity_id}-{index}",
            entity_id=entity_id,
            schema=schema,
            prop=prop,
            prop_type=prop_type,
            value=value,
            lang=None,
            original_value=None,
            dataset="bench-people",
            report_id=None,
            first_seen=seen,
            last_seen=seen,
            marking_id=1,
            markings=markings,
        )
        for index, (prop, prop_type, value, markings) in enumerate(
            [("id", "id", entity_id, GREEN), *props]
        )
    ]
    return entity_object(SCOPE, entity_id, rows, {})


def mapping_objects() -> list[dict[str, Any]]:
    report = ReportRead(
        id="abcdef0123456789",
        title_en="Pill presses",
        title_es="Prensas",
        body_en="Moved at night.",
        body_es="De noche.",
        agency="DEA",
        nation="USA",
        reliability="B",
        credibility=2,
        predicate="drug_trafficking",
        suspicion="Payments.",
        review_by=date(2027, 6, 1),
        attest_no_protected_views=True,
        created_at=datetime(2026, 5, 1, 12, 0, 0),
        markings=markings_read(GREEN),
    )
    return [
        mapped("per-1", "Person", [("name", "name", "Persona 1 Sintética", GREEN)]),
        mapped(
            "per-2",
            "Person",
            [
                ("name", "name", "José Ángel García López", GREEN),
                ("nationality", "country", "mx", GREEN),
                ("birthDate", "date", "1970-01-01", AMBER),
            ],
        ),
        mapped("org-1", "Organization", [("name", "name", "Cártel del Pacífico", AMBER)]),
        mapped("com-1", "Company", [("name", "name", "Transportes Norte SA", GREEN)]),
        agency_identity("DEA", "Drug Enforcement Administration"),
        node_identity("us", "USA"),
        extension_definition("us"),
        report_object(SCOPE, report, GREEN, []),
    ]


def stix2_accepts(core: dict[str, Any]) -> bool:
    try:
        stix2.parse(copy.deepcopy(core), allow_custom=True)
    except Exception:
        return False
    return True


ODD: list[Any] = [
    None,
    "",
    " ",
    [],
    {},
    0,
    1,
    1.5,
    True,
    False,
    "x",
    ["x"],
    {"a": 1},
    "identity--00000000-0000-0000-0000-000000000000",
    "identity--9AD18C3B-CC3D-5C9E-BCDF-DF92AFAE3EE1",
    "identity--9ad18c3b-cc3d-5c9e-7cdf-df92afae3ee1",
    "identity--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1",
    "report--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1",
    "marking-definition--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1",
    ["marking-definition--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1"],
    ["marking-definition--9ad18c3b-cc3d-5c9e-cdf-df92afae3ee1"],
    ["identity--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1"],
    ["marking-definition--9ad18c3b-cc3d-5c9e-bcdf-df92afae3ee1", 1],
    "2026-11-28T05:14:44.996Z",
    "2026-11-28T05:14:44Z",
    "2026-11-28T05:14:44.9Z",
    "2026-11-28T05:14:44.99Z",
    "2026-11-28T05:14:44.9961Z",
    "2026-11-28T05:14:44.996123Z",
    "2026-11-28T05:14:44.996",
    "2026-11-28 05:14:44.996Z",
    "2026-13-28T05:14:44.996Z",
    "2026-02-30T05:14:44.996Z",
    "2024-02-29T23:59:59.999Z",
    "2026-11-28T24:00:00.000Z",
    "2026-11-28T23:59:60.000Z",
    "0999-11-28T05:14:44.996Z",
    "0000-11-28T05:14:44.996Z",
    "1000-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "2026-11-28T05:14:44.996+00:00",
    "２０２６-11-28T05:14:44.996Z",
    "individual",
    "organization",
    "Individual",
    "unknown",
    "identity",
    "2.0",
    "2.1",
    {EXTENSION_ID: {"extension_type": "property-extension"}},
    {EXTENSION_ID: {"extension_type": "toplevel-property-extension"}},
    {EXTENSION_ID: {"extension_type": "new-sdo"}},
    {EXTENSION_ID: {}},
    {"extension-definition--not-a-uuid": {"extension_type": "property-extension"}},
    {"x-custom-ext": {"a": 1}},
    "Persona 1 Sintética",
    "\x00",
]
KEYS = [
    "type",
    "spec_version",
    "id",
    "created",
    "modified",
    "created_by_ref",
    "object_marking_refs",
    "name",
    "identity_class",
    "extensions",
    "revoked",
    "labels",
    "description",
    "x_extra",
    "1bad",
    "granular_markings",
]


def mutations() -> list[dict[str, Any]]:
    base = _core(mapped("per-9", "Person", [("name", "name", "Persona 9", GREEN)]))
    found = []
    for key in KEYS:
        without = copy.deepcopy(base)
        without.pop(key, None)
        found.append(without)
        for value in ODD:
            changed = copy.deepcopy(base)
            changed[key] = copy.deepcopy(value)
            found.append(changed)
    chance = random.Random(20261128)
    for _ in range(1500):
        changed = copy.deepcopy(base)
        for _ in range(chance.randint(1, 4)):
            key = chance.choice(KEYS)
            if chance.random() < 0.15:
                changed.pop(key, None)
            else:
                changed[key] = copy.deepcopy(chance.choice(ODD))
        found.append(changed)
    return found


def test_the_quick_check_takes_the_mapped_people_and_lets_nothing_through_stix2_rejects() -> None:
    cases = [_core(o) for o in mapping_objects()] + mutations()
    quick = 0
    for core in cases:
        if _plainly_valid(core):
            quick += 1
            assert stix2_accepts(core), core
    # Not vacuous: the people the mapping writes take the quick path (granular markings on a
    # core field leave an object to stix2), and so do some mutants.
    people = [_core(o) for o in mapping_objects()[:4]]
    assert [_plainly_valid(c) for c in people] == [True, True, False, True]
    assert "granular_markings" in people[2]
    assert quick > 50
    # And stix2 does reject many of the mutants, which the quick check left to it.
    assert sum(not stix2_accepts(c) for c in cases) > 500


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "identity", "id": "identity--not-a-uuid", "name": "bad"},
        {"type": "identity", "id": f"identity--{uuid.uuid4()}", "spec_version": "2.1"},
        {"type": "identity", "id": f"identity--{uuid.uuid4()}", "name": "n", "created": "x"},
        {
            "type": "identity",
            "id": f"identity--{uuid.uuid4()}",
            "name": "n",
            "object_marking_refs": [f"identity--{uuid.uuid4()}"],
        },
    ],
)
def test_malformed_objects_get_stix2s_verdict(obj: dict[str, Any]) -> None:
    assert not _plainly_valid(_core(obj))
    with pytest.raises(Rejected) as rejected:
        _check_stix(obj)
    assert rejected.value.reason == "invalid"
    assert str(rejected.value).startswith("stix2: ")
