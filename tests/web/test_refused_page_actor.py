"""A refused page request: its audit row and its error page take the account the request's
own dependencies found, rather than looking the page session up twice more."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from test_pages import page_client

from vinculo.db import transaction
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from conftest import LiveServer, Store


def test_a_refused_page_reads_its_session_once_and_names_the_account(store: Store) -> None:
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username="us.analyst", password="demo", agency="DEA"),
            demo_password=True,
        )
    lookups: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM page_sessions" in statement:
            lookups.append(statement)

    # The server shares the store's engine (conftest.LiveServer), so its statements pass here.
    with LiveServer(store.settings) as server, page_client(server, "us.analyst") as page:
        event.listen(store.engine, "before_cursor_execute", note)
        try:
            refused = page.get("/audit")  # an analyst is not an auditor
        finally:
            event.remove(store.engine, "before_cursor_execute", note)
    assert refused.status_code == 403
    assert "us.analyst" in refused.text  # the error page is drawn for the signed-in account
    assert len(lookups) == 1, lookups
    with transaction(store.sessions) as session:
        row = session.execute(
            select(AuditRow).where(AuditRow.action == "refused", AuditRow.target == "/audit")
        ).scalar_one()
    assert (row.actor, row.agency, row.outcome) == ("us.analyst", "DEA", "403")
