"""Partner nodes and the collections they are served: which partners a collection is for,
making a collection, and the account a partner node signs in with here."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import InvalidInput
from vinculo.exchange.markings import Audience
from vinculo.exchange.models import ExchangeCollection, ExchangeObject
from vinculo.exchange.parts import PART_PREFIX
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.settings import PartnerConfig, Settings


def partner_config(*, settings: Settings, name: str) -> PartnerConfig | None:
    for partner in settings.partners:
        if partner.name == name:
            return partner
    return None


def audience_of(*, settings: Settings, collection: ExchangeCollection) -> Audience:
    partners = []
    for name in sorted(collection.partner_set):
        config = partner_config(settings=settings, name=name)
        if config is not None:
            partners.append((name, config.nation))
    return Audience(partners=tuple(partners), groups=collection.group_set)


def create_collection(
    *,
    session: Session,
    settings: Settings,
    alias: str,
    title_en: str,
    title_es: str,
    partners: Sequence[str],
    groups: Sequence[str] = (),
    description_en: str = "",
    description_es: str = "",
    can_write: bool = False,
    actor: Actor | None = None,
) -> ExchangeCollection:
    """A collection for a sharing agreement (no groups) or a task force (its groups)."""
    if not alias.strip() or len(alias) > 64:
        raise InvalidInput(N_("give the collection a short alias"), field="alias")
    for name in partners:
        if partner_config(settings=settings, name=name) is None:
            raise InvalidInput(N_("unknown partner node {value}"), field="partners", value=name)
    if not partners:
        raise InvalidInput(N_("name at least one partner node"), field="partners")
    found = session.execute(
        select(ExchangeCollection).where(ExchangeCollection.alias == alias)
    ).scalar_one_or_none()
    if found is not None:
        return found
    collection = ExchangeCollection(
        id=str(uuid.uuid4()),
        alias=alias,
        title_en=title_en,
        title_es=title_es or title_en,
        description_en=description_en,
        description_es=description_es or description_en,
        partners=",".join(sorted(partners)),
        groups=",".join(sorted(groups)),
        can_write=can_write,
    )
    session.add(collection)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="exchange_collection",
        target=collection.id,
        detail={"alias": alias, "partners": sorted(partners), "groups": sorted(groups)},
    )
    return collection


# A partner's collection of deconfliction pointers (exchange/pointers.py) is aliased
# `deconfliction-<partner>`: served to that partner node only, never built from intelligence,
# never listed to a person.
POINTER_ALIAS = "deconfliction-"


def is_pointer_collection(collection: ExchangeCollection) -> bool:
    return collection.alias.startswith(POINTER_ALIAS)


def collections(*, session: Session, pointers: bool = False) -> list[ExchangeCollection]:
    """The collections of intelligence; with `pointers`, the partners' pointer collections
    too (what a partner node reads)."""
    query = select(ExchangeCollection).order_by(ExchangeCollection.alias)
    if not pointers:
        query = query.where(~ExchangeCollection.alias.startswith(POINTER_ALIAS))
    return list(session.execute(query).scalars())


def count_written(*, session: Session, collection_id: str) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(ExchangeObject)
            .where(
                ExchangeObject.collection_id == collection_id,
                ~ExchangeObject.item_key.startswith(PART_PREFIX),
            )
        ).scalar_one()
    )


def partner_account(
    *, session: Session, settings: Settings, name: str, days: int = 365
) -> tuple[str, str]:
    """Make (or reuse) the account a partner node signs in with here, and give it a new
    token holding only the `exchange` scope: (account name, token, shown once).

    The account has no role, and its token cannot read the API: all it can do is read the
    collections served to its partner, each item checked against the border rule.
    """

    from vinculo.security.models import ApiToken
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import create_user, get_by_username, issue_token

    config = partner_config(settings=settings, name=name)
    if config is None:
        raise InvalidInput(N_("unknown partner node {value}"), field="partner", value=name)
    username = config.account or f"node.{name}"
    user = get_by_username(session=session, username=username)
    if user is None:
        agencies = sorted(
            a for a in vocab.agencies().codes() if vocab.agency_nation(a) == config.nation
        )
        if not agencies:
            raise InvalidInput(N_("unknown nation {value}"), field="nation", value=config.nation)
        user = create_user(
            session=session,
            user_in=UserCreate(
                username=username,
                display_name=f"Partner node {name}",
                password=secrets.token_urlsafe(32),
                agency=agencies[0],
                roles=[],
            ),
            password_min_length=settings.password_min_length,
        )
    token, row = issue_token(session=session, settings=settings, user=user, scopes=("exchange",))
    stored = session.get(ApiToken, row.id)
    assert stored is not None
    stored.expires_at = utcnow() + timedelta(days=days)
    return username, token
