"""A purge leaves no account's places past what is stored: the watchlist scan and "new since
my last visit" find the next report filed, though SQLite numbers it as the purged one was.
A purged report the reader could not see hid a visible one filed after it: found by review,
replayed on the noninterference machine (tests/leaks/test_sequences.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.hooks import wire_hooks
from vinculo.intel.retention import purge
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.intel.service import create_report
from vinculo.notify import service as notices
from vinculo.notify.models import NotifyState
from vinculo.notify.watch import add_watch, scan
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.web.pages import VISIT_GAP, workspace

from worlds import World, report_in

NAME = "Lupe García López"


@pytest.fixture(autouse=True)
def _hooks() -> None:
    wire_hooks()


def _file(world: World, markings: MarkingsIn, entity_id: str) -> tuple[str, int]:
    """A DEA agent's report naming NAME; its id and its row's number."""
    with transaction(world.store.sessions) as session:
        report = create_report(
            session=session,
            actor=world.actors["dea.agent1"],
            report_in=report_in(
                f"Sighting {entity_id}",
                markings,
                [EntityIn(id=entity_id, schema="Person", properties={"name": [NAME]})],
                body="Seen at the border crossing.",
            ),
        )
        return report.id, report.seq


def _end_visit(session: Session, actor: Actor) -> None:
    """The reader's visit of the home began longer ago than a visit lasts."""
    state = session.get(NotifyState, actor.user_id)
    assert state is not None and state.visit_at is not None
    state.visit_at -= VISIT_GAP + timedelta(minutes=1)


def test_a_purged_report_the_reader_never_saw_hides_nothing_filed_after_it(
    fresh_world: World,
) -> None:
    mx = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        supervisor = actor_for(
            create_user(
                session=session,
                user_in=UserCreate(
                    username="dea.super",
                    password="demo",
                    agency="DEA",
                    roles=["analyst", "supervisor"],
                ),
                demo_password=True,
            )
        )
        add_watch(session=session, actor=mx, kind="name", value=NAME)
        workspace(session=session, actor=mx)
    hidden, hidden_seq = _file(fresh_world, MarkingsIn(tlp="GREEN", rel_to=["USA"]), "per-us")
    with transaction(fresh_world.store.sessions) as session:
        # The scan reads past the hidden report, and the next visit begins after it.
        assert scan(session=session, actor=mx) == 0
        _end_visit(session, mx)
        assert workspace(session=session, actor=mx).new == []
        purge(session=session, actor=supervisor, report_id=hidden, reason="filed in error")
    # SQLite numbers the next report as the purged one was (PostgreSQL's sequence goes on).
    seen, seq = _file(fresh_world, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), "per-both")
    assert seq == hidden_seq if fresh_world.store.backend == "sqlite" else seq > hidden_seq
    with transaction(fresh_world.store.sessions) as session:
        assert scan(session=session, actor=mx) == 1
        hits = notices.list_notifications(session=session, actor=mx)
        assert [(n.kind, n.item.kind, n.item.id) for n in hits] == [
            ("watch_hit", "entity", "per-both")
        ]
        _end_visit(session, mx)
        assert [r.id for r in workspace(session=session, actor=mx).new] == [seen]
