"""Vínculo markings as STIX 2.1 marking definitions, and the rule for crossing the border.

TLP 2.0 uses the official marking definitions OASIS published (fixed ids, property extension
`extension-definition--60a3c5c5-…`); REL TO, ORCON, need-to-know groups and sharing are
statement markings whose ids are UUIDv5 of their text, so every node derives the same id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vinculo import vocab
from vinculo.security.markings import TLP, Actor, Markings, can_see

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# STIX 2.1's own TLP 1.0 definitions, understood on receipt (WHITE is CLEAR).
TLP1_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
TLP_BY_ID: dict[str, TLP] = {v: k for k, v in TLP2_IDS.items()} | TLP1_IDS
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
# Namespace of every id Vínculo derives (marking statements, objects, the extension).
NAMESPACE = uuid.UUID("6b1f7d3e-2f0c-5a8e-9c4d-7e0b5a9f1c21")


def tlp_definition(level: TLP) -> dict[str, Any]:
    """The official TLP 2.0 marking definition for a level."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": TLP2_CREATED,
        "name": f"TLP:{level.value}",
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level.value.lower(),
            }
        },
    }


def statement_id(text: str) -> str:
    return f"marking-definition--{uuid.uuid5(NAMESPACE, 'statement:' + text)}"


def statement_definition(text: str) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": statement_id(text),
        "created": TLP2_CREATED,
        "name": text,
        "definition_type": "statement",
        "definition": {"statement": text},
    }


def statements_of(m: Markings) -> list[str]:
    """The statement markings that say what TLP alone does not."""
    texts = [f"REL TO {', '.join(sorted(m.rel_to))}"]
    if m.orcon:
        texts.append("ORCON")
    if m.groups:
        texts.append(f"NEED TO KNOW {', '.join(sorted(m.groups))}")
    if m.shared_with:
        texts.append(f"SHARED WITH {', '.join(sorted(m.shared_with))}")
    return texts


def marking_refs(m: Markings) -> list[str]:
    return list(_marking_refs(m))


@lru_cache(maxsize=4096)
def _marking_refs(m: Markings) -> tuple[str, ...]:
    return (TLP2_IDS[m.tlp], *(statement_id(t) for t in statements_of(m)))


def definitions_for(m: Markings) -> list[dict[str, Any]]:
    return [tlp_definition(m.tlp), *(statement_definition(t) for t in statements_of(m))]


def markings_json(m: Markings) -> dict[str, Any]:
    """The full Vínculo markings, as the extension carries them between nodes."""
    return {
        "tlp": m.tlp.value,
        "originator": m.originator,
        "rel_to": sorted(m.rel_to),
        "orcon": m.orcon,
        "groups": sorted(m.groups),
        "recipients": sorted(m.recipients),
        "shared_with": sorted(m.shared_with),
    }


def markings_from_json(data: Any) -> Markings:
    """Markings a partner sent, checked against this node's vocabularies (MarkingError)."""
    if not isinstance(data, dict):
        raise ValueError("markings must be an object")

    def names(key: str) -> list[str]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"markings.{key} must be a list of text")
        return value

    return Markings.create(
        tlp=str(data.get("tlp", "")),
        originator=str(data.get("originator", "")),
        rel_to=names("rel_to"),
        orcon=bool(data.get("orcon", False)),
        groups=names("groups"),
        recipients=names("recipients"),
        shared_with=names("shared_with"),
    )


@dataclass(frozen=True)
class Audience:
    """Who a collection is served to: partner nodes, each of a nation, and task-force groups."""

    partners: tuple[tuple[str, str], ...]  # (partner name, nation)
    groups: frozenset[str]

    def actors(self, partner: str, nation: str) -> list[Actor]:
        """The partner node as an Actor of each agency of its nation: an item crosses when
        `can_see` lets one of them read it (GREEN to the nation, AMBER shared with one of
        its agencies)."""
        agencies = [a for a in vocab.agencies().codes() if vocab.agency_nation(a) == nation]
        return [
            Actor(username=f"node:{partner}", nation=nation, agency=a, groups=self.groups)
            for a in agencies
        ]


def crosses(audience: Audience, m: Markings) -> bool:
    """Whether items with markings `m` may go to every partner of the audience, ORCON aside.

    RED goes to named people, never to a node; a task force's collection carries only what is
    marked for that task force, an agreement's only what needs no group.
    """
    if m.tlp is TLP.RED:
        return False
    if audience.groups:
        if not (m.groups & audience.groups):
            return False
    elif m.groups:
        return False
    for partner, nation in audience.partners:
        # REL TO binds at the border, CLEAR included (docs/markings.md: crossing the border).
        if nation not in m.rel_to:
            return False
        if not any(can_see(actor, m) for actor in audience.actors(partner, nation)):
            return False
    return bool(audience.partners)


def releasable_ids(audience: Audience, markings: Iterable[tuple[int, Markings]]) -> set[int]:
    return {marking_id for marking_id, m in markings if crosses(audience, m)}
