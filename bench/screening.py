"""Screening latency: `POST /api/v1/match` over HTTP on loopback, before and after issue 10.

Until issue 10, every screening request read the model file, built a Splink Linker (settings
validation, sqlglot parsing, a DuckDB connection) and let compare_two_records generate its
SQL again: about two thirds of the server's time per request. Now the engine is kept per
model file and its SQL made once per DuckDB connection (resolve.splink_backend.Screener).

The peer is the same script on the code before that change: its src/ is taken from git
(`--against`, by default the parent of the commit that brought the prepared screener) and
run in a subprocess with PYTHONPATH pointing at it, on a store built the same way. Both
figures are per request, measured by the client: median and 90th percentile.

    .venv/bin/python bench/screening.py [--people 3000] [--requests 40] [--against REV]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = "class _Screener"


def _before_change() -> str | None:
    """The commit before the prepared screener came in, if git knows it."""
    try:
        found = subprocess.run(
            ["git", "log", "--format=%H", "-S", MARKER, "--", "src/vinculo/resolve/engine.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{found[-1]}^" if found else None


def _store(directory: Path, people: int) -> Any:
    """A SQLite store with `people` generated binational records an analyst may read."""
    from vinculo.db import make_engine, make_sessionmaker, transaction
    from vinculo.intel.schemas import MarkingsIn
    from vinculo.intel.transfer import import_ftm
    from vinculo.migrations.runner import upgrade
    from vinculo.resolve.synthetic import binational
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import actor_for, create_user
    from vinculo.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{directory / 'vinculo.db'}",
        data_dir=directory,
        secret_key="bench-screening-" + os.urandom(8).hex(),
        demo=True,
    )
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    data = binational(people // 2, people - people // 2, seed=11)
    with transaction(sessions) as session:
        user = create_user(
            session=session,
            user_in=UserCreate(username="bench.analyst", password="demo", agency="FGR"),
            demo_password=True,
        )
        import_ftm(
            session=session,
            actor=actor_for(user),
            lines=(json.dumps(e) for e in data.left + data.right),
            file_name="binational.jsonl",
            source="binational",
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
            skip_bad=True,  # the generator writes a few phone numbers FtM refuses
        )
    engine.dispose()
    asked = ("name", "birthDate", "idNumber", "gender")
    probes = [
        {
            "schema": e["schema"],
            "properties": {k: v for k, v in e["properties"].items() if k in asked},
        }
        for e in data.right[:: max(1, len(data.right) // 10)][:10]
    ]
    return settings, probes


def measure(people: int, requests: int) -> dict[str, Any]:
    """Per-request screening latency of the code imported here, in milliseconds."""
    import httpx
    import uvicorn

    from vinculo.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="vinculo-bench-screening-") as tmp:
        settings, probes = _store(Path(tmp), people)
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        try:
            token = httpx.post(
                f"{url}/api/v1/auth/token",
                data={"username": "bench.analyst", "password": "demo"},
                timeout=60,
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            times: list[float] = []
            found: list[int] = []
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                for i in range(requests + 3):
                    query = {"entity": probes[i % len(probes)], "threshold": 0.5, "limit": 10}
                    start = time.perf_counter()
                    answer = client.post("/api/v1/match", json=query)
                    took = time.perf_counter() - start
                    answer.raise_for_status()
                    if i >= 3:  # the first requests load the libraries and warm the caches
                        times.append(took * 1000)
                        found.append(int(answer.json()["total"]))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "requests": len(times),
        "found": sum(found),
    }


def _peer(rev: str, people: int, requests: int) -> dict[str, Any]:
    """The same measurement on the code of `rev`, in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="vinculo-bench-peer-") as tmp:
        archive = subprocess.run(
            ["git", "archive", rev, "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src")}
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--only",
                "--people",
                str(people),
                "--requests",
                str(requests),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--against", default=None, help="git revision of the peer")
    parser.add_argument("--only", action="store_true", help="measure this code, print JSON")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.people, args.requests)))
        return
    import vinculo

    rev = args.against or _before_change()
    before = _peer(rev, args.people, args.requests) if rev else None
    after = measure(args.people, args.requests)
    print(f"screening, {args.people} people on SQLite, {args.requests} requests, loopback HTTP")
    print(f"  code measured: {Path(vinculo.__file__).resolve().parent}, {os.cpu_count()} CPU(s)")
    if before is not None:
        print(
            f"  before ({rev}): median {before['median_ms']:.0f} ms, "
            f"p90 {before['p90_ms']:.0f} ms per request"
        )
    print(f"  now:    median {after['median_ms']:.0f} ms, p90 {after['p90_ms']:.0f} ms per request")
    if before is not None:
        same = "same" if before["found"] == after["found"] else "DIFFERENT"
        speedup = before["median_ms"] / after["median_ms"]
        print(f"  {speedup:.1f}x faster; candidates found: {same} ({after['found']})")
        if same != "same":
            sys.exit(1)


if __name__ == "__main__":
    main()
