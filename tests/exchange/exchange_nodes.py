"""Nodes for the exchange tests: a store configured as a national node, with partners."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import requests
import stix2
from taxii2client.v21 import Server

from vinculo.db import transaction
from vinculo.exchange import service
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.settings import PartnerConfig

from conftest import Store, make_store
from worlds import World


class BearerAuth(requests.auth.AuthBase):
    """taxii2-client speaks `requests`: a bearer token goes in through its `auth` hook."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@contextmanager
def node_store(
    backend: str,
    directory: Path,
    *,
    name: str,
    nation: str,
    partners: list[PartnerConfig],
    **overrides: object,
) -> Iterator[Store]:
    stores = make_store(
        backend,
        directory,
        demo=True,
        node_name=name,
        node_nation=nation,
        partners=partners,
        **overrides,
    )
    store = next(stores)
    try:
        yield store
    finally:
        stores.close()


def bilateral(store: Store, partner: str = "mx", groups: tuple[str, ...] = ()) -> str:
    """A collection for the agreement (or a task force) with one partner; its id."""
    with transaction(store.sessions) as session:
        collection = service.create_collection(
            session=session,
            settings=store.settings,
            alias=f"{partner}-{'-'.join(groups) or 'agreement'}",
            title_en="U.S.–Mexico agreement" if not groups else f"Task force {groups}",
            title_es="Acuerdo México–Estados Unidos" if not groups else f"Fuerza {groups}",
            partners=[partner],
            groups=list(groups),
            can_write=True,
        )
        return collection.id


def bilingual_report(
    world: World, author: str = "dea.agent1", rel_to: tuple[str, ...] = ("USA", "MEX")
) -> str:
    """A report in English and Spanish naming one person; its id."""
    with transaction(world.store.sessions) as session:
        report = create_report(
            session=session,
            actor=world.actors[author],
            report_in=ReportCreate(
                title_en="Joint surveillance of a Nogales warehouse",
                title_es="Vigilancia conjunta de una bodega en Nogales",
                body_en="Two trucks unloaded pill presses at night.",
                body_es="Dos camiones descargaron prensas de pastillas de noche.",
                reliability="B",
                credibility=2,
                predicate="drug_trafficking",
                suspicion="Subjects are linked to fentanyl trafficking by payments.",
                attest_no_protected_views=True,
                review_by=date(2027, 6, 1),
                markings=MarkingsIn(tlp="GREEN", rel_to=list(rel_to)),
                entities=[
                    EntityIn(
                        id="per-nogales", schema="Person", properties={"name": ["Rosa Ibarra Leal"]}
                    )
                ],
            ),
        )
        return report.id


def publish(store: Store) -> int:
    with transaction(store.sessions) as session:
        return service.publish(session=session, settings=store.settings)


def partner_token(store: Store, partner: str = "mx") -> str:
    with transaction(store.sessions) as session:
        _name, token = service.partner_account(
            session=session, settings=store.settings, name=partner
        )
        return token


def all_objects(url: str, token: str, collection_id: str, **filters: Any) -> list[dict[str, Any]]:
    """Every object of a collection, paged through by the official client."""
    from taxii2client.v21 import as_pages

    server = Server(f"{url}/taxii2/", auth=BearerAuth(token))
    root = server.api_roots[0]
    collection = next(c for c in root.collections if c.id == collection_id)
    found: list[dict[str, Any]] = []
    for envelope in as_pages(collection.get_objects, per_request=7, **filters):
        found.extend(envelope.get("objects", []))
    return found


def validate(objects: list[dict[str, Any]]) -> list[Any]:
    """Every object through the official stix2 parser (custom Vínculo type allowed)."""
    return [stix2.parse(json.dumps(o), allow_custom=True) for o in objects]
