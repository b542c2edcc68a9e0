"""`vinculo` commands run in the test process, as `python -m vinculo` would run them.

A new interpreter per command costs 1–3 s of imports (the CLI, then SQLAlchemy, pandas,
Splink or igraph for the command), which the suite paid a few hundred times. Here the same
Typer app runs through click's CliRunner with the command's environment, arguments and
standard input; its exit code, standard output and standard error come back as
`subprocess.run` gives them, and the engines the command made are closed when it ends.

What a subprocess alone shows stays on subprocesses: a server (`serve`), a kill -9, signals,
and what reaches the real standard error through logging (pytest owns logging here).
"""

from __future__ import annotations

import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from unittest import mock

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

import vinculo.db
from vinculo.cli import app

# What click calls the program when Python runs it with -m, as in a real `python -m vinculo`.
PROGRAM = f"{sys.executable} -m vinculo"


@contextmanager
def _engines_closed() -> Iterator[None]:
    """Every engine `vinculo.db.make_engine` makes in the block is disposed after it (a
    process that ends closes its connections; a test process goes on)."""
    made: list[Engine] = []
    real = vinculo.db.create_engine

    def recorded(*args: Any, **kwargs: Any) -> Engine:
        engine = real(*args, **kwargs)
        made.append(engine)
        return engine

    with mock.patch.object(vinculo.db, "create_engine", recorded):
        try:
            yield
        finally:
            for engine in made:
                engine.dispose()


def run_vinculo(
    *args: str, env: Mapping[str, str | None] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m vinculo ARGS` with `env` added to the environment (None: taken out), in
    this process."""
    runner = CliRunner()
    with _engines_closed():
        result = runner.invoke(app, list(args), env=dict(env or {}), input=input, prog_name=PROGRAM)
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What the interpreter would print on the way out of an uncaught exception.
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info))
        code = 1
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "vinculo", *args], code, result.stdout, stderr
    )
