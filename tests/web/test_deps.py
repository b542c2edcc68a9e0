"""The request's unit of work: read-only for HTTP's safe methods, writing for the others."""

from __future__ import annotations

from fastapi import FastAPI, Request

from vinculo.db import is_read_only
from vinculo.web.deps import get_session

from conftest import Store


def test_a_get_reads_read_only_and_a_post_may_write(store: Store) -> None:
    app = FastAPI()
    app.state.sessions = store.sessions
    for method, read_only in [
        ("GET", True),
        ("HEAD", True),
        ("POST", False),
        ("PUT", False),
        ("PATCH", False),
        ("DELETE", False),
    ]:
        request = Request({"type": "http", "method": method, "app": app, "headers": []})
        sessions = get_session(request)
        session = next(sessions)
        assert is_read_only(session) is read_only, method
        sessions.close()
