"""What the server's own machinery costs a request: uvicorn on asyncio's event loop with h11
(pure Python) against uvicorn on uvloop with httptools (libuv and a C parser), which Vínculo
depends on and `vinculo serve` runs.

    .venv/bin/python bench/server_stack.py [--requests 1000] [--rounds 7]

The demo is seeded once (`vinculo demo --no-serve`, SQLite, in a temporary data dir). For each
stack the app `vinculo serve` serves (`create_app`, the same settings) runs under uvicorn in
a process of its own, and the same requests go to it over HTTP on loopback with keep-alive:
/healthz (no database), the sign-in page (a template), and `GET /api/v1/reports` with a
demo analyst's bearer token (sign-in look-up, the policy, the audit row). The table gives the
server process's CPU per request (user + system from /proc/PID/stat), the median of
`--rounds` rounds in which the two stacks take turns; the client's own cost is not in it.
No network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import console, free_port, machine_line, proc_cpu

PATHS = ("/healthz", "/login", "/api/v1/reports")
STACKS = {"asyncio + h11": ("asyncio", "h11"), "uvloop + httptools": ("uvloop", "httptools")}
SERVE = """
import sys, uvicorn
from vinculo.settings import Settings
from vinculo.web.app import create_app
uvicorn.run(create_app(Settings()), host="127.0.0.1", port=int(sys.argv[1]), loop=sys.argv[2],
            http=sys.argv[3], log_level="warning")
"""


def process_cpu(pid: int) -> float:
    found = proc_cpu(pid)
    if found is None:
        raise RuntimeError("this measure reads /proc, which this machine does not have")
    return found


def seed(data_dir: Path, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "vinculo", "demo", "--no-serve"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"vinculo demo failed:\n{done.stderr[-2000:]}")


def start(env: dict[str, str], loop: str, http: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(port), loop, http], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def cpu_per_request(pid: int, client: httpx.Client, path: str, requests: int) -> float:
    """The server's CPU milliseconds per request of `path`, over `requests` of them."""
    before = process_cpu(pid)
    for _ in range(requests):
        client.get(path).raise_for_status()
    return (process_cpu(pid) - before) / requests * 1000


def client_for(url: str) -> httpx.Client:
    """A client signed in as a demo analyst, its connection kept alive."""
    signed = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": "us.analyst", "password": "demo"}
    )
    signed.raise_for_status()
    token = signed.json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    samples: dict[str, dict[str, list[float]]] = {
        name: {path: [] for path in PATHS} for name in STACKS
    }
    with tempfile.TemporaryDirectory(prefix="vinculo-bench-") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
        env["VINCULO_DATA_DIR"] = directory
        env["VINCULO_DEMO"] = "true"  # as `vinculo demo` serves it: demo passwords allowed
        seed(Path(directory), env)
        servers = {name: start(env, loop, http) for name, (loop, http) in STACKS.items()}
        try:
            clients = {name: client_for(url) for name, (_, url) in servers.items()}
            for client in clients.values():
                for path in PATHS:  # warm: first look-ups, compiled statements, templates
                    for _ in range(50):
                        client.get(path).raise_for_status()
            # The stacks take turns, round after round, so that a change in the machine's
            # load or clock falls on both alike.
            for _ in range(args.rounds):
                for name, client in clients.items():
                    pid = servers[name][0].pid
                    for path in PATHS:
                        samples[name][path].append(
                            cpu_per_request(pid, client, path, args.requests)
                        )
            for client in clients.values():
                client.close()
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=30)
    results = {
        name: {path: statistics.median(found) for path, found in paths.items()}
        for name, paths in samples.items()
    }
    table = Table(title=f"server CPU per request, ms (median of {args.rounds} × {args.requests})")
    table.add_column("request")
    for name in STACKS:
        table.add_column(name, justify="right")
    table.add_column("change", justify="right")
    first, second = STACKS
    for path in results[first]:
        before, after = results[first][path], results[second][path]
        table.add_row(path, f"{before:.3f}", f"{after:.3f}", f"{(after - before) / before:+.0%}")
    console.print(table)
    console.print(machine_line())


if __name__ == "__main__":
    main()
