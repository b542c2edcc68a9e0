"""Wiring deferred to first use: the command line's start hands over the function that wires
the hooks and the registries (`vinculo.hooks.wire_hooks`), without running it.

Each `vinculo` process runs one command, and most commands (the public site, `db upgrade`,
`audit verify`, `user add` …) never delete a statement nor show a notification, so importing
every domain that registers a hook (the exchange, resolution, cases …: pandas, stix2,
followthemoney's model) to start them is wasted. Instead each registry below the domains
(intel.deletion's purge hooks, intel.reseen's, the exchange's pointer hooks, notify's item
kinds and sentences, assistance's public flag kinds) calls `load()` before it is read while it
is unwired: the first deletion, the first notification, wires everything, then goes on. A
deletion thus still never runs without its hooks: with nothing deferred and nothing wired it
is refused as before. The web app wires eagerly (it imports every domain anyway), which
settles anything deferred.

This module imports nothing of the project: every registry may import it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

_lock = threading.RLock()
_pending: Callable[[], None] | None = None
_loading = False
_settled = False  # wired once in this process: nothing is deferred any more


def defer(loader: Callable[[], None]) -> None:
    """Run `loader` the first time an unwired registry is read (it must wire them all and call
    `settled`); nothing is deferred in a process already wired."""
    global _pending
    with _lock:
        if not _settled:
            _pending = loader


def settled() -> None:
    """Everything is wired: nothing deferred is left to run, nor will be deferred again."""
    global _pending, _settled
    with _lock:
        _pending = None
        _settled = True


def pending() -> bool:
    return _pending is not None


def load() -> None:
    """Run the deferred wiring if there is one, once; cheap when there is none.

    A failing loader leaves it deferred (and its error raised to the reader, a deletion say,
    which then does not run). A registry read while the loader runs (a module imported by it
    that reads one) sees what is wired so far rather than running it again.
    """
    global _pending, _loading
    if _pending is None:
        return
    with _lock:
        loader = _pending
        if loader is None or _loading:
            return
        _loading = True
        try:
            loader()
            _pending = None
        finally:
            _loading = False


H = TypeVar("H", bound=Callable[..., Any])
K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class Hooks(Generic[H]):
    """Functions a domain above wires into a registry below it, run in wiring order; reading
    them runs the deferred wiring first.

    `unwired`, when given, refuses a run while nothing is wired, with that message: for a
    registry whose hooks must not be skipped (a deletion would leave derived data behind).
    Without it, such a run runs nothing.
    """

    def __init__(self, unwired: str | None = None) -> None:
        self._hooks: tuple[H, ...] = ()
        self._wired = False
        self._unwired = unwired

    @property
    def wired(self) -> bool:
        """Wired now (wiring deferred to first use does not count until it has run)."""
        return self._wired

    def wire(self, hooks: Iterable[H]) -> None:
        """Set the hooks; done once where the app is assembled (a repeat sets the same)."""
        self._hooks = tuple(hooks)
        self._wired = True

    @property
    def hooks(self) -> tuple[H, ...]:
        """The hooks to run, after any deferred wiring; refused as `unwired` says."""
        if not self._wired:
            load()
        if not self._wired and self._unwired is not None:
            raise RuntimeError(self._unwired)
        return self._hooks


class WiredDict(dict[K, V]):
    """A registry kept as a dict: reading it runs the deferred wiring first; writing does not
    (the loader itself writes to it)."""

    def __getitem__(self, key: K) -> V:
        load()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        load()
        return super().__contains__(key)

    def __iter__(self) -> Iterator[K]:
        load()
        return super().__iter__()

    def __len__(self) -> int:
        load()
        return super().__len__()

    @overload
    def get(self, key: K, default: None = None, /) -> V | None: ...
    @overload
    def get(self, key: K, default: V, /) -> V: ...
    @overload
    def get(self, key: K, default: D, /) -> V | D: ...
    def get(self, key: K, default: object = None, /) -> object:
        load()
        return super().get(key, default)

    def keys(self) -> dict_keys[K, V]:
        load()
        return super().keys()

    def values(self) -> dict_values[K, V]:
        load()
        return super().values()

    def items(self) -> dict_items[K, V]:
        load()
        return super().items()
