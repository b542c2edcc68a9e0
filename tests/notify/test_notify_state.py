"""An account's notification state is made once, however many of its requests ask first."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.notify.models import NotifyState
from vinculo.notify.service import state_for
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from conftest import Store


def test_two_first_requests_of_one_account_make_one_state(store: Store) -> None:
    with transaction(store.sessions) as session:
        user_id = create_user(
            session=session,
            user_in=UserCreate(
                username="lupe", password="correct horse battery staple", agency="DEA"
            ),
        ).id
    second_done = threading.Event()
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with transaction(store.sessions) as session:
                state_for(session=session, user_id=user_id)
        except BaseException as error:  # the thread's failure is the test's
            failures.append(error)
        finally:
            second_done.set()

    with transaction(store.sessions) as session:
        state_for(session=session, user_id=user_id)
        thread = threading.Thread(target=second)
        thread.start()
        # The second request waits on the first's uncommitted row: it must not fail on it.
        assert not second_done.wait(0.5)
    thread.join(timeout=30)
    assert second_done.is_set()
    assert failures == []
    with transaction(store.sessions) as session:
        count = session.execute(
            select(func.count()).select_from(NotifyState).where(NotifyState.user_id == user_id)
        ).scalar()
    assert count == 1
