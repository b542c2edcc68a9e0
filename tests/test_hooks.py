"""The purge hooks are wired where the app is assembled, and nowhere else: a process that
imports every module but assembles nothing has none, the web app and the command line wire
them (the command line on first use), and a deletion without them is refused rather than
leaving derived data behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fresh_python import last_line

from vinculo import wiring
from vinculo.intel.deletion import Purged, PurgeHooks

PROBE = """
import sys
from vinculo.intel.deletion import PURGE_HOOKS
import vinculo.exchange.purge, vinculo.resolve.store, vinculo.exchange.worker
assert not PURGE_HOOKS.wired, "importing a module wired the hooks"
if sys.argv[1] == "web":
    from vinculo.settings import Settings
    from vinculo.web.app import create_app
    create_app(Settings())
else:
    from typer.testing import CliRunner
    from vinculo.cli import app
    result = CliRunner().invoke(app, ["audit", "verify"])
print(",".join(f"{h.__module__}.{h.__name__}" for h in PURGE_HOOKS.hooks))
"""
WIRED = (
    "vinculo.resolve.store.forget_purged,vinculo.exchange.purge.take_back_purged,"
    "vinculo.notify.service.keep_places_within_store,vinculo.cases.purge.forget_purged_links"
)


@pytest.mark.parametrize("entry", ["web", "cli"])
def test_the_app_and_the_command_line_wire_the_hooks(entry: str, tmp_path: Path) -> None:
    assert last_line(PROBE, entry, cwd=tmp_path, VINCULO_DATA_DIR=str(tmp_path)) == WIRED


def test_a_deletion_without_hooks_is_refused() -> None:
    hooks = PurgeHooks()
    purged = Purged(report_id="r", entity_ids=["e"], entities_deleted=[])
    with pytest.raises(RuntimeError, match="wire_hooks"):
        hooks.run(None, purged)  # type: ignore[arg-type]
    ran: list[Purged] = []
    hooks.wire([lambda _session, p: ran.append(p)])
    hooks.run(None, purged)  # type: ignore[arg-type]
    assert ran == [purged]


# The command line defers the wiring to first use (vinculo.wiring): a deletion in such a
# process runs the hooks the web app's eager wiring runs, in the same order, and every other
# registry ends up as the web app has it.
DELETION = """
import json, sys
from sqlalchemy import select
from vinculo import wiring
from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.intel import deletion
from vinculo.migrations.runner import upgrade
from vinculo.settings import Settings

engine = make_engine(Settings())
upgrade(engine)
if sys.argv[1] == "lazy":
    from vinculo.cli import _start
    _start()
else:
    from vinculo.hooks import wire_hooks
    wire_hooks()
before = sorted(m for m in ("pandas", "vinculo.resolve.store", "vinculo.exchange.purge")
                if m in sys.modules)
ran = []

# Called by the deletion's run (each hook) or by the hooks it reads (the deferred wiring).
READ = wiring.Hooks.hooks.fget.__code__
CALLERS = (deletion.PurgeHooks.run.__code__, READ)

def note(frame, event, arg):
    caller = frame.f_back
    if event == "call" and caller and caller.f_code in CALLERS and frame.f_code is not READ:
        ran.append(f"{frame.f_globals['__name__']}.{frame.f_code.co_name}")

with transaction(make_sessionmaker(engine)) as session:
    sys.setprofile(note)
    deletion.delete_report(session=session, report_id="a-report")
    sys.setprofile(None)

from vinculo.assistance import public
from vinculo.exchange.pointers import POINTER_HOOKS
from vinculo.intel.reseen import RESEEN_HOOKS
from vinculo.notify import items, service

def names(hooks):
    return [f"{h.__module__}.{h.__name__}" for h in hooks]

print(json.dumps({
    "before": before,
    "ran": ran,
    "reseen": names(RESEEN_HOOKS._hooks),
    "pointers": names(POINTER_HOOKS._hooks),
    "item_kinds": sorted(items.KINDS._kinds),
    "sentences": sorted(dict.keys(service.KIND_SENTENCES)),
    "public_kinds": sorted(dict.keys(public.KINDS)),
}))
"""


def test_a_deletion_after_lazy_wiring_runs_the_hooks_eager_wiring_runs(tmp_path: Path) -> None:
    found = {}
    for mode in ("lazy", "eager"):
        printed = last_line(DELETION, mode, cwd=tmp_path, VINCULO_DATA_DIR=str(tmp_path / mode))
        found[mode] = json.loads(printed)
    lazy, eager = found["lazy"], found["eager"]
    # The command line's start imported none of the domains; the deletion wired them.
    assert lazy.pop("before") == []
    assert eager.pop("before") != []
    # The deletion wired them first (once), then ran each hook as the eager wiring does.
    assert lazy.pop("ran") == ["vinculo.wiring.load", *WIRED.split(",")]
    assert eager.pop("ran") == WIRED.split(",")
    assert lazy == eager


def test_a_deferred_wiring_runs_once_before_the_first_deletion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test process is wired (conftest): a fresh registry and a fresh deferral stand in.
    monkeypatch.setattr(wiring, "_settled", False)
    monkeypatch.setattr(wiring, "_pending", None)
    hooks = PurgeHooks()
    purged = Purged(report_id="r", entity_ids=["e"], entities_deleted=[])
    ran: list[str] = []
    loads: list[int] = []

    def loader() -> None:
        loads.append(1)
        hooks.wire([lambda _session, _p: ran.append("first"), lambda _s, _p: ran.append("second")])
        wiring.settled()

    wiring.defer(loader)
    assert not hooks.wired  # deferred, not yet wired
    hooks.run(None, purged)  # type: ignore[arg-type]
    hooks.run(None, purged)  # type: ignore[arg-type]
    assert loads == [1]
    assert ran == ["first", "second", "first", "second"]
    wiring.defer(loader)  # wired once: nothing is deferred again
    assert not wiring.pending()


def test_a_deletion_whose_deferred_wiring_fails_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(wiring, "_settled", False)
    monkeypatch.setattr(wiring, "_pending", None)
    hooks = PurgeHooks()
    purged = Purged(report_id="r", entity_ids=["e"], entities_deleted=[])

    def broken() -> None:
        raise ImportError("a domain could not be imported")

    wiring.defer(broken)
    with pytest.raises(ImportError):
        hooks.run(None, purged)  # type: ignore[arg-type]
    assert not hooks.wired
    # Still deferred: the next deletion tries again, and is refused the same way.
    assert wiring.pending()
    with pytest.raises(ImportError):
        hooks.run(None, purged)  # type: ignore[arg-type]
    # Nothing deferred and nothing wired: refused as ever.
    monkeypatch.setattr(wiring, "_pending", None)
    with pytest.raises(RuntimeError, match="wire_hooks"):
        hooks.run(None, purged)  # type: ignore[arg-type]
