"""Logging, configured once when a process starts: the command line and the web app call it.

Library code only takes loggers (`logging.getLogger(__name__)`) and never configures them.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Splink warns, on every linker made from a model, that the m or u values of some levels
# were never trained: ours keep the defaults on purpose for levels too rare to learn, so on
# a command line or a server log these lines would only bury what matters.
QUIET = ("splink", "splink.internals")

_configured = False


def configure_logging() -> None:
    """Warnings and errors to standard error, Splink's own chatter left out; once per process.

    A process that configured logging itself (a test runner, a host application) keeps its
    handlers: only the quiet loggers' levels are set.
    """
    global _configured
    if _configured:
        return
    _configured = True
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
