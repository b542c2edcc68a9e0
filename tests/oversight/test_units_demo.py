"""The demo's security-force units (demo/data/units.yml): seeded with the demo, and their
two chains of command change over time, on both backends."""

from __future__ import annotations

from datetime import date

from vinculo.db import transaction
from vinculo.oversight.service import chain_of_command
from vinculo.security.service import actor_for, get_by_username

from conftest import Store


def _commanders(store: Store, username: str, unit: str, on: date) -> list[tuple[str, list[str]]]:
    with transaction(store.sessions) as session:
        user = get_by_username(session=session, username=username)
        assert user is not None
        chain = chain_of_command(session=session, actor=actor_for(user), unit_id=unit, on=on)
    return [(u.id, [c.name for c in u.commanders]) for u in chain.items]


def test_the_battalion_s_chain_changes_command_over_time(demo_store: Store) -> None:
    before = _commanders(demo_store, "us.analyst", "mx-sedena-bi28", date(2021, 6, 1))
    assert before == [
        ("mx-sedena-bi28", ["Cor. Inf. Julián Pacheco Beltrán"]),
        ("mx-sedena-zm2", ["Gral. Brig. Esteban Lira Cabrera"]),
        ("mx-sedena-rm2", ["Gral. Div. Octavio Reyna Salgado"]),
        ("mx-sedena", []),
    ]
    after = _commanders(demo_store, "mx.analyst", "mx-sedena-bi28", date(2024, 1, 1))
    assert [names for _unit, names in after[:2]] == [
        ["Cor. Inf. Adriana Serna Villalobos"],
        ["Gral. Brig. Norma Zavala Ortiz"],
    ]


def test_the_national_guard_company_s_chain_changes_command_over_time(demo_store: Store) -> None:
    early = _commanders(demo_store, "mx.analyst", "mx-gn-nog", date(2021, 1, 1))
    late = _commanders(demo_store, "mx.analyst", "mx-gn-nog", date(2024, 6, 1))
    assert [u for u, _names in early] == ["mx-gn-nog", "mx-gn-son", "mx-gn"]
    assert early[:2] == [
        ("mx-gn-nog", ["Insp. Gral. Rogelio Barraza Quintana"]),
        ("mx-gn-son", ["Comisario Gral. Arturo Lomelí Paz"]),
    ]
    assert late[:2] == [
        ("mx-gn-nog", ["Insp. Gral. Fabiola Yáñez Robles"]),
        ("mx-gn-son", ["Comisaria Gral. Silvia Ordaz Treviño"]),
    ]
