"""A page session's last use: written when it is a step old, so that a page read reads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from vinculo.db import transaction
from vinculo.security import sessions
from vinculo.security.models import PageSession, utcnow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from conftest import Store


def _seen(store: Store) -> PageSession:
    with transaction(store.sessions) as session:
        return session.execute(select(PageSession)).scalar_one()


def _age(store: Store, by: timedelta) -> None:
    with transaction(store.sessions) as session:
        row = session.execute(select(PageSession)).scalar_one()
        row.seen_at -= by


def _signed_in(store: Store) -> str:
    """A page session of a new account; its cookie's key."""
    with transaction(store.sessions) as session:
        user = create_user(
            session=session,
            user_in=UserCreate(username="us.analyst", password="demo", agency="DEA"),
            demo_password=True,
        )
        return sessions.start(session=session, user=user)


def test_a_session_s_last_use_is_written_only_once_it_is_a_step_old(store: Store) -> None:
    settings = store.settings
    step = sessions.seen_step(settings)
    assert step == timedelta(minutes=1)  # a thirtieth of the default 30 minutes
    key = _signed_in(store)
    first = _seen(store).seen_at

    with transaction(store.sessions) as session:
        assert sessions.resume(session=session, settings=settings, key=key).user is not None
        assert not session.dirty  # a use within the step writes nothing
    assert _seen(store).seen_at == first

    _age(store, step + timedelta(seconds=1))
    aged = _seen(store).seen_at
    with transaction(store.sessions) as session:
        assert sessions.resume(session=session, settings=settings, key=key).user is not None
    assert _seen(store).seen_at > aged
    assert utcnow() - _seen(store).seen_at < step


def test_a_session_ends_at_most_a_step_before_its_idle_time(store: Store) -> None:
    settings = store.settings
    idle = timedelta(minutes=settings.session_idle_minutes)
    step = sessions.seen_step(settings)
    key = _signed_in(store)
    # Used again just under a step after the last write (nothing written) ...
    _age(store, step - timedelta(seconds=5))
    with transaction(store.sessions) as session:
        assert sessions.resume(session=session, settings=settings, key=key).ended is None
    # ... then left: it ends once the idle time since the write is up, which is less than
    # the idle time since that use, by under a step.
    _age(store, idle - step + timedelta(seconds=6))
    with transaction(store.sessions) as session:
        assert sessions.resume(session=session, settings=settings, key=key).ended == sessions.IDLE
