"""Event deconfliction across two real nodes: an operation planned on node A that overlaps one
on node B → an alert on both nodes.

    .venv/bin/python bench/operations_nodes.py                      # 30 operations
    .venv/bin/python bench/operations_nodes.py --operations 10 --interval 30

Two `vinculo serve` processes on loopback (SQLite each), the U.S. node A and the Mexican
node B, sharing one agreement key, each pulling the other with its sync worker (the same
set-up as bench/deconfliction_nodes.py). B's analyst first plans --operations operations in
Nogales, Sonora (America/Hermosillo), 07:00–10:00 at the place, one a day, on a case of FGR
and DEA; their pointers reach A. Then A's analyst plans, through the API, an operation in
Nogales, Arizona (America/Phoenix), 06:00–12:00 at the place, on each of those days in turn,
on a case of DEA and FGR. The time is taken from A's request until both alerts are there: A's
(in A's answer: A's own check meets B's pointer already held) and B's, read by B's analyst
over B's API (polled every 20 ms) — B raises it when A's pointer reaches it and B's check
meets its own operation. The issue's target: 2 s p95.

The path to B is the one bench/deconfliction_nodes.py measures for targets: A's pointer is
written in the request's transaction, its commit wakes A's live stream, B's worker pulls
within a tick; without the stream B finds it on its pull every --interval seconds.

Measured (2 CPUs shared, load ~3.1): 30 operations, alert on A p50 0.05 s, p95 0.25 s; alerts
on both nodes p50 0.48 s, p95 0.91 s, max 1.15 s. Again at load ~8: p50 0.57 s, p95 0.93 s,
max 1.18 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import console, machine_line, pct, plain_verdict
from deconfliction_nodes import build, client, free_port, open_case, serve, token_for

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.exchange.models import ReceivedPointerHash
from vinculo.exchange.stream import POLL
from vinculo.settings import PartnerConfig, Settings

TARGET_P95 = 2.0
NOGALES_AZ = (31.3404, -110.9343)
NOGALES_SON = (31.3086, -110.9422)
FIRST_DAY = date(2027, 4, 1)


def plan(
    api: httpx.Client, case_id: str, where: tuple[float, float], day: date, hours: str, desk: str
) -> dict[str, Any]:
    starts, ends = hours.split("-")
    answer = api.post(
        f"/api/v1/cases/{case_id}/operations",
        json={
            "kind": "controlled_delivery",
            "latitude": where[0],
            "longitude": where[1],
            "radius_m": 2_000,
            "starts_local": f"{day.isoformat()}T{starts}",
            "ends_local": f"{day.isoformat()}T{ends}",
            "contact_phone": desk,
        },
    )
    answer.raise_for_status()
    return dict(answer.json())


def alert_count(api: httpx.Client) -> int:
    answer = api.get("/api/v1/deconfliction/alerts")
    answer.raise_for_status()
    return len(answer.json()["items"])


def operation_pointers(settings: Settings) -> int:
    """Operation pointers node `settings` holds from its partner (read from its store)."""
    engine = make_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            return int(
                session.execute(
                    select(func.count(func.distinct(ReceivedPointerHash.pointer_id))).where(
                        ReceivedPointerHash.kind == "operation"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=30)
    parser.add_argument("--interval", default="30", help="VINCULO_SYNC_INTERVAL_SECONDS")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    console.print(f"[bold]bench/operations_nodes.py[/bold] — {machine_line()}")
    console.print(
        f"two nodes on loopback, {args.operations} overlapping operations, sync interval "
        f"{args.interval} s, stream look-up {POLL} s"
    )
    both: list[float] = []
    on_a: list[float] = []
    with tempfile.TemporaryDirectory(prefix="vinculo-operations-") as tmp:
        root = Path(tmp)
        (root / "a").mkdir()
        (root / "b").mkdir()
        a_port, b_port = free_port(), free_port()
        to_b = PartnerConfig(name="mx", nation="MEX", account="node.mx")
        to_a = PartnerConfig(name="us", nation="USA", account="node.us")
        a = build(root / "a", "us", "USA", to_b, "dea.agent1")
        b = build(root / "b", "mx", "MEX", to_a, "fgr.mp1")
        a_gives_b, b_gives_a = token_for(a, "mx"), token_for(b, "us")
        a_partner = to_b.model_copy(
            update={"url": f"http://127.0.0.1:{b_port}/taxii2/vinculo/", "token": b_gives_a}
        )
        b_partner = to_a.model_copy(
            update={"url": f"http://127.0.0.1:{a_port}/taxii2/vinculo/", "token": a_gives_b}
        )
        a_process = serve(a, a_port, a_partner, root / "a.log", args.interval)
        b_process = serve(b, b_port, b_partner, root / "b.log", args.interval)
        try:
            with (
                client(f"http://127.0.0.1:{a_port}", "dea.agent1") as a_api,
                client(f"http://127.0.0.1:{b_port}", "fgr.mp1") as b_api,
            ):
                b_case = open_case(b_api, "FGR", ["FGR", "DEA"])
                a_case = open_case(a_api, "DEA", ["DEA", "FGR"])
                days = [FIRST_DAY + timedelta(days=i) for i in range(args.operations)]
                for day in days:
                    plan(b_api, b_case, NOGALES_SON, day, "07:00-10:00", "+52 631 555 0199")
                console.print("B planned its operations; waiting for A to hold B's pointers …")
                deadline = time.monotonic() + args.timeout
                while operation_pointers(a) < len(days):
                    if time.monotonic() > deadline:
                        tail = (root / "a.log").read_text()[-3000:]
                        raise SystemExit(f"B's pointers never reached A; A's log:\n{tail}")
                    time.sleep(0.2)
                for told, day in enumerate(days):
                    start = time.perf_counter()
                    mine = plan(a_api, a_case, NOGALES_AZ, day, "06:00-12:00", "+1 520 555 0147")
                    on_a.append(time.perf_counter() - start)
                    assert mine["alerts"], "A's own check met no pointer of B"
                    while alert_count(b_api) <= told:
                        if time.perf_counter() - start > args.timeout:
                            raise SystemExit(f"no alert on B within {args.timeout} s")
                        time.sleep(0.02)
                    both.append(time.perf_counter() - start)
        finally:
            for process in (a_process, b_process):
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    p50, p95 = pct(both, 50), pct(both, 95)
    console.print(
        f"operation planned on A → alert on A: p50 {pct(on_a, 50):.2f} s, p95 {pct(on_a, 95):.2f} s"
    )
    console.print(
        f"operation planned on A → alerts on both nodes, {len(both)} operations: "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(both):.2f} s "
        f"(target p95 < {TARGET_P95:.0f} s: {plain_verdict(p95 < TARGET_P95)}); "
        f"without the live stream the bound is the pull interval, {args.interval} s"
    )
    console.print(
        f"command: .venv/bin/python bench/operations_nodes.py "
        f"--operations {args.operations} --interval {args.interval}"
    )


if __name__ == "__main__":
    main()
