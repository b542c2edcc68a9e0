"""The demo's planned operations (demo/data/operations.yml): a DEA surveillance in Nogales,
Arizona and an FGR raid in Nogales, Sonora collide, so the demo opens with one alert."""

from __future__ import annotations

from vinculo.cases import alerts, operations, service
from vinculo.db import transaction
from vinculo.security.service import actor_for, get_by_username

from conftest import Store


def test_the_demo_s_two_operations_collide(demo_store: Store) -> None:
    with transaction(demo_store.sessions) as session:

        def listed(username: str) -> list[alerts.AlertRead]:
            user = get_by_username(session=session, username=username)
            assert user is not None
            return alerts.list_alerts(session=session, actor=actor_for(user)).items

        dea, fgr, watch = listed("us.analyst"), listed("fgr.mp1"), listed("us.supervisor")
        assert len(dea) == len(fgr) == len(watch) == 1
        assert dea[0].id == fgr[0].id == watch[0].id and dea[0].status == "open"
        assert [c.agency for c in dea[0].contacts] == ["DEA", "FGR"]
        assert [c.agency for c in fgr[0].contacts] == ["FGR", "DEA"]
        assert watch[0].role == "watch" and watch[0].case_id is None
        # Each side's reader sees only its own case; the DEA analyst's operation is in its
        # place's zone (Arizona keeps no daylight saving time).
        user = get_by_username(session=session, username="us.analyst")
        assert user is not None
        actor = actor_for(user)
        case_id = dea[0].case_id
        assert case_id is not None
        ops = operations.list_operations(session=session, actor=actor, case_id=case_id)
        assert [(o.kind, o.time_zone) for o in ops.items] == [("surveillance", "America/Phoenix")]
        titles = [c.title_en for c in service.list_cases(session=session, actor=actor).items]
        assert "Stash house on Calle Internacional, Nogales, Sonora" not in titles
