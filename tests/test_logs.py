"""Logging is configured once at start-up, and making an engine configures nothing."""

from __future__ import annotations

import logging
import subprocess
import sys

from vinculo.logs import QUIET

# A fresh interpreter: the test process's own logging set-up must not decide the answer.
PROBE = """
import logging
from vinculo.resolve.engine import Engine
Engine.default()
levels = [logging.getLogger(n).level for n in {quiet!r}]
print(levels, len(logging.getLogger().handlers))
from vinculo.logs import configure_logging
configure_logging()
configure_logging()
print([logging.getLogger(n).level for n in {quiet!r}], len(logging.getLogger().handlers))
"""


def test_configure_logging_quiets_splink_once_and_engines_leave_logging_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(quiet=QUIET)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after = done.stdout.strip().splitlines()
    assert before == f"{[logging.NOTSET] * len(QUIET)} 0"
    assert after == f"{[logging.ERROR] * len(QUIET)} 1"
