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
from enum import StrEnum
from typing import Generic, TypeVar


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


# scrypt's block size and the salt of every puzzle hash; the challenge itself, in the password,
# makes each hash unique, so nothing can be computed before the challenge is given.
BLOCK_SIZE = 8
SALT = b"vinculo-pow"


def puzzle_hash(challenge: str, round_: int, counter: int, cost: int) -> bytes:
    """scrypt("challenge:round:counter"), N = 2**cost, r = 8, p = 1: one attempt."""
    n = 2**cost
    return hashlib.scrypt(
        f"{challenge}:{round_}:{counter}".encode(),
        salt=SALT,
        n=n,
        r=BLOCK_SIZE,
        p=1,
        maxmem=256 * BLOCK_SIZE * n + (1 << 20),
        dklen=16,
    )


def _terms(challenge: str) -> tuple[int, int, int] | None:
    """The challenge's cost, rounds and bits, or None if it is not one of ours in shape."""
    parts = challenge.split(":")
    if len(parts) != 6 or not all(p.isdigit() and len(p) <= 3 for p in parts[2:5]):
        return None
    return int(parts[2]), int(parts[3]), int(parts[4])


def solve(challenge: str) -> str:
    """What a browser sends for a challenge: one counter per round, comma-separated.

    The same work a script would do: the bench measures it as the attacker's cost."""
    terms = _terms(challenge)
    if terms is None:
        raise ValueError("not a proof-of-work challenge")
    cost, rounds, bits = terms
    counters = []
    for round_ in range(rounds):
        counter = 0
        while _leading_zero_bits(puzzle_hash(challenge, round_, counter, cost)) < bits:
            counter += 1
        counters.append(str(counter))
    return ",".join(counters)


class Verdict(StrEnum):
    """What a proof-of-work sent with a form comes to."""

    SOLVED = "solved"
    ABSENT = "absent"  # no answer: a browser without JavaScript (the stricter limit)
    EXPIRED = "expired"
    REFUSED = "refused"  # missing, forged, wrong or already spent


@dataclass
class ProofOfWork:
    """A memory-hard puzzle: the server signs "expires:nonce:cost:rounds:bits" with a key of
    its memory; the browser finds, for each of `rounds` rounds, a counter such that
    scrypt("challenge:round:counter", N = 2**cost) starts with `bits` zero bits. The expected
    work is rounds * 2**bits hashes; checking costs `rounds` hashes. A challenge is spent by
    its first answer, right or wrong."""

    bits: int
    rounds: int
    cost: int
    ttl_seconds: int
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _spent: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _sign(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self) -> str:
        expires = int(time.time()) + self.ttl_seconds
        body = f"{expires}:{secrets.token_hex(8)}:{self.cost}:{self.rounds}:{self.bits}"
        return f"{body}:{self._sign(body)}"

    def check(self, challenge: str, answer: str) -> Verdict:
        """Cheap checks first (shape, signature, expiry, spent), then one hash per round."""
        terms = _terms(challenge)
        body, _, signature = challenge.rpartition(":")
        if terms is None or not hmac.compare_digest(signature, self._sign(body)):
            return Verdict.REFUSED
        if terms != (self.cost, self.rounds, self.bits):
            return Verdict.REFUSED
        now = time.time()
        expires = int(challenge.split(":")[0])
        if expires < now:
            return Verdict.EXPIRED
        if not answer:
            return Verdict.ABSENT
        counters = answer.split(",")
        if len(counters) != self.rounds or not all(c.isdigit() and len(c) <= 12 for c in counters):
            return Verdict.REFUSED
        with self._lock:
            # Spent before it is checked: the same answer sent twice at once is checked once.
            self._spent = {c: t for c, t in self._spent.items() if t >= now}
            if challenge in self._spent:
                return Verdict.REFUSED
            self._spent[challenge] = expires
        for round_, counter in enumerate(counters):
            digest = puzzle_hash(challenge, round_, int(counter), self.cost)
            if _leading_zero_bits(digest) < self.bits:
                return Verdict.REFUSED
        return Verdict.SOLVED


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
