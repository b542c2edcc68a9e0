"""The demo's joint case (demo/data/cases.yml), seeded through the case service: the
fentanyl supply chain worked by DEA and FGR under Task Force Sonora."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from vinculo.cases import service
from vinculo.db import transaction
from vinculo.demo import cases as demo_cases
from vinculo.demo.scripted import ScriptError
from vinculo.security.service import actor_for, get_by_username

from conftest import Store

TITLE = "Fentanyl supply chain Sinaloa–Arizona"


def _read(store: Store, username: str, title: str = TITLE) -> Any:
    with transaction(store.sessions) as session:
        user = get_by_username(session=session, username=username)
        assert user is not None
        actor = actor_for(user)
        listed = service.list_cases(session=session, actor=actor)
        found = [c for c in listed.items if c.title_en == title]
        if not found:
            return None
        case = service.get_case(session=session, actor=actor, case_id=found[0].id)
        return service.case_read(session=session, actor=actor, case=case)


def test_the_joint_case_is_seeded_for_its_members_and_task_force(demo_store: Store) -> None:
    us = _read(demo_store, "us.analyst")
    assert us is not None
    assert us.agencies == ["DEA", "FGR"] and us.lead_agency == "DEA"
    assert us.markings.rel_to == ["MEX", "USA"]
    assert sorted(us.markings.groups) == sorted([us.group, "tf-sonora"])
    assert [(m.username, m.role) for m in us.members] == [
        ("us.analyst", "lead"),
        ("mx.analyst", "analyst"),
        ("dea.agent1", "analyst"),
        ("fgr.mp1", "viewer"),
    ]
    assert [s.entity_id for s in us.subjects] == ["per-0001", "com-0001"]
    assert len(us.report_ids) == 2 and len(us.tasks) == 2
    # mx.analyst is on it, but the DEA report is REL TO USA only: one report for Mexico.
    mx = _read(demo_store, "mx.analyst")
    assert mx is not None and len(mx.report_ids) == 1 and mx.report_ids[0] in us.report_ids
    # dea.agent2 is of a member agency but on neither the case nor the task force.
    assert _read(demo_store, "dea.agent2") is None


def test_the_smuggling_ring_case_has_guatemalan_members_and_reaches_no_one_else(
    demo_store: Store,
) -> None:
    title = "Suchiate smuggling ring, Tecún Umán to Texas"
    gt = _read(demo_store, "gt.analyst", title)
    assert gt is not None
    assert gt.agencies == ["HSI", "MP", "PNC", "SSPC"] and gt.lead_agency == "HSI"
    assert gt.markings.rel_to == ["GTM", "MEX", "USA"]
    assert "tf-multinational" in gt.markings.groups
    assert ("gt.analyst", "analyst") in [(m.username, m.role) for m in gt.members]
    assert [s.entity_id for s in gt.subjects] == ["per-mn01"]
    assert len(gt.report_ids) == 2 and len(gt.tasks) == 2
    # The binational accounts are on neither the case nor its task force.
    assert _read(demo_store, "us.analyst", title) is None
    assert _read(demo_store, "mx.analyst", title) is None


def test_a_row_that_cannot_be_opened_names_the_file_the_case_and_the_field(
    demo_store: Store,
) -> None:
    row = {
        "key": "bad",
        "opened_by": "us.analyst",
        "lead_agency": "XYZ",
        "agencies": ["DEA"],
        "title": {"en": "Bad", "es": "Malo"},
    }
    data = {"task_forces": [], "cases": [row]}
    with (
        mock.patch.object(demo_cases, "read", lambda _name: data),
        pytest.raises(ScriptError, match=r"demo/data/cases.yml, case bad: field lead_agency"),
        transaction(demo_store.sessions) as session,
    ):
        demo_cases.seed_cases(session=session)


def test_the_demo_s_shared_target_tells_each_side_only_whom_to_call(demo_store: Store) -> None:
    from vinculo.cases import targets

    told = {}
    for username, title in (
        ("us.analyst", TITLE),
        ("fgr.mp1", "Stash house on Calle Internacional, Nogales, Sonora"),
    ):
        with transaction(demo_store.sessions) as session:
            user = get_by_username(session=session, username=username)
            assert user is not None
            actor = actor_for(user)
            [case] = [
                c
                for c in service.list_cases(session=session, actor=actor).items
                if c.title_en == title
            ]
            listed = targets.list_targets(session=session, actor=actor, case_id=case.id)
            told[username] = [(n.contact_name, n.contact_agency) for n in listed.notices]
    assert told["us.analyst"] == [("Lic. Marta Ruiz Ochoa", "FGR")]
    assert told["fgr.mp1"] == [("SA Dana Reyes", "DEA")]


def test_the_counter_terrorism_cell_runs_a_case_like_any_other(demo_store: Store) -> None:
    title = "Colectivo Armado Sierra Negra, its crossings and its financing"
    fbi = _read(demo_store, "fbi.agent1", title)
    assert fbi is not None and fbi.lead_agency == "FBI"
    assert "ct-binational" in fbi.markings.groups
    assert [s.entity_id for s in fbi.subjects] == ["org-ct01", "per-ct01", "com-ct01"]
    assert len(fbi.report_ids) == 2 and len(fbi.tasks) == 2
    assert _read(demo_store, "uif.analista1", title) is not None
    # Accounts outside the cell see no case.
    assert _read(demo_store, "us.analyst", title) is None
    assert _read(demo_store, "mx.analyst", title) is None
