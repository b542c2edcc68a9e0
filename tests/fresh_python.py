"""A Python snippet in a process of its own, as a command starts: nothing imported yet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def last_line(script: str, *args: str, cwd: Path, **env: str) -> str:
    """The last line `script` prints, run with this Python without the caller's VINCULO_*
    settings (but `env`); fails with its error output if it fails."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=environment | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]
