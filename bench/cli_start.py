"""What a `vinculo` command costs before it does anything: each one is a fresh process that
imports the command line and whatever its start wires, so this is paid on every command (and
by every test that starts one).

    .venv/bin/python bench/cli_start.py [--runs 5] [--label after]
    PYTHONPATH=/tmp/base/src .venv/bin/python bench/cli_start.py --label before

Each case runs `--runs` times in a fresh process, against a temporary SQLite data dir made
(and migrated) once beforehand; the table gives the best run's CPU time (user + system, from
resource.getrusage(RUSAGE_CHILDREN) deltas) and wall time. The public site is started as the
tests start it (`vinculo serve --public`, VINCULO_PUBLIC_* settings) and timed until its
/healthz answers: its CPU is read from /proc/PID/stat at that moment (the process still
runs), or from getrusage once it is stopped where /proc is missing. No network beyond
127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import console, free_port, machine_line, proc_cpu


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env["VINCULO_DATA_DIR"] = str(data_dir)
    return env


def vinculo(*args: str) -> list[str]:
    return [sys.executable, "-m", "vinculo", *args]


def run_command(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one command, run to its end."""
    cpu, wall = children_cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return cpu, wall


def run_public_site(base: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the public site's start, until /healthz answers."""
    from vinculo.civic import crypto

    _private, public = crypto.new_key_pair()
    port = free_port()
    with tempfile.TemporaryDirectory(dir=base) as data:
        env = base_env(base)
        env.update(
            {
                "VINCULO_PUBLIC_DATA_DIR": str(Path(data) / "public"),
                "VINCULO_PUBLIC_PORT": str(port),
                "VINCULO_PUBLIC_SUBMISSION_KEY": public,
                "VINCULO_PUBLIC_PULL_TOKEN": "pull-token-for-the-bench-0123456789abcdef",
            }
        )
        url = f"http://127.0.0.1:{port}/healthz"
        before, start = children_cpu(), time.perf_counter()
        process = subprocess.Popen(
            vinculo("serve", "--public"),
            env=env,
            cwd=data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while True:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.perf_counter() - start > 60:
                    raise RuntimeError("the public site did not start")
                time.sleep(0.01)
            wall = time.perf_counter() - start
            cpu = proc_cpu(process.pid)
        finally:
            process.terminate()
            _out, _err = process.communicate(timeout=10)
        if cpu is None:
            cpu = children_cpu() - before
        return cpu, wall


def best(runs: int, case: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    samples = [case() for _ in range(runs)]
    return min(s[0] for s in samples), min(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each case; the best counts")
    parser.add_argument("--label", default="", help="a name for this run in the table's title")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vinculo-cli-start-") as tmp:
        base = Path(tmp)
        env = base_env(base)
        run_command(vinculo("db", "upgrade"), env, base)  # the store, once, not timed
        cases: list[tuple[str, Callable[[], tuple[float, float]]]] = [
            ("vinculo --help", lambda: run_command(vinculo("--help"), env, base)),
            (
                "vinculo db upgrade (up to date)",
                lambda: run_command(vinculo("db", "upgrade"), env, base),
            ),
            (
                "vinculo audit verify (fresh store)",
                lambda: run_command(vinculo("audit", "verify"), env, base),
            ),
            ("vinculo serve --public until /healthz", lambda: run_public_site(base)),
        ]
        title = f"Command start{f' ({args.label})' if args.label else ''}, best of {args.runs}"
        table = Table(title=title)
        table.add_column("command")
        table.add_column("CPU s", justify="right")
        table.add_column("wall s", justify="right")
        for name, case in cases:
            cpu, wall = best(args.runs, case)
            table.add_row(name, f"{cpu:.2f}", f"{wall:.2f}")
        console.print(table)
    console.print(machine_line())


if __name__ == "__main__":
    main()
