"""The request's unit of work: read-only for HTTP's safe methods, writing for the others."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
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
        # A thread of its own: a page test's Playwright may hold this thread's event loop.
        with ThreadPoolExecutor(1) as thread:
            opened = thread.submit(anyio.run, _opens_read_only, request).result()
        assert opened is read_only, method


async def _opens_read_only(request: Request) -> bool:
    sessions = get_session(request)
    session = await anext(sessions)
    read_only = is_read_only(session)
    await sessions.aclose()
    return read_only
