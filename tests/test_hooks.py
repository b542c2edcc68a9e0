"""The purge hooks are wired where the app is assembled, and nowhere else: a process that
imports every module but assembles nothing has none, the web app and the command line wire
them, and a deletion without them is refused rather than leaving derived data behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env["VINCULO_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, entry],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == WIRED


def test_a_deletion_without_hooks_is_refused() -> None:
    hooks = PurgeHooks()
    purged = Purged(report_id="r", entity_ids=["e"], entities_deleted=[])
    with pytest.raises(RuntimeError, match="wire_hooks"):
        hooks.run(None, purged)  # type: ignore[arg-type]
    ran: list[Purged] = []
    hooks.wire([lambda _session, p: ran.append(p)])
    hooks.run(None, purged)  # type: ignore[arg-type]
    assert ran == [purged]
