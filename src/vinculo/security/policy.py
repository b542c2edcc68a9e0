"""Applies `can_see` to stored items: every read path filters by the marking ids it approves."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import NotFound
from vinculo.security.markings import Actor, Markings, can_see
from vinculo.security.models import MarkingRow


@lru_cache(maxsize=4096)
def _parsed(signature: str) -> Markings:
    return Markings.from_signature(signature)


@lru_cache(maxsize=200_000)
def _decide(actor: Actor, signature: str) -> bool:
    # Marking sets are never changed once stored (a new set gets a new row), and `can_see` is
    # pure, so its answer for an actor and a signature can be remembered.
    return can_see(actor, _parsed(signature))


def visible_marking_ids(*, session: Session, actor: Actor) -> list[int]:
    """Ids of every stored marking set that `can_see` lets the actor read.

    Items share a few hundred distinct marking sets, so deciding per set in Python and
    filtering rows by id in SQL keeps the one pure rule the only judge, at SQL speed.
    """
    rows = session.execute(select(MarkingRow.id, MarkingRow.signature))
    return sorted(row.id for row in rows if _decide(actor, row.signature))


class MarkedItem(Protocol):
    """A stored item with an id of its own and the id of its marking set."""

    @property
    def id(self) -> str: ...

    @property
    def marking_id(self) -> int: ...


Item = TypeVar("Item", bound=MarkedItem)


def visible_item(
    *, session: Session, actor: Actor, model: type[Item], item_id: str, missing: str
) -> Item:
    """The item if the actor may see it; else NotFound with `missing`, as if it did not exist."""
    visible = visible_marking_ids(session=session, actor=actor)
    # The Protocol types an item; on the mapped class the same names are its columns.
    columns: Any = model
    found: Item | None = session.execute(
        select(model).where(columns.id == item_id, columns.marking_id.in_(visible))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(missing, field="id")
    return found


def marking_id_for(*, session: Session, markings: Markings) -> int:
    """The id of this marking set, stored on first use."""
    signature = markings.signature()
    found = session.execute(
        select(MarkingRow.id).where(MarkingRow.signature == signature)
    ).scalar_one_or_none()
    if found is not None:
        return found
    row = MarkingRow.from_markings(markings)
    session.add(row)
    session.flush()
    return row.id


def markings_by_id(*, session: Session, ids: set[int]) -> dict[int, Markings]:
    if not ids:
        return {}
    # The signature alone gives the markings (and a parse remembered): no ORM object per set.
    rows = session.execute(
        select(MarkingRow.id, MarkingRow.signature).where(MarkingRow.id.in_(ids))
    )
    return {row.id: _parsed(row.signature) for row in rows}
