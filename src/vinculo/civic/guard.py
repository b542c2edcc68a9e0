"""Abuse resistance held in memory only: proof-of-work challenges, rate limits keyed on a
salted hash of the client's address (the salt made afresh every day, the counters with it),
and reporters' visits. Nothing here is written to the store or to a log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


@dataclass
class ProofOfWork:
    """Hashcash-style: the server signs "expires:nonce:bits" with a key of its memory; the
    browser finds a counter such that SHA-256("challenge:counter") starts with `bits` zero
    bits. A solved challenge is spent once."""

    bits: int
    ttl_seconds: int
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _spent: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _sign(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self) -> str:
        expires = int(time.time()) + self.ttl_seconds
        body = f"{expires}:{secrets.token_hex(8)}:{self.bits}"
        return f"{body}:{self._sign(body)}"

    def check(self, challenge: str, counter: str) -> bool:
        parts = challenge.split(":")
        if len(parts) != 4 or not counter.isdigit() or len(counter) > 20:
            return False
        expires, _nonce, bits, signature = parts
        body = ":".join(parts[:3])
        if not hmac.compare_digest(signature, self._sign(body)):
            return False
        now = time.time()
        if not expires.isdigit() or int(expires) < now or int(bits) < self.bits:
            return False
        digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
        if _leading_zero_bits(digest) < int(bits):
            return False
        with self._lock:
            self._spent = {c: t for c, t in self._spent.items() if t >= now}
            if challenge in self._spent:
                return False
            self._spent[challenge] = int(expires)
        return True


class RateLimits:
    """Events per hour per client, the client known only as HMAC(daily salt, address)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day = ""
        self._salt = b""
        self._events: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _key(self, address: str) -> str:
        today = datetime.now(UTC).date().isoformat()
        if today != self._day:
            # A new day: a new salt, and yesterday's counters forgotten with the old one.
            self._day, self._salt = today, secrets.token_bytes(32)
            self._events.clear()
        return hmac.new(self._salt, address.encode(), hashlib.sha256).hexdigest()

    def allow(self, kind: str, address: str, limit: int, window: float = 3600) -> bool:
        """Count one event of `kind` and say whether it is within `limit` per `window`."""
        now = time.monotonic()
        with self._lock:
            events = self._events[(kind, self._key(address))]
            while events and events[0] <= now - window:
                events.popleft()
            if len(events) >= limit:
                return False
            events.append(now)
            return True


T = TypeVar("T")


class Visits(Generic[T]):
    """Reporters' visits: a random cookie value to what the visit opened, for some minutes."""

    def __init__(self, minutes: float) -> None:
        self._ttl = minutes * 60
        self._lock = threading.Lock()
        self._open: dict[str, tuple[float, T]] = {}

    def start(self, value: T) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._open = {k: v for k, v in self._open.items() if v[0] > now}
            self._open[token] = (now + self._ttl, value)
        return token

    def get(self, token: str | None) -> T | None:
        if not token:
            return None
        with self._lock:
            found = self._open.get(token)
            if found is None or found[0] <= time.monotonic():
                self._open.pop(token, None)
                return None
            return found[1]

    def end(self, token: str | None) -> None:
        with self._lock:
            self._open.pop(token or "", None)
