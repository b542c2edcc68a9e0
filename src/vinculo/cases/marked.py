"""What cases and task forces share: both are marked rows made by a partner agency's account,
read only through `visible_marking_ids`, listed newest first by keyset.

A row the reader may not see answers exactly as a missing one (one NotFound, one count, one
cursor error), so both kinds are read through `security.policy.visible_item` and `page_rows` alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.cases.models import Case, TaskForce
from vinculo.errors import Forbidden, InvalidInput
from vinculo.i18n import N_
from vinculo.pagination import newest_page
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import User, user_groups
from vinculo.security.policy import visible_marking_ids
from vinculo.security.service import actor_for

# A case is for named agencies and their members: TLP:CLEAR would drop the need-to-know
# group's meaning for the public, RED names individuals, and AMBER+STRICT would shut out the
# partner agencies the case is for.
CASE_TLPS = ("GREEN", "AMBER")


# A case or a task force: an id, its marking and its place in the order of creation.
Row = TypeVar("Row", Case, TaskForce)


def new_id() -> str:
    return secrets.token_hex(8)


def check_agencies(codes: Sequence[str], field: str) -> list[str]:
    found = []
    for code in codes:
        agency = code.strip().upper()
        if agency not in vocab.agencies():
            raise InvalidInput(N_("unknown agency {value}"), field=field, value=code)
        found.append(agency)
    return sorted(set(found))


def check_tlp(tlp: str) -> str:
    level = tlp.strip().upper()
    if level not in CASE_TLPS:
        raise InvalidInput(
            N_("a case or task force is marked TLP:GREEN or TLP:AMBER, not {value}"),
            field="tlp",
            value=tlp,
        )
    return level


def item_markings(
    *, actor: Actor, tlp: str, agencies: Sequence[str], groups: Sequence[str]
) -> Markings:
    """REL TO the nations of the agencies, shared with the agencies, for the groups."""
    assert actor.agency is not None
    return Markings.create(
        tlp=tlp,
        originator=actor.agency,
        rel_to=sorted({vocab.agency_nation(a) for a in agencies}),
        groups=tuple(groups),
        shared_with=[a for a in agencies if a != actor.agency],
    )


def join_group(session: Session, user_id: int, group: str) -> None:
    present = session.execute(
        select(user_groups.c.user_id).where(
            user_groups.c.user_id == user_id, user_groups.c.group_code == group
        )
    ).first()
    if present is None:
        session.execute(insert(user_groups).values(user_id=user_id, group_code=group))


def actor_again(*, session: Session, actor: Actor) -> Actor:
    """The actor as stored now: after opening a case or joining a task force its groups
    changed, and an Actor is a snapshot (a request builds a new one; a script needs this)."""
    if actor.user_id is None:
        return actor
    user = session.get(User, actor.user_id)
    if user is None:
        return actor
    session.refresh(user)
    return replace(actor_for(user), locale=actor.locale)


def partner_agency(actor: Actor) -> str:
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    return actor.agency


def page_rows(
    *,
    session: Session,
    actor: Actor,
    model: type[Row],
    cursor: str | None,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Row], bool, int]:
    """One page of the rows the actor may see, newest first, whether there are more, and how
    many the actor may see in all; a cursor naming a row the actor may not see is refused as
    one naming no row."""
    visible = visible_marking_ids(session=session, actor=actor)
    return newest_page(session, model, [model.marking_id.in_(visible), *where], cursor, limit)
