"""Security-force units as FtM entities in intel's statement store, and their chain of command.

A unit is a `PublicBody`: its names (`name`, the Spanish and English statements told apart
by their language), its force (`classification`, a code of vocab/forces.yml), its parent
unit (`parent`) and its place (`addressEntity`, an `Address`). Its command is a `Position`
of the unit held over time by `Occupancy` (holder, post, startDate, endDate), as
OpenSanctions writes a post and its holders; its people are `Membership`s with their dates.
No schema of our own: everything is read back through the statements the reader may see.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from followthemoney import model
from followthemoney.statement import Statement
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.ftm import Where, assemble, check_entity, statement_key
from vinculo.intel.marks import entity_markings, highest, narrowest_first
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.service import (
    marking_signature,
    markings_from_input,
    markings_read,
    store_entities,
    visible_statements,
)
from vinculo.oversight.schemas import (
    ChainRead,
    ChainUnit,
    CommanderRead,
    LocationRead,
    Span,
    UnitImport,
    UnitIn,
)
from vinculo.resolve.store import members
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.policy import marking_id_for, visible_marking_ids
from vinculo.security.roles import Permission, require

UNIT_SCHEMA = "PublicBody"
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
MAX_SOURCE = 128
# A chain longer than this is a loop the reader's statements make (two sources each naming
# the other unit as parent); it stops where it would repeat.
MAX_DEPTH = 64
LANGS = {"es": "spa", "en": "eng"}

Props = dict[str, list[str]]


def _made_id(prefix: str, *parts: str) -> str:
    """An id for an entity the file implies (address, post, stint): the same file imported
    again makes the same ids, so its statements are seen again rather than doubled."""
    return f"{prefix}-" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]


def _country(value: str) -> str | None:
    prop = model.get("Address").get("country")  # type: ignore[union-attr]
    assert prop is not None
    cleaned = prop.type.clean(value, proxy=None)
    return str(cleaned) if cleaned else None


# --- import ----------------------------------------------------------------------------------


def _visible_units(*, session: Session, visible: list[int], ids: Iterable[str]) -> set[str]:
    """Those of `ids` the reader sees as an organisation (a unit may name one as parent)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    rows = visible_statements(session=session, entity_ids=wanted, visible=visible)
    for entity_id, statements in rows.items():
        schema = model.get(statements[0].schema)
        if schema is not None and schema.is_a("Organization"):
            found.add(entity_id)
    return found


def _check_spans(unit: UnitIn, key: str, spans: list[Span], fail: _Fail) -> None:
    for index, span in enumerate(spans):
        field = f"{key}[{index}]"
        if not (span.name.strip() or (span.id or "").strip()):
            fail(N_("name the person or give their entity id"), f"{field}.name", span.line)
        if span.id and not ID.match(span.id):
            fail(N_("{value} cannot be an entity id"), f"{field}.id", span.line, value=span.id)
        if span.end is not None and span.end < span.start:
            fail(N_("the span ends before it starts"), f"{field}.end", span.line)
    if key != "commanders":
        return
    # One commander at a time: a file whose spans overlap says two things at once.
    ordered = sorted(enumerate(spans), key=lambda pair: pair[1].start)
    for (_i, before), (j, after) in itertools.pairwise(ordered):
        if before.end is None or after.start <= before.end:
            fail(
                N_("this span overlaps the one starting {value}"),
                f"{key}[{j}].start",
                after.line,
                value=before.start.isoformat(),
            )


class _Fail:
    """Collects every fault of a file, each naming the file, line and field."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.errors: list[InvalidInput] = []

    def __call__(self, message: str, field: str, line: int | None, **params: object) -> None:
        self.errors.append(
            InvalidInput(message, file=self.file_name, line=line, field=field, **params)
        )


def _check_units(*, session: Session, actor: Actor, units: list[UnitIn], file_name: str) -> None:
    fail = _Fail(file_name)
    in_file: dict[str, UnitIn] = {}
    for unit in units:
        if unit.id in in_file:
            fail(N_("the unit {value} is given twice"), "id", unit.line, value=unit.id)
        in_file.setdefault(unit.id, unit)
    outside = {u.parent for u in units if u.parent and u.parent not in in_file}
    visible = visible_marking_ids(session=session, actor=actor)
    known = _visible_units(session=session, visible=visible, ids=outside)
    forces = vocab.forces()
    for unit in units:

        def at(field: str, unit: UnitIn = unit) -> int | None:
            return unit.lines.get(field.split(".")[0], unit.line)

        if not ID.match(unit.id):
            fail(N_("give the unit an id of letters, digits, '.', ':', '_' or '-'"), "id", at("id"))
        if not (unit.name_es.strip() or unit.name_en.strip()):
            fail(N_("give a name in Spanish or English"), "name_es", at("name_es"))
        if unit.force not in forces:
            fail(N_("unknown force {value}"), "force", at("force"), value=unit.force)
        if unit.parent and unit.parent == unit.id:
            fail(N_("a unit cannot be its own parent"), "parent", at("parent"))
        elif unit.parent and unit.parent not in in_file and unit.parent not in known:
            # The same words for a unit that does not exist and one the reader may not see.
            fail(N_("unknown parent unit {value}"), "parent", at("parent"), value=unit.parent)
        if unit.location and unit.location.country and not _country(unit.location.country):
            value = unit.location.country
            fail(N_("unknown country {value}"), "location.country", at("location"), value=value)
        _check_spans(unit, "commanders", unit.commanders, fail)
        _check_spans(unit, "members", unit.members, fail)
    # Parents within the file must reach a top: a loop has no chain of command.
    for unit in units:
        seen, current = {unit.id}, in_file.get(unit.parent)
        while current is not None:
            if current.id in seen:
                fail(
                    N_("the parents of {value} go round in a loop"),
                    "parent",
                    unit.line,
                    value=unit.id,
                )
                break
            seen.add(current.id)
            current = in_file.get(current.parent)
    if fail.errors:
        raise InvalidFields(fail.errors)


def _add(
    entities: dict[str, tuple[str, Props, int | None]],
    entity_id: str,
    schema: str,
    props: Props,
    line: int | None,
) -> None:
    _schema, old, _first = entities.setdefault(entity_id, (schema, {}, line))
    for prop, values in props.items():
        for value in values:
            if value and value not in old.setdefault(prop, []):
                old[prop].append(value)


def _entities(units: list[UnitIn], source: str) -> dict[str, tuple[str, Props, int | None]]:
    """The FtM entities a checked file asserts, by id: (schema, properties, line)."""
    entities: dict[str, tuple[str, Props, int | None]] = {}

    def person(span: Span) -> str:
        person_id = span.id or _made_id("per", source, span.name.strip().casefold())
        _add(entities, person_id, "Person", {"name": [span.name.strip()]}, span.line)
        return person_id

    for unit in units:
        names = [n.strip() for n in (unit.name_es, unit.name_en) if n.strip()]
        props: Props = {"name": names, "classification": [unit.force], "parent": [unit.parent]}
        if unit.location is not None:
            place = unit.location
            address_id = _made_id("adr", source, unit.id)
            _add(
                entities,
                address_id,
                "Address",
                {
                    "full": [place.full],
                    "city": [place.city],
                    "state": [place.state],
                    "country": [place.country],
                },
                unit.line,
            )
            props["addressEntity"] = [address_id]
            props["country"] = [place.country]
        _add(entities, unit.id, UNIT_SCHEMA, props, unit.line)
        if unit.commanders:
            post = _made_id("pos", source, unit.id, "commander")
            title = f"{names[0]}: Comandante / Commander"
            _add(
                entities, post, "Position", {"name": [title], "organization": [unit.id]}, unit.line
            )
            for span in unit.commanders:
                holder = person(span)
                stint = _made_id("occ", source, post, holder, span.start.isoformat())
                _add(
                    entities,
                    stint,
                    "Occupancy",
                    {
                        "holder": [holder],
                        "post": [post],
                        "startDate": [span.start.isoformat()],
                        "endDate": [span.end.isoformat() if span.end else ""],
                    },
                    span.line,
                )
        for span in unit.members:
            member = person(span)
            link = _made_id("mem", source, unit.id, member, span.start.isoformat())
            _add(
                entities,
                link,
                "Membership",
                {
                    "member": [member],
                    "organization": [unit.id],
                    "role": [span.role.strip()],
                    "startDate": [span.start.isoformat()],
                    "endDate": [span.end.isoformat() if span.end else ""],
                },
                span.line,
            )
    return entities


def import_units(
    *,
    session: Session,
    actor: Actor,
    units: list[UnitIn],
    file_name: str,
    source: str,
    markings_in: MarkingsIn,
) -> UnitImport:
    """Store the units of a file, every statement under the file's markings, or nothing.

    Every fault of the file is named at once (file, line, field); nothing is committed here,
    so the caller's transaction keeps a refused file out whole.
    """
    require(actor, Permission.IMPORT)
    try:
        markings = markings_from_input(session=session, actor=actor, markings_in=markings_in)
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        error.file = file_name
        raise
    if not source.strip() or len(source) > MAX_SOURCE:
        raise InvalidInput(
            N_("name the source in at most {n} characters"),
            field="source",
            file=file_name,
            n=MAX_SOURCE,
        )
    _check_units(session=session, actor=actor, units=units, file_name=file_name)
    found = _entities(units, source)
    checked = []
    spots: dict[str, Where] = {}
    errors: list[InvalidInput] = []
    for entity_id, (schema, props, line) in found.items():
        where = Where(file=file_name, line=line)
        data = {"id": entity_id, "schema": schema, "properties": props}
        try:
            checked.append(check_entity(data, where))
        except InvalidInput as error:
            errors.append(error)
        spots[entity_id] = where
    if errors:
        raise InvalidFields(errors)
    marking_id = marking_id_for(session=session, markings=markings)
    written = store_entities(
        session=session,
        actor=actor,
        entities=checked,
        source=source,
        marking_id=marking_id,
        report_id=None,
        where=spots,
    )
    _mark_languages(session=session, units=units, source=source, marking_id=marking_id)
    summary = UnitImport(
        source=source,
        units=len(units),
        commanders=sum(len(u.commanders) for u in units),
        members=sum(len(u.members) for u in units),
        statements=written,
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="import",
        target=source,
        ids=sorted(found),
        detail={"file": file_name, **summary.model_dump(), "markings": markings.signature()},
    )
    return summary


def _mark_languages(*, session: Session, units: list[UnitIn], source: str, marking_id: int) -> None:
    """The Spanish and English names are both `name` statements; their language tells them
    apart (a name the same in both is stored once, as Spanish)."""
    signature = marking_signature(session=session, marking_id=marking_id)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        for locale, text in (("en", unit.name_en), ("es", unit.name_es)):
            if text.strip():
                key = statement_key(source, unit.id, "name", text.strip(), signature)
                by_lang[LANGS[locale]].append(key)
    for lang, keys in by_lang.items():
        for start in range(0, len(keys), 500):
            session.execute(
                update(StatementRow)
                .where(StatementRow.id.in_(keys[start : start + 500]))
                .values(lang=lang)
            )


# --- the chain of command --------------------------------------------------------------------


def _assembled(rows: list[StatementRow], canonical: str):  # type: ignore[no-untyped-def]
    """One entity from the visible statements of every record of one identity."""
    return assemble(
        [
            Statement(
                entity_id=canonical,
                prop=r.prop,
                schema=r.schema,
                value=r.value,
                dataset=r.dataset,
                lang=r.lang,
                id=r.id,
                canonical_id=canonical,
            )
            for r in rows
        ]
    )


def _bound(value: str, *, end: bool) -> date | None:
    """A FtM date (a year, a month or a day) as its first day, or its last one for an end."""
    parts = value[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        if len(parts) > 2:
            return date(year, month, int(parts[2]))
        if not end:
            return date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    except ValueError:
        return None


def _identity(*, session: Session, actor: Actor, entity_id: str) -> list[str]:
    """Every record the reader sees as one with `entity_id`, its canonical id first."""
    return members(session=session, actor=actor, entity_id=entity_id)


def banner(found: list[Markings]) -> str:
    """The banner over an item built from statements under all these markings."""
    return highest(found)[0]


def _marks(session: Session, visible: list[int], ids: Iterable[str]) -> list[Markings]:
    found = entity_markings(session=session, entity_ids=ids, visible=visible)
    return narrowest_first(m for marks in found.values() for m in marks)


def _refs(
    session: Session, visible: list[int], schema: str, prop: str, targets: list[str]
) -> list[str]:
    """Entities of `schema` whose visible `prop` statement names one of `targets`."""
    if not targets:
        return []
    rows = session.execute(
        select(StatementRow.entity_id)
        .where(
            StatementRow.prop_type == "entity",
            StatementRow.value.in_(targets),
            StatementRow.prop == prop,
            StatementRow.schema == schema,
            StatementRow.marking_id.in_(visible),
        )
        .distinct()
    )
    return sorted(r.entity_id for r in rows)


def _commanders(
    *, session: Session, actor: Actor, visible: list[int], ids: list[str], on: date
) -> tuple[list[CommanderRead], list[str]]:
    """Who held a post of the unit on `on`, and the ids shown, from visible statements only:
    a hidden post, stint, date or holder leaves that commander out."""
    posts = _refs(session, visible, "Position", "organization", ids)
    stints = _refs(session, visible, "Occupancy", "post", posts)
    found: list[CommanderRead] = []
    shown: list[str] = []
    for stint, rows in visible_statements(
        session=session, entity_ids=stints, visible=visible
    ).items():
        values: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            values[row.prop].append(row.value)
        if not (set(values["post"]) & set(posts)) or not values["startDate"]:
            continue
        start = _bound(values["startDate"][0], end=False)
        end = _bound(values["endDate"][0], end=True) if values["endDate"] else None
        if start is None or start > on or (end is not None and end < on):
            continue
        for holder in values["holder"]:
            people = _identity(session=session, actor=actor, entity_id=holder)
            held = visible_statements(session=session, entity_ids=people, visible=visible)
            person_rows = [r for p in people for r in held.get(p, [])]
            if not person_rows:
                continue
            person = _assembled(person_rows, people[0])
            marks = _marks(session, visible, [stint, *people])
            found.append(
                CommanderRead(
                    id=people[0],
                    name=person.caption,
                    start=start,
                    end=end,
                    markings=[markings_read(m) for m in marks],
                    banner=banner(marks),
                )
            )
            shown.extend([stint, *people])
    found.sort(key=lambda c: (c.start, c.id))
    return found, shown


def _location(session: Session, visible: list[int], refs: list[str]) -> LocationRead | None:
    if not refs:
        return None
    rows = visible_statements(session=session, entity_ids=refs[:1], visible=visible).get(refs[0])
    if not rows:
        return None
    first: dict[str, str] = {}
    for row in rows:
        first.setdefault(row.prop, row.value)
    return LocationRead(
        full=first.get("full"),
        city=first.get("city"),
        state=first.get("state"),
        country=first.get("country"),
    )


def chain_of_command(*, session: Session, actor: Actor, unit_id: str, on: date) -> ChainRead:
    """The unit, its parents up to the top and each one's commanders on `on`, as the actor
    may see them.

    Only visible statements count: a parent link, a post, a stint, its dates or its holder
    the actor may not see contributes nothing, and a unit with no visible statement answers
    as one that does not exist. Identities are the actor's own resolution (`resolve.store`):
    each unit and commander is shown by its canonical id with what its records say together.
    """
    visible = visible_marking_ids(session=session, actor=actor)
    forces = vocab.forces()
    items: list[ChainUnit] = []
    shown: list[str] = []
    seen: set[str] = set()
    current: str | None = unit_id
    while current is not None and current not in seen and len(items) < MAX_DEPTH:
        ids = _identity(session=session, actor=actor, entity_id=current)
        seen.update(ids)
        found = visible_statements(session=session, entity_ids=ids, visible=visible)
        rows = sorted((r for i in ids for r in found.get(i, [])), key=lambda r: r.seq)
        entity = _assembled(rows, ids[0]) if rows else None
        if entity is None or not entity.schema.is_a("Organization"):
            if not items:
                raise NotFound(N_("no such unit"), field="id")
            break
        names = {
            locale: next((r.value for r in rows if r.prop == "name" and r.lang == lang), "")
            for locale, lang in LANGS.items()
        }
        for locale in names:
            names[locale] = names[locale] or entity.caption
        force = next(
            (r.value for r in rows if r.prop == "classification" and r.value in forces), None
        )
        address_refs = [r.value for r in rows if r.prop == "addressEntity"]
        commanders, people = _commanders(
            session=session, actor=actor, visible=visible, ids=ids, on=on
        )
        marks = _marks(session, visible, [*ids, *address_refs[:1]])
        items.append(
            ChainUnit(
                id=ids[0],
                schema_=entity.schema.name,
                name=entity.caption,
                names=names,
                force=force,
                force_label=({loc: forces.label(force, loc) for loc in LANGS} if force else {}),
                location=_location(session, visible, address_refs),
                commanders=commanders,
                markings=[markings_read(m) for m in marks],
                banner=banner(marks),
            )
        )
        shown.extend([*ids, *people])
        # The first parent the actor could see: a hidden one was never stated to them.
        current = next((r.value for r in rows if r.prop == "parent"), None)
    record(
        session=session,
        actor=actor,
        action="read",
        kind="unit_chain",
        target=unit_id,
        ids=shown,
        detail={"on": on.isoformat()},
    )
    return ChainRead(on=on, items=items)


def subunits(*, session: Session, actor: Actor, unit_id: str) -> list[ChainUnit]:
    """The units whose parent, as the actor sees it, is `unit_id` (or a record the actor
    resolves into it), each by its canonical id, named from visible statements alone; a
    child whose parent link the actor may not see is not listed. The unit itself must be one
    the actor sees, else it answers as missing (`chain_of_command` checks that first)."""
    visible = visible_marking_ids(session=session, actor=actor)
    forces = vocab.forces()
    ids = _identity(session=session, actor=actor, entity_id=unit_id)
    found: dict[str, ChainUnit] = {}
    for child in _refs(session, visible, UNIT_SCHEMA, "parent", ids):
        members_ = _identity(session=session, actor=actor, entity_id=child)
        if members_[0] in found or set(members_) & set(ids):
            continue
        held = visible_statements(session=session, entity_ids=members_, visible=visible)
        rows = sorted((r for i in members_ for r in held.get(i, [])), key=lambda r: r.seq)
        entity = _assembled(rows, members_[0]) if rows else None
        if entity is None or not entity.schema.is_a("Organization"):
            continue
        names = {
            locale: next((r.value for r in rows if r.prop == "name" and r.lang == lang), "")
            or entity.caption
            for locale, lang in LANGS.items()
        }
        force = next(
            (r.value for r in rows if r.prop == "classification" and r.value in forces), None
        )
        marks = _marks(session, visible, members_)
        found[members_[0]] = ChainUnit(
            id=members_[0],
            schema_=entity.schema.name,
            name=entity.caption,
            names=names,
            force=force,
            force_label=({loc: forces.label(force, loc) for loc in LANGS} if force else {}),
            location=None,
            commanders=[],
            markings=[markings_read(m) for m in marks],
            banner=banner(marks),
        )
    children = sorted(found.values(), key=lambda c: (c.names.get(actor.locale, c.name), c.id))
    record(
        session=session,
        actor=actor,
        action="read",
        kind="unit_children",
        target=unit_id,
        ids=[c.id for c in children],
    )
    return children
