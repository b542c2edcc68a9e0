"""The app under uvicorn, told when its server begins to stop.

Uvicorn waits for every open response before it shuts the app down, and a live stream is a
response that would otherwise run on to its own end: a stopping server marks its app first,
so the stream ends at its next tick and the node stops at once.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any, cast

import uvicorn
from fastapi import FastAPI

# Uvicorn's event loop and HTTP parser in C, both dependencies: uvicorn would take them
# unasked when installed, but named here a missing one stops the start instead of quietly
# serving on the pure-Python ones (a fifth more CPU a light request, bench/server_stack.py).
LOOP = "uvloop"
HTTP = "httptools"


def stopping(app: FastAPI) -> bool:
    """Whether the server serving `app` has begun to stop."""
    return bool(getattr(app.state, "stopping", False))


class Server(uvicorn.Server):
    """Uvicorn's server, which marks its app as stopping before it waits for open responses."""

    @property
    def app(self) -> FastAPI:
        # `server_for` hands uvicorn the app itself, not an import string.
        return cast(FastAPI, self.config.app)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # An app served again after a stop must not end its new streams at once.
        self.app.state.stopping = False
        await super().startup(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Marked here rather than in the signal handler: this runs on the event loop, for
        # SIGTERM and SIGINT alike and for `should_exit` set by whoever runs the server, and
        # before uvicorn starts waiting for the open responses to finish.
        self.app.state.stopping = True
        await super().shutdown(sockets)


def server_for(app: FastAPI, *, host: str, port: int, **options: Any) -> Server:
    """The server for `app` on host:port, on uvloop and httptools; `options` go to uvicorn."""
    return Server(uvicorn.Config(app, host=host, port=port, loop=LOOP, http=HTTP, **options))


def run(app: FastAPI, *, host: str, port: int) -> None:
    """Serve `app` on host:port until the process is told to stop."""
    server = server_for(app, host=host, port=port, log_level="info")
    # Uvicorn raises the signal it stopped for again once it has stopped; Ctrl+C ends the
    # command quietly, as `uvicorn.run` lets it.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
