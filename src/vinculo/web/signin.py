"""Sign-in under load: a rate limit per account name and per client address, and the password
check (argon2, slow on purpose) run outside any transaction and a few at a time.

Forty bad sign-ins at once used to hold SQLite's write lock for their argon2 checks, one after
another, and a normal request waited 9.4 s behind them. Now each attempt takes two short
transactions (`security.service.begin_sign_in`, `finish_sign_in`), the checks share a small
pool of threads of their own (as many as the machine has cores), and a client past its limit
is answered 429 without any check at all.

The limit on an account name counts attempts on the name as typed, whether an account has it
or not, and answers the same for both: it tells nothing about which names exist.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import Request

from vinculo.errors import VinculoError
from vinculo.i18n import N_
from vinculo.security.models import User
from vinculo.security.service import begin_sign_in, finish_sign_in, password_matches
from vinculo.settings import Settings

T = TypeVar("T")
# Beyond this many names and addresses remembered, the oldest are forgotten first.
MAX_KEYS = 100_000


class TooManyAttempts(VinculoError):
    """Too many sign-in attempts in the window (HTTP 429)."""


class SignInLimiter:
    """Sliding-window counts of sign-in attempts per account name and per client address.

    Kept in this process's memory: nothing to write per attempt (writing was the bottleneck),
    and a restart forgets it. With several workers each keeps its own counts.
    """

    def __init__(
        self,
        *,
        per_account: int,
        per_client: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"account": per_account, "client": per_client}
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= MAX_KEYS:
                self._hits.pop(next(iter(self._hits)))
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def hit(self, *, username: str, client: str | None) -> float | None:
        """Count an attempt and allow it (None), or refuse it: the seconds until one more is
        allowed. A refused attempt is not counted, so the owner gets in once the window moves
        on even while someone keeps trying their name."""
        now = self.clock()
        keys = [("account", username.strip().casefold()[:64])]
        if client:
            keys.append(("client", client))
        with self._lock:
            wait = 0.0
            found = [(key, self._recent(key, now)) for key in keys]
            for (kind, _), hits in found:
                if len(hits) >= self.limits[kind]:
                    wait = max(wait, hits[0] + self.window - now)
            if wait > 0:
                return wait
            for _, hits in found:
                hits.append(now)
            return None


def too_many(wait: float) -> TooManyAttempts:
    return TooManyAttempts(
        N_("too many sign-in attempts; wait {seconds} seconds and try again"),
        seconds=max(1, math.ceil(wait)),
    )


def limiter_of(request: Request) -> SignInLimiter:
    """The app's limiter, made with its settings on first use."""
    state = request.app.state
    if getattr(state, "sign_in_limiter", None) is None:
        settings: Settings = state.settings
        state.sign_in_limiter = SignInLimiter(
            per_account=settings.sign_in_limit_per_account,
            per_client=settings.sign_in_limit_per_client,
            window_seconds=settings.sign_in_limit_window_seconds,
        )
    limiter: SignInLimiter = state.sign_in_limiter
    return limiter


def _pool(request: Request, name: str, size: int) -> anyio.CapacityLimiter:
    state = request.app.state
    if getattr(state, name, None) is None:
        setattr(state, name, anyio.CapacityLimiter(size))
    pool: anyio.CapacityLimiter = getattr(state, name)
    return pool


def _hash_pool(request: Request) -> anyio.CapacityLimiter:
    """Threads for password checks, as many as there are cores: more at once only queue for
    the processor and take it from every other request."""
    return _pool(request, "hash_pool", os.cpu_count() or 1)


async def in_sign_in_pool(request: Request, work: Callable[[], T]) -> T:
    """Run a sign-in's database work on threads of its own. On the shared pool, a storm of
    sign-ins waiting for SQLite's write lock held every thread, while the request holding
    the lock waited for a thread to finish on: nobody moved until the busy timeout."""
    return await anyio.to_thread.run_sync(work, limiter=_pool(request, "sign_in_pool", 4))


def check_rate(request: Request, username: str) -> TooManyAttempts | None:
    """The refusal for an attempt past a limit, or None (and the attempt is counted)."""
    client = request.client.host if request.client else None
    wait = limiter_of(request).hit(username=username, client=client)
    return too_many(wait) if wait is not None else None


async def sign_in(request: Request, *, username: str, password: str, code: str) -> User:
    """The account these credentials open (see `security.service.finish_sign_in`), the slow
    check done outside any transaction, in the pool of password checks."""
    sessions = request.app.state.sessions
    settings: Settings = request.app.state.settings
    attempt = await in_sign_in_pool(
        request, lambda: begin_sign_in(sessions=sessions, username=username)
    )
    right = await anyio.to_thread.run_sync(
        password_matches, attempt, password, limiter=_hash_pool(request)
    )
    return await in_sign_in_pool(
        request,
        lambda: finish_sign_in(
            sessions=sessions,
            settings=settings,
            attempt=attempt,
            right=right,
            password=password,
            code=code,
        ),
    )
