"""Reports written out in full in a data file (`demo/data/<name>.yml`) instead of drawn: a story
whose every word and entity is chosen, such as the counter-terrorism one.

The file is checked as it is read, with errors that name the file, the report and the field:
an author who is a demo account, a predicate of vocab/offences.yml, links that point at
entities of the same report (each report is self-contained, as the drawn ones are), and an
entity id the drawn reports also use only with the name they give it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from followthemoney import model

from vinculo import vocab
from vinculo.demo.catalogue import USERS, read
from vinculo.demo.shapes import ReportSpec
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate


class ScriptError(ValueError):
    """A written-out report that the demo cannot file as it stands."""


def _names(reports: Sequence[ReportSpec]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in reports:
        for entity in item.report.entities:
            if entity.id:
                found.setdefault(entity.id, set()).update(entity.properties.get("name", []))
    return found


def _entities(where: str, rows: list[dict[str, Any]], drawn: dict[str, set[str]]) -> list[EntityIn]:
    entities = [
        EntityIn(
            id=str(row["id"]),
            schema_=str(row["schema"]),
            properties={k: [str(v) for v in vs] for k, vs in row["properties"].items()},
        )
        for row in rows
    ]
    ids = {e.id for e in entities}
    for entity in entities:
        at = f"{where}, entity {entity.id}"
        schema = model.get(entity.schema_)
        if schema is None:
            raise ScriptError(f"{at}: unknown FtM schema {entity.schema_!r}")
        for prop_name, values in entity.properties.items():
            prop = schema.get(prop_name)
            if prop is None:
                raise ScriptError(f"{at}: {entity.schema_} has no property {prop_name!r}")
            if prop.type.name == "entity" and not set(values) <= ids:
                missing = sorted(set(values) - ids)
                raise ScriptError(f"{at}: {prop_name} points at {missing}, not in this report")
        names = set(entity.properties.get("name", []))
        if entity.id in drawn and names and not names & drawn[entity.id]:
            raise ScriptError(f"{at}: the drawn reports call it {sorted(drawn[entity.id])}")
    return entities


def scripted_reports(name: str, drawn: Sequence[ReportSpec]) -> list[ReportSpec]:
    """The reports of `demo/data/<name>.yml`, checked against the reports drawn before them."""
    users = {u.username: u for u in USERS}
    names = _names(drawn)
    specs = []
    for index, row in enumerate(read(name)["reports"]):
        where = f"demo/data/{name}.yml, report {index}"
        author = users.get(row["author"])
        if author is None:
            raise ScriptError(f"{where}: author {row['author']!r} is not a demo account")
        if row["predicate"] not in vocab.load("offences"):
            raise ScriptError(f"{where}: predicate {row['predicate']!r} not in offences.yml")
        markings = MarkingsIn(**row["markings"])
        outside = sorted(set(markings.groups) - set(author.groups))
        if outside:
            raise ScriptError(f"{where}: {author.username} is not in the groups {outside}")
        report = ReportCreate(
            title_en=row["title"]["en"],
            title_es=row["title"]["es"],
            body_en=row["body"]["en"],
            body_es=row["body"]["es"],
            reliability=row["reliability"],
            credibility=row["credibility"],
            predicate=row["predicate"],
            suspicion=row["suspicion"],
            # 28 CFR 23.20(b): the story records conduct, never views or associations as such.
            attest_no_protected_views=True,
            review_by=row["review_by"],
            markings=markings,
            entities=_entities(where, row["entities"], names),
        )
        specs.append(ReportSpec(author=author.username, report=report))
    return specs
