"""Vínculo items as STIX 2.1 objects, and back.

Persons and organisations become `identity` (an organisation whose FtM topics say crime, a
`threat-actor`, of the type `terrorist` when one is `crime.terror`), addresses `location`, FtM
link entities with both ends `relationship`, reports `report` with a `language-content` for the
other language, anything else the custom `x-vinculo-entity`. Every object carries the FtM
statements it was built from, with their markings, in the Vínculo property extension, so a
Vínculo node loses nothing, while other tools read the core properties. Ids are UUIDv5 of the
Vínculo id (and the node and collection), so exporting again gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from followthemoney import model
from followthemoney.statement import BASE_ID, Statement

from vinculo.exchange.markings import NAMESPACE, marking_refs, markings_json
from vinculo.intel.ftm import assemble
from vinculo.intel.schemas import ReportRead
from vinculo.security.markings import Markings

SPEC = "2.1"
MEDIA_TYPE = "application/stix+json;version=2.1"
EXTENSION_ID = f"extension-definition--{uuid.uuid5(NAMESPACE, 'vinculo-ftm-statements/1')}"
EXTENSION_SCHEMA = "https://vinculo.example/stix/ftm-statements/v1"
CUSTOM_TYPE = "x-vinculo-entity"
CRIME = re.compile(r"^crime(\.|$)")
TERROR = "crime.terror"


def timestamp(at: datetime) -> str:
    """A STIX timestamp with millisecond precision (naive datetimes are UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> datetime:
    """A STIX timestamp as a naive UTC datetime (ValueError if it is not one)."""
    if not text.endswith("Z") or "T" not in text:
        raise ValueError(text)
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=None)


def derived_id(stix_type: str, *parts: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def agency_identity_id(agency: str) -> str:
    return derived_id("identity", "agency", agency)


def node_identity_id(node: str) -> str:
    return derived_id("identity", "node", node)


def agency_identity(agency: str, name: str) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC,
        "id": agency_identity_id(agency),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "identity_class": "organization",
        "sectors": ["government-national"],
        "external_references": [{"source_name": "vinculo-agency", "external_id": agency}],
    }


def node_identity(node: str, nation: str) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC,
        "id": node_identity_id(node),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"Vínculo node {node} ({nation})",
        "identity_class": "system",
    }


def extension_definition(node: str) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": SPEC,
        "id": EXTENSION_ID,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "created_by_ref": node_identity_id(node),
        "name": "Vínculo FtM statements",
        "description": (
            "The FollowTheMoney statements a Vínculo object is made of, each with its full "
            "markings (TLP, REL TO, ORCON, need-to-know groups, sharing, originator), and a "
            "report's full record, so that two Vínculo nodes lose nothing."
        ),
        "schema": EXTENSION_SCHEMA,
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }


@dataclass(frozen=True)
class Scope:
    """Where an object is published: the node and the collection (part of every id)."""

    node: str
    collection_id: str

    def entity_uuid(self, entity_id: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.node}|{self.collection_id}|entity|{entity_id}"))

    def report_id(self, report_id: str) -> str:
        return derived_id("report", self.node, self.collection_id, "report", report_id)

    def language_id(self, report_id: str) -> str:
        return derived_id("language-content", self.node, self.collection_id, "lang", report_id)


@dataclass
class StatementIn:
    """A statement as the exporter hands it over: the row's values and its markings."""

    id: str
    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    lang: str | None
    original_value: str | None
    dataset: str
    report_id: str | None
    first_seen: datetime
    last_seen: datetime
    marking_id: int
    markings: Markings


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def stix_type_for(schema_name: str, props: dict[str, list[str]]) -> str:
    """The STIX type an FtM entity maps to, from its schema and visible properties."""
    schema = model.get(schema_name)
    if schema is None:
        return CUSTOM_TYPE
    if schema.is_a("Address"):
        return "location"
    if schema.is_a("Organization") and any(CRIME.match(t) for t in props.get("topics", [])):
        return "threat-actor"
    if schema.is_a("LegalEntity"):
        return "identity"
    source, target = schema.edge_source, schema.edge_target
    if schema.edge and source and target and props.get(source) and props.get(target):
        return "relationship"
    return CUSTOM_TYPE


# Item keys of what a terrorist group's threat-actor brings with it (partners only).
INTRUSION_PREFIX = "intrusion-set:"
ATTRIBUTION_PREFIX = "attribution:"


def intrusion_set_objects(
    scope: Scope, entity_id: str, actor: dict[str, Any]
) -> list[dict[str, Any]]:
    """A terrorist group's intrusion set, and the relationship attributing it to the group's
    threat-actor: STIX keeps the behaviour and resources a group shares (the intrusion set)
    apart from who is behind them, and tools such as OpenCTI list terrorist groups by their
    intrusion sets. Both say only what the threat-actor says (its name and aliases), under
    its markings, and change and go with it; none for any other object."""
    if actor["type"] != "threat-actor" or "terrorist" not in actor.get("threat_actor_types", []):
        return []
    common = {
        "spec_version": SPEC,
        "created": actor["created"],
        "modified": actor["modified"],
        "created_by_ref": actor["created_by_ref"],
        "object_marking_refs": list(actor["object_marking_refs"]),
    }
    intrusion: dict[str, Any] = {
        "type": "intrusion-set",
        "id": f"intrusion-set--{scope.entity_uuid(INTRUSION_PREFIX + entity_id)}",
        **common,
        "name": actor["name"],
    }
    if actor.get("aliases"):
        intrusion["aliases"] = list(actor["aliases"])
    named = [g for g in actor.get("granular_markings", []) if g.get("selectors") == ["name"]]
    if named:
        intrusion["granular_markings"] = named
    attribution = {
        "type": "relationship",
        "id": f"relationship--{scope.entity_uuid(ATTRIBUTION_PREFIX + entity_id)}",
        **common,
        "relationship_type": "attributed-to",
        "source_ref": intrusion["id"],
        "target_ref": actor["id"],
    }
    return [intrusion, attribution]


def content_hash(obj: dict[str, Any]) -> str:
    """What the object says, its version stamp left out: equal hashes, nothing to publish."""
    body = {k: v for k, v in obj.items() if k not in ("modified", "object_modified")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _granular(refs: list[str], selector: str) -> list[dict[str, Any]]:
    return [{"marking_ref": ref, "selectors": [selector]} for ref in refs]


def _widest(statements: Sequence[StatementIn]) -> Markings:
    return min((s.markings for s in statements), key=lambda m: m.restrictiveness())


def _statement_json(s: StatementIn) -> dict[str, Any]:
    return {
        "id": s.id,
        "prop": s.prop,
        "prop_type": s.prop_type,
        "value": s.value,
        "lang": s.lang,
        "original_value": s.original_value,
        "dataset": s.dataset,
        "report_id": s.report_id,
        "first_seen": timestamp(s.first_seen),
        "last_seen": timestamp(s.last_seen),
        "markings": markings_json(s.markings),
    }


def entity_object(
    scope: Scope,
    entity_id: str,
    statements: Sequence[StatementIn],
    ref_of: dict[str, str],
) -> dict[str, Any]:
    """The STIX object of an entity made of the given (releasable) statements.

    `ref_of` gives the STIX id of each entity a link points at. The object's markings are
    those of its widest statement; fields and statements marked otherwise get granular
    markings of their own.
    """
    # The same value from two reports: the older first. Their datasets name the reports by
    # random ids, whose order told nothing and differed from store to store.
    rows = sorted(
        statements, key=lambda s: (s.prop != BASE_ID, s.prop, s.value, s.first_seen, s.dataset)
    )
    entity = assemble(
        [
            Statement(
                entity_id=s.entity_id,
                prop=s.prop,
                schema=s.schema,
                value=s.value,
                dataset=s.dataset,
                lang=s.lang,
                id=s.id,
            )
            for s in rows
        ]
    )
    props: dict[str, list[str]] = {k: list(v) for k, v in entity.properties.items()}
    schema = entity.schema
    stix_type = stix_type_for(schema.name, props)
    widest = _widest(rows)
    created = min(s.first_seen for s in rows)
    obj: dict[str, Any] = {
        "type": stix_type,
        "spec_version": SPEC,
        "id": f"{stix_type}--{scope.entity_uuid(entity_id)}",
        "created": timestamp(created),
        "modified": timestamp(max(s.first_seen for s in rows)),
        "created_by_ref": agency_identity_id(widest.originator),
        "object_marking_refs": marking_refs(widest),
    }
    caption = entity.caption or entity_id
    if stix_type == "identity":
        obj["name"] = caption
        obj["identity_class"] = "individual" if schema.is_a("Person") else "organization"
        contact = props.get("phone", []) + props.get("email", [])
        if contact:
            obj["contact_information"] = "; ".join(contact)
    elif stix_type == "threat-actor":
        obj["name"] = caption
        # threat-actor-type-ov. Only the field follows the topic: the object's type is the
        # same for every crime topic, so marking a group terrorist revokes nothing on partners.
        terrorist = TERROR in props.get("topics", [])
        obj["threat_actor_types"] = ["terrorist" if terrorist else "crime-syndicate"]
        if props.get("alias"):
            obj["aliases"] = props["alias"]
    elif stix_type == "location":
        obj["name"] = caption
        countries = props.get("country", [])
        if countries:
            obj["country"] = countries[0].upper()
        else:
            obj["region"] = "americas"
        if props.get("city"):
            obj["city"] = props["city"][0]
        if props.get("street"):
            obj["street_address"] = props["street"][0]
    elif stix_type == "relationship":
        source = props[str(schema.edge_source)][0]
        target = props[str(schema.edge_target)][0]
        obj["relationship_type"] = _kebab(schema.name)
        obj["source_ref"] = ref_of.get(source, f"identity--{scope.entity_uuid(source)}")
        obj["target_ref"] = ref_of.get(target, f"identity--{scope.entity_uuid(target)}")
    else:
        obj["name"] = caption
        obj["x_ftm_schema"] = schema.name
    widest_refs = set(obj["object_marking_refs"])
    granular: list[dict[str, Any]] = []
    base = f"extensions.{EXTENSION_ID}.statements"
    for index, s in enumerate(rows):
        refs = marking_refs(s.markings)
        if set(refs) != widest_refs:
            granular.extend(_granular(refs, f"{base}.[{index}]"))
            if "name" in obj and s.prop == "name" and s.value == obj["name"]:
                granular.extend(_granular(refs, "name"))
    if granular:
        obj["granular_markings"] = granular
    obj["extensions"] = {
        EXTENSION_ID: {
            "extension_type": "property-extension",
            "node": scope.node,
            "entity_id": entity_id,
            "schema": schema.name,
            "statements": [_statement_json(s) for s in rows],
        }
    }
    return obj


def report_object(
    scope: Scope, report: ReportRead, markings: Markings, object_refs: list[str]
) -> dict[str, Any]:
    """A report as intel reads it (`intel.service.report_read`), under its markings; it
    names the given STIX ids, or its agency when there are none."""
    lang = "en" if report.title_en else "es"
    name = report.title_en or report.title_es
    description = report.body_en if lang == "en" else report.body_es
    return {
        "type": "report",
        "spec_version": SPEC,
        "id": scope.report_id(report.id),
        "created": timestamp(report.created_at),
        "modified": timestamp(report.created_at),
        "created_by_ref": agency_identity_id(report.agency),
        "name": name,
        "description": description or name,
        "lang": lang,
        "report_types": ["threat-report"],
        "labels": [report.predicate],
        "published": timestamp(report.created_at),
        "object_refs": object_refs or [agency_identity_id(report.agency)],
        "object_marking_refs": marking_refs(markings),
        "extensions": {
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "node": scope.node,
                "report": {
                    "id": report.id,
                    "title_en": report.title_en,
                    "title_es": report.title_es,
                    "body_en": report.body_en,
                    "body_es": report.body_es,
                    "agency": report.agency,
                    "nation": report.nation,
                    "reliability": report.reliability,
                    "credibility": report.credibility,
                    "predicate": report.predicate,
                    "suspicion": report.suspicion,
                    "review_by": report.review_by.isoformat(),
                    "attest_no_protected_views": report.attest_no_protected_views,
                    "created_at": timestamp(report.created_at),
                    "markings": markings_json(markings),
                },
            }
        },
    }


def language_content(
    scope: Scope, report: ReportRead, report_obj: dict[str, Any]
) -> dict[str, Any]:
    """The report's text in its other language, if it has one; else an empty dict."""
    other = "es" if report_obj["lang"] == "en" else "en"
    title = report.title_es if other == "es" else report.title_en
    body = report.body_es if other == "es" else report.body_en
    if not (title or body):
        return {}
    contents = {k: v for k, v in (("name", title), ("description", body)) if v}
    return {
        "type": "language-content",
        "spec_version": SPEC,
        "id": scope.language_id(report.id),
        "created": report_obj["created"],
        "modified": report_obj["modified"],
        "created_by_ref": report_obj["created_by_ref"],
        "object_ref": report_obj["id"],
        "object_modified": report_obj["modified"],
        "contents": {other: contents},
        "object_marking_refs": report_obj["object_marking_refs"],
    }


# A revoked version holds only what STIX 2.1 requires of its type, with stand-in values that
# say nothing of the item: the common properties, `created_by_ref` (which no new version may
# change), the markings of the version it revokes, and each type's required properties.
REVOKED_NAME = "[revoked]"
_KEPT_WHEN_REVOKED = ("type", "spec_version", "id", "created", "created_by_ref")


def revoked_object(obj: dict[str, Any], modified: str, marking_refs: list[str]) -> dict[str, Any]:
    """The revoked version of `obj`: no name, text, statement, reference or granular marking
    of the item survives in it."""
    out: dict[str, Any] = {k: obj[k] for k in _KEPT_WHEN_REVOKED if k in obj}
    out["modified"] = modified
    out["revoked"] = True
    # A reference that points at no item of the collection: who made the object.
    stand_in = str(obj.get("created_by_ref") or out["id"])
    kind = out["type"]
    if kind in ("identity", "threat-actor"):
        out["name"] = REVOKED_NAME
    elif kind == "report":
        out["name"] = REVOKED_NAME
        out["published"] = obj["created"]
        out["object_refs"] = [stand_in]
    elif kind == "location":
        # One of region, country or coordinates is required; the mapping's own region.
        out["region"] = "americas"
    elif kind == "relationship":
        out["relationship_type"] = "related-to"
        out["source_ref"] = out["target_ref"] = stand_in
    elif kind == "language-content":
        out["object_ref"] = obj["object_ref"]
        out["contents"] = {lang: {} for lang in list(obj.get("contents") or {"en": {}})[:1]}
    if marking_refs:
        out["object_marking_refs"] = marking_refs
    return out


def vinculo_extension(obj: dict[str, Any]) -> dict[str, Any] | None:
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID)
    return ext if isinstance(ext, dict) else None
