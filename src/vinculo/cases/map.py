"""The map of cases: where case subjects live, where they crossed, and (later) what is planned.

Everything drawn comes from statements the reader may see: a subject's address is drawn from
its visible address statements (its coordinates too), a crossing from a visible trip of a
subject. Ports of entry are public reference data (vocab/ports_of_entry.yml) and carry no
marking. Each feature names the markings of what it was drawn from, narrowest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from followthemoney.statement import StatementEntity
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.cases.models import Case, CaseSubject
from vinculo.cases.operation_models import CaseOperation
from vinculo.cases.places import local_in
from vinculo.cases.service import get_case
from vinculo.intel.marks import highest, narrowest_first
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import MarkingsRead
from vinculo.intel.service import assemble_rows, markings_read, visible_statements
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.text import fold

# The layers a map draws: ports of entry, subjects' addresses, crossings, planned operations.
LAYERS = ("port", "address", "crossing", "operation")

# Schemas whose `addressEntity` points at the subject's addresses.
_HOLDERS = ("Person", "Company", "Organization", "LegalEntity")


@dataclass
class Feature:
    """One thing drawn (or listed, without coordinates) on the map."""

    layer: str
    id: str
    label: str
    lat: float | None = None
    lon: float | None = None
    # A crossing's trip: [lon, lat] of each placed end, start first.
    path: list[tuple[float, float]] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    detail: str = ""
    date: str = ""
    radius_m: float | None = None
    markings: list[Markings] = field(default_factory=list)

    @property
    def placed(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class MapData:
    """What one reader's map holds: features drawn, those with no place, all markings."""

    features: list[Feature]
    unplaced: list[Feature]

    def markings(self) -> list[Markings]:
        return narrowest_first(m for f in [*self.features, *self.unplaced] for m in f.markings)

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(LAYERS, 0)
        for f in self.features:
            found[f.layer] += 1
        return found


# --- what the API answers --------------------------------------------------------------------


class MapFeatureRead(BaseModel):
    layer: str
    id: str
    label: str
    lat: float | None
    lon: float | None
    path: list[tuple[float, float]]
    subjects: list[str]
    detail: str
    date: str
    radius_m: float | None
    # The narrowest marking first; empty for public reference data (ports of entry).
    markings: list[MarkingsRead]
    banner: str


class MapRead(BaseModel):
    layers: list[str]
    counts: dict[str, int]
    features: list[MapFeatureRead]
    unplaced: list[MapFeatureRead]
    # The banner over everything on the map (`highest`; "" when nothing marked is on it).
    banner: str
    markings: list[MarkingsRead]


def feature_read(f: Feature, reference: str) -> MapFeatureRead:
    """A feature as the API and the page's script send it; `reference` is the banner of
    unmarked public data, in the reader's language."""
    marks = [markings_read(m) for m in f.markings]
    return MapFeatureRead(
        layer=f.layer,
        id=f.id,
        label=f.label,
        lat=f.lat,
        lon=f.lon,
        path=f.path,
        subjects=f.subjects,
        detail=f.detail,
        date=f.date,
        radius_m=f.radius_m,
        markings=marks,
        banner=marks[0].banner if marks else reference,
    )


def map_read(data: MapData, reference: str) -> MapRead:
    found = data.markings()
    marks = [markings_read(m) for m in found]
    return MapRead(
        layers=list(LAYERS),
        counts=data.counts(),
        features=[feature_read(f, reference) for f in data.features],
        unplaced=[feature_read(f, reference) for f in data.unplaced],
        banner=highest(found)[0],
        markings=marks,
    )


# --- reference data --------------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    code: str
    labels: dict[str, str]
    lat: float
    lon: float
    match: tuple[str, ...]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["en"]


def ports() -> list[Port]:
    """The main ports of entry (vocab/ports_of_entry.yml)."""
    return [
        Port(
            code=t.code,
            labels=t.labels,
            lat=float(t.extra["latitude"]),
            lon=float(t.extra["longitude"]),
            match=tuple(fold(m) for m in t.extra.get("match", [])),
        )
        for t in vocab.load("ports_of_entry")
    ]


def port_for(names: Iterable[str]) -> Port | None:
    """The port of entry an address names (its name or full address starts with one)."""
    folded = [fold(n) for n in names if n]
    for port in ports():
        if any(f.startswith(m) for f in folded for m in port.match):
            return port
    return None


def port_features(locale: str) -> list[Feature]:
    return [
        Feature(layer="port", id=f"port:{p.code}", label=p.label(locale), lat=p.lat, lon=p.lon)
        for p in ports()
    ]


# --- reading what the reader may see ---------------------------------------------------------


def _coordinate(values: Sequence[str], low: float, high: float) -> float | None:
    for value in values:
        try:
            number = float(value)
        except ValueError:
            continue
        if low <= number <= high:
            return number
    return None


def _place(entity: StatementEntity) -> tuple[float | None, float | None, Port | None]:
    """An address's coordinates from its own (visible) statements, else its port of entry's."""
    lat = _coordinate(entity.get("latitude"), -90.0, 90.0)
    lon = _coordinate(entity.get("longitude"), -180.0, 180.0)
    port = port_for([*entity.get("name"), *entity.get("full")])
    if (lat is None or lon is None) and port is not None:
        lat, lon = port.lat, port.lon
    if lat is None or lon is None:
        return None, None, port
    return lat, lon, port


Rows = dict[str, list[StatementRow]]


def _entities(
    session: Session, ids: Iterable[str], visible: list[int]
) -> tuple[dict[str, StatementEntity], Rows]:
    """Entities assembled from their visible statements, and those statements (whose
    markings a feature drawn from them carries)."""
    rows = visible_statements(session=session, entity_ids=ids, visible=visible)
    return {entity_id: assemble_rows(found) for entity_id, found in rows.items() if found}, rows


def _marks(
    rows: Rows, entity_id: str, props: Iterable[str] | None = None, value: str = ""
) -> set[int]:
    """Marking ids of an entity's statements the feature shows: all of them, or those of
    `props` (with `value`, if given)."""
    wanted = set(props) if props is not None else None
    return {
        r.marking_id
        for r in rows.get(entity_id, [])
        if (wanted is None or r.prop in wanted) and (not value or r.value == value)
    }


def _caption_marks(rows: Rows, entity: StatementEntity) -> set[int]:
    """The statements a subject's caption (its name, as shown beside a feature) draws on."""
    return _marks(rows, entity.id or "", entity.schema.caption)


def _trips_of(session: Session, subject_ids: Sequence[str], visible: list[int]) -> set[str]:
    """Trips that name a subject in a statement the reader may see."""
    if not subject_ids or not visible:
        return set()
    found: set[str] = set()
    for start in range(0, len(subject_ids), 500):
        found.update(
            session.execute(
                select(StatementRow.entity_id).where(
                    StatementRow.value.in_(list(subject_ids[start : start + 500])),
                    StatementRow.prop_type == "entity",
                    StatementRow.schema == "Trip",
                    StatementRow.marking_id.in_(visible),
                )
            ).scalars()
        )
    return found


def subject_features(
    *, session: Session, visible: list[int], subject_ids: Sequence[str], locale: str
) -> MapData:
    """Addresses and crossings of these subjects, from the statements `visible` allows. A
    feature carries the markings of every statement it shows: the address's, the link from
    the subject to it, the subject's name, the trip's."""
    subjects, subject_rows = _entities(session, subject_ids, visible)
    # address id -> the captions of its subjects, and the marking ids of what ties them
    owners: dict[str, list[str]] = {}
    ties: dict[str, set[int]] = {}
    written: list[tuple[Feature, set[int]]] = []
    for entity_id in subject_ids:
        entity = subjects.get(entity_id)
        if entity is None:
            continue
        if entity.schema.name == "Address":
            owners.setdefault(entity_id, []).append(entity.caption)
            ties.setdefault(entity_id, set())
        elif entity.schema.name in _HOLDERS:
            name = _caption_marks(subject_rows, entity)
            for address_id in entity.get("addressEntity"):
                owners.setdefault(address_id, []).append(entity.caption)
                link = _marks(subject_rows, entity_id, ["addressEntity"], address_id)
                ties.setdefault(address_id, set()).update(link | name)
            # A written address with no address entity: listed, never placed.
            for n, text in enumerate(entity.get("address")):
                feature = Feature(
                    layer="address",
                    id=f"{entity_id}:address:{n}",
                    label=text,
                    subjects=[entity.caption],
                )
                written.append((feature, _marks(subject_rows, entity_id, ["address"], text) | name))
    trip_ids = _trips_of(session, list(subjects), visible)
    trips, trip_rows = _entities(session, trip_ids, visible)
    ends = {e for t in trips.values() for p in ("startLocation", "endLocation") for e in t.get(p)}
    addresses, address_rows = _entities(session, set(owners) | ends, visible)

    placed: list[tuple[Feature, set[int]]] = []
    for address_id, captions in owners.items():
        address = addresses.get(address_id)
        if address is None:
            continue
        lat, lon, _port = _place(address)
        feature = Feature(
            layer="address",
            id=address_id,
            label=address.caption,
            lat=lat,
            lon=lon,
            subjects=sorted(set(captions) - {address.caption}),
        )
        placed.append((feature, _marks(address_rows, address_id) | ties[address_id]))
    for trip_id in sorted(trips):
        trip = trips[trip_id]
        path: list[tuple[float, float]] = []
        port: Port | None = None
        used = _marks(trip_rows, trip_id)
        for prop in ("startLocation", "endLocation"):
            for end_id in trip.get(prop)[:1]:
                end = addresses.get(end_id)
                if end is None:
                    continue
                used |= _marks(address_rows, end_id)
                lat, lon, at = _place(end)
                port = port or at
                if lat is not None and lon is not None:
                    path.append((lon, lat))
        who = [subjects[v] for p in ("involved", "vehicle") for v in trip.get(p) if v in subjects]
        for subject in who:
            used |= _caption_marks(subject_rows, subject)
        feature = Feature(
            layer="crossing",
            id=trip_id,
            label=port.label(locale) if port else trip.caption,
            lat=port.lat if port else (path[-1][1] if path else None),
            lon=port.lon if port else (path[-1][0] if path else None),
            path=path,
            subjects=sorted({s.caption for s in who}),
            detail=trip.caption,
            date=min(trip.get("startDate"), default=""),
        )
        placed.append((feature, used))

    found = [*placed, *written]
    sets = markings_by_id(session=session, ids={m for _f, ids in found for m in ids})
    features: list[Feature] = []
    unplaced: list[Feature] = []
    for feature, ids in found:
        feature.markings = narrowest_first(sets[m] for m in ids if m in sets)
        (features if feature.placed else unplaced).append(feature)
    return MapData(features=features, unplaced=unplaced)


def operation_features(*, session: Session, locale: str, case_ids: Sequence[str]) -> list[Feature]:
    """Planned operations of these cases (cases the reader may see: the caller read them
    through the policy), each under its case's marking: a place, a radius and a window in
    the place's own time zone."""
    if not case_ids:
        return []
    rows = session.execute(
        select(CaseOperation, Case.marking_id)
        .join(Case, Case.id == CaseOperation.case_id)
        .where(CaseOperation.case_id.in_(list(case_ids)), CaseOperation.status == "planned")
        .order_by(CaseOperation.starts_at, CaseOperation.id)
    ).all()
    sets = markings_by_id(session=session, ids={marking_id for _op, marking_id in rows})
    kinds = vocab.load("operation_kinds")
    out = []
    for op, marking_id in rows:
        # An ISO 8601 interval in the place's own time zone (named in `detail`).
        starts = local_in(op.starts_at, op.time_zone).isoformat(timespec="minutes")
        ends = local_in(op.ends_at, op.time_zone).isoformat(timespec="minutes")
        out.append(
            Feature(
                layer="operation",
                id=op.id,
                label=f"{kinds.label(op.kind, locale)} · {op.agency}",
                lat=op.latitude,
                lon=op.longitude,
                radius_m=op.radius_m,
                date=f"{starts}/{ends}",
                detail=op.time_zone,
                markings=[sets[marking_id]] if marking_id in sets else [],
            )
        )
    return out


def _subjects(session: Session, case_ids: Sequence[str]) -> list[str]:
    if not case_ids:
        return []
    return list(
        dict.fromkeys(
            session.execute(
                select(CaseSubject.entity_id)
                .where(CaseSubject.case_id.in_(list(case_ids)))
                .order_by(CaseSubject.added_at, CaseSubject.entity_id)
            ).scalars()
        )
    )


def _build(
    session: Session, actor: Actor, visible: list[int], case_ids: list[str], target: str | None
) -> MapData:
    data = subject_features(
        session=session,
        visible=visible,
        subject_ids=_subjects(session, case_ids),
        locale=actor.locale,
    )
    data.features = [
        *port_features(actor.locale),
        *data.features,
        *operation_features(session=session, locale=actor.locale, case_ids=case_ids),
    ]
    record(
        session=session,
        actor=actor,
        action="read",
        kind="map",
        target=target,
        ids=[f.id for f in data.features if f.layer != "port"],
    )
    return data


def case_map(*, session: Session, actor: Actor, case_id: str) -> MapData:
    """One case's map: its subjects' addresses and crossings (404 for a case not seen)."""
    case = get_case(session=session, actor=actor, case_id=case_id)
    return map_of_case(session=session, actor=actor, case=case)


def map_of_case(*, session: Session, actor: Actor, case: Case) -> MapData:
    """The map of a case already read through the service (so seen by this reader)."""
    visible = visible_marking_ids(session=session, actor=actor)
    return _build(session, actor, visible, [case.id], case.id)


def cases_map(*, session: Session, actor: Actor) -> MapData:
    """Every case the reader may see, on one map."""
    visible = visible_marking_ids(session=session, actor=actor)
    case_ids = list(
        session.execute(
            select(Case.id).where(Case.marking_id.in_(visible)).order_by(Case.id)
        ).scalars()
    )
    return _build(session, actor, visible, case_ids, None)
