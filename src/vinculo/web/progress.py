"""How far a long request has got, for its own page to ask while it runs.

A long page request (the import of a large file) reports its phase and counts here under a
random key that its form carried; the page polls `read` with the same key. Each entry belongs
to the page session (the cookie's key) that started it, and any other session is answered as
if the key did not exist. It lives in the process's memory on purpose: a reading must not
touch the database, where on SQLite it would queue behind the very transaction it reports
on. With several server processes a poll may reach another one, which does not know the key:
the page then shows progress without counts, and the final answer is the same.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# How long a finished entry can still be read (the page's last poll comes after the answer),
# and the most entries kept at once (the oldest go first).
KEEP_SECONDS = 600.0
MOST = 1000
_KEY = re.compile(r"[0-9a-f]{32}")


def new_key() -> str:
    return secrets.token_hex(16)


@dataclass
class Progress:
    """What a page may learn of its own request: a phase and counts, never content."""

    phase: str = "checking"  # then "storing", then "done"
    lines: int = 0
    bytes: int = 0
    total_lines: int = 0
    total_bytes: int = 0
    owner: str = field(default="", repr=False)
    touched: float = field(default_factory=time.monotonic, repr=False)

    def shown(self) -> dict[str, Any]:
        found = asdict(self)
        found.pop("owner")
        found.pop("touched")
        return found


class ProgressBoard:
    """The entries of one app; thread-safe (requests run in a thread pool)."""

    def __init__(self, *, keep_seconds: float = KEEP_SECONDS, most: int = MOST) -> None:
        self._keep = keep_seconds
        self._most = most
        self._lock = threading.Lock()
        self._entries: dict[str, Progress] = {}

    def start(self, key: str, owner: str, *, total_bytes: int = 0) -> bool:
        """Begin reporting under `key`; False (nothing reported) for a malformed key, no
        owner, or a key another session holds."""
        if not owner or not _KEY.fullmatch(key):
            return False
        with self._lock:
            self._forget_old()
            held = self._entries.get(key)
            if held is not None and not secrets.compare_digest(held.owner, owner):
                return False
            self._entries[key] = Progress(owner=owner, total_bytes=total_bytes)
            while len(self._entries) > self._most:
                del self._entries[next(iter(self._entries))]
        return True

    def update(self, key: str, **values: int | str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            for name, value in values.items():
                setattr(entry, name, value)
            entry.touched = time.monotonic()

    def read(self, key: str, owner: str) -> dict[str, Any] | None:
        """The entry, if `owner` started it; None for a missing key and another's alike."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not owner or not secrets.compare_digest(entry.owner, owner):
                return None
            return entry.shown()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, e in self._entries.items() if now - e.touched > self._keep]:
            del self._entries[key]


_CREATING = threading.Lock()


def board_of(state: Any) -> ProgressBoard:
    """The app's board (`app.state`), made on first use."""
    with _CREATING:
        found = getattr(state, "progress_board", None)
        if not isinstance(found, ProgressBoard):
            found = ProgressBoard()
            state.progress_board = found
    return found
