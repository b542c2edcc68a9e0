"""What a notification may point at, and the one question asked of it: which of these items
may this account see now?

Reports and entities are known here (notify sits over intel). Domains above (resolution's
pairs, the exchange's release requests) hand theirs in where the app and the command line
start (vinculo.hooks; on first use where the command line deferred it, vinculo.wiring), as
they hand intel their purge hooks. A kind nobody registered is
seen by no one: its notifications are kept but never shown nor sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import wiring
from vinculo.i18n import N_
from vinculo.intel.models import Report, StatementRow
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids

# (session, actor, ids) -> the ids among them the actor may see now.
Visible = Callable[[Session, Actor, list[str]], set[str]]
# (session, actor, ids) -> what the actor sees an item called (a report's title, an
# entity's caption), built from what it may see; shown in the app, never e-mailed.
Captions = Callable[[Session, Actor, list[str]], dict[str, str]]


@dataclass(frozen=True)
class Item:
    """A pointer at one item: its kind ("report", "entity", "pair", "release") and id."""

    kind: str
    id: str


@dataclass(frozen=True)
class ItemKind:
    name: str
    visible: Visible
    link: Callable[[str], str]  # the item's page, a path on this site
    label: str  # N_ message naming an item of this kind, with {id}
    captions: Captions | None = None


def _visible_reports(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return set()
    rows = session.execute(
        select(Report.id).where(Report.id.in_(ids), Report.marking_id.in_(visible))
    )
    return {row.id for row in rows}


def _visible_entities(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return set()
    rows = session.execute(
        select(StatementRow.entity_id)
        .where(StatementRow.entity_id.in_(ids), StatementRow.marking_id.in_(visible))
        .distinct()
    )
    return {row.entity_id for row in rows}


def _report_titles(session: Session, actor: Actor, ids: list[str]) -> dict[str, str]:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return {}
    rows = session.execute(
        select(Report).where(Report.id.in_(ids), Report.marking_id.in_(visible))
    ).scalars()
    return {r.id: r.title(actor.locale) for r in rows}


def _entity_captions(session: Session, actor: Actor, ids: list[str]) -> dict[str, str]:
    # Here: `db upgrade` imports notify's models (and this), and intel.service FtM's (0.25 s).
    from vinculo.intel.service import captions

    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not ids:
        return {}
    found = captions(session=session, entity_ids=ids, visible=visible)
    return {i: caption for i, (_schema, caption) in found.items() if caption}


class Kinds:
    """The registry of item kinds."""

    def __init__(self) -> None:
        self._kinds: dict[str, ItemKind] = {}

    def register(self, kind: ItemKind) -> None:
        self._kinds[kind.name] = kind

    def get(self, name: str) -> ItemKind | None:
        wiring.load()  # the kinds of domains above, where the command line deferred them
        return self._kinds.get(name)

    def captions(self, session: Session, actor: Actor, items: Iterable[Item]) -> dict[Item, str]:
        """What the actor sees each item called, where its kind can say (in the app only)."""
        wiring.load()
        by_kind: dict[str, list[str]] = {}
        for item in items:
            by_kind.setdefault(item.kind, []).append(item.id)
        found: dict[Item, str] = {}
        for name, ids in by_kind.items():
            kind = self._kinds.get(name)
            if kind is not None and kind.captions is not None:
                for i, text in kind.captions(session, actor, sorted(set(ids))).items():
                    found[Item(name, i)] = text
        return found

    def visible(self, session: Session, actor: Actor, items: Iterable[Item]) -> set[Item]:
        """The items the actor may see now, asked once per kind; none for the public."""
        if not actor.signed_in:
            return set()
        wiring.load()
        by_kind: dict[str, list[str]] = {}
        for item in items:
            by_kind.setdefault(item.kind, []).append(item.id)
        found: set[Item] = set()
        for name, ids in by_kind.items():
            kind = self._kinds.get(name)
            if kind is None:
                continue
            found |= {Item(name, i) for i in kind.visible(session, actor, sorted(set(ids)))}
        return found


KINDS = Kinds()
KINDS.register(
    ItemKind(
        "report", _visible_reports, lambda i: f"/reports/{i}", N_("report {id}"), _report_titles
    )
)
KINDS.register(
    ItemKind(
        "entity", _visible_entities, lambda i: f"/entities/{i}", N_("entity {id}"), _entity_captions
    )
)
