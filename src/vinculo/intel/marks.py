"""The markings a page shows beside each item, as far as the reader may see the item.

A report carries one marking set. An entity, a graph node or a pair of records is built from
statements, each with its own: such an aggregate has no marking of its own, so a page shows
the distinct markings of the visible statements it draws on, narrowest first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.intel.models import Report, StatementRow
from vinculo.security.markings import TLP_ORDER, Markings
from vinculo.security.policy import markings_by_id

# Entity ids per query: well under SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 500


def words(m: Markings, sep: str = " · ") -> str:
    """A marking in the words every page uses (templates/_marking.html says it the same way):
    TLP level, REL TO nations, ORCON with its originator, need-to-know groups."""
    parts = [f"TLP:{m.tlp.value}", f"REL TO {', '.join(sorted(m.rel_to))}"]
    if m.orcon:
        parts.append(f"ORCON ({m.originator})")
    if m.groups:
        parts.append(", ".join(sorted(m.groups)))
    return sep.join(parts)


def highest(found: Sequence[Markings]) -> tuple[str, str]:
    """The banner over items under all these markings, and its TLP level: the highest TLP,
    the nations every item may go to, every ORCON originator and every group."""
    if not found:
        return "", ""
    tlp = max((m.tlp for m in found), key=TLP_ORDER.index)
    nations = frozenset.intersection(*(m.rel_to for m in found))
    parts = [f"TLP:{tlp.value}", f"REL TO {', '.join(sorted(nations))}"]
    orcon = sorted({m.originator for m in found if m.orcon})
    if orcon:
        parts.append(f"ORCON ({', '.join(orcon)})")
    groups = sorted({g for m in found for g in m.groups})
    if groups:
        parts.append(", ".join(groups))
    return " // ".join(parts), tlp.value


def narrowest_first(found: Iterable[Markings]) -> list[Markings]:
    """Markings that read differently, the most restrictive first (then by their words). Two
    sets a reader cannot tell apart on a page (RED to other recipients, AMBER shared with
    other agencies) are shown once."""
    unique = {words(m): m for m in found}
    return sorted(unique.values(), key=lambda m: (-m.restrictiveness(), words(m)))


def entity_markings(
    *, session: Session, entity_ids: Iterable[str], visible: list[int]
) -> dict[str, list[Markings]]:
    """entity id -> the distinct markings of its statements the reader may see (visible ids
    come from `visible_marking_ids`), narrowest first. An entity with none is left out."""
    ids = sorted(set(entity_ids))
    if not ids or not visible:
        return {}
    marks: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(StatementRow.entity_id, StatementRow.marking_id)
            .where(
                StatementRow.entity_id.in_(ids[start : start + CHUNK]),
                StatementRow.marking_id.in_(visible),
            )
            .distinct()
        )
        for entity_id, marking_id in rows:
            marks[entity_id].add(marking_id)
    sets = markings_by_id(session=session, ids={m for found in marks.values() for m in found})
    return {
        entity_id: narrowest_first(sets[m] for m in found if m in sets)
        for entity_id, found in marks.items()
    }


def report_markings(
    *, session: Session, report_ids: Iterable[str], visible: list[int]
) -> dict[str, Markings]:
    """report id -> its markings, for the reports the reader may see."""
    ids = sorted(set(report_ids))
    if not ids or not visible:
        return {}
    pairs: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Report.id, Report.marking_id).where(
                Report.id.in_(ids[start : start + CHUNK]), Report.marking_id.in_(visible)
            )
        )
        pairs.update({report_id: marking_id for report_id, marking_id in rows})
    sets = markings_by_id(session=session, ids=set(pairs.values()))
    return {report_id: sets[m] for report_id, m in pairs.items() if m in sets}


def dataset_markings(
    *, session: Session, datasets: Iterable[str], visible: list[int]
) -> dict[str, list[Markings]]:
    """source (a statement's dataset) -> the distinct markings of its statements the reader
    may see, narrowest first."""
    names = sorted(set(datasets))
    if not names or not visible:
        return {}
    marks: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(names), CHUNK):
        rows = session.execute(
            select(StatementRow.dataset, StatementRow.marking_id)
            .where(
                StatementRow.dataset.in_(names[start : start + CHUNK]),
                StatementRow.marking_id.in_(visible),
            )
            .distinct()
        )
        for dataset, marking_id in rows:
            marks[dataset].add(marking_id)
    sets = markings_by_id(session=session, ids={m for found in marks.values() for m in found})
    return {
        dataset: narrowest_first(sets[m] for m in found if m in sets)
        for dataset, found in marks.items()
    }
