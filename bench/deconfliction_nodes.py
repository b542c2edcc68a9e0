"""Target deconfliction across two real nodes: registration on node A → notice on node B.

    .venv/bin/python bench/deconfliction_nodes.py                     # 50 registrations
    .venv/bin/python bench/deconfliction_nodes.py --registrations 20 --interval 30

Two `vinculo serve` processes on loopback (SQLite each), the U.S. node A and the Mexican
node B, sharing one agreement key, each pulling the other with its sync worker. B's analyst
first registers --registrations phones on a case of FGR and DEA (their pointers reach A).
Then A's analyst registers each phone in turn on a case of DEA and FGR through the API, and
the time is taken from A's request until B's analyst reads the notice on B's case over B's
API (polled every 20 ms). The issue's target for an operation's overlap (2 s p95) is the
bar here too.

The path measured: A's registration writes its pointer into B's pointer collection in the
request's transaction; its commit wakes A's publisher, which tells A's live streams
(server-sent events) at once, and the stream tells B's worker within a tick (0.25 s; were
it not told, within stream.POLL = 2 s); B pulls the pointer, and B's check finds its own
registration and writes the notice. Without the stream B would find it on its pull every
--interval seconds (VINCULO_SYNC_INTERVAL_SECONDS, 30 by default), the bound printed beside.

Measured (2 CPUs shared, load ~3): 50 registrations, p50 0.50 s, p95 0.88 s, max 1.33 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import console, machine_line, pct, plain_verdict

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.exchange import partners
from vinculo.exchange.models import ReceivedPointer
from vinculo.exchange.stream import POLL
from vinculo.migrations.runner import upgrade
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user
from vinculo.settings import PartnerConfig, Settings

KEY = {"key_id": "usmx-bench", "secret": "bench-agreement-key-" + "x" * 24}
TARGET_P95 = 2.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(directory: Path, name: str, nation: str, partner: PartnerConfig, user: str) -> Settings:
    settings = Settings(
        demo=True,
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'vinculo.db'}",
        node_name=name,
        node_nation=nation,
        partners=[partner],
        secret_key="bench-" + name,
    )
    engine = make_engine(settings)
    upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        agency = "DEA" if nation == "USA" else "FGR"
        create_user(
            session=session,
            user_in=UserCreate(username=user, password="demo", agency=agency, roles=["analyst"]),
            demo_password=True,
        )
    engine.dispose()
    return settings


def token_for(settings: Settings, partner: str) -> str:
    engine = make_engine(settings)
    with transaction(make_sessionmaker(engine)) as session:
        _account, token = partners.partner_account(session=session, settings=settings, name=partner)
    engine.dispose()
    return token


def serve(settings: Settings, port: int, partner: PartnerConfig, log: Path, interval: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(
        {
            "VINCULO_DATABASE_URL": settings.resolved_database_url,
            "VINCULO_DATA_DIR": str(settings.data_dir),
            "VINCULO_SECRET_KEY": settings.secret_key,
            "VINCULO_DEMO": "true",
            "VINCULO_PORT": str(port),
            "VINCULO_NODE_NAME": settings.node_name,
            "VINCULO_NODE_NATION": settings.node_nation,
            "VINCULO_PARTNERS": json.dumps([partner.model_dump()]),
            "VINCULO_EXCHANGE_SYNC": "true",
            "VINCULO_SYNC_INTERVAL_SECONDS": interval,
            "VINCULO_DECONFLICTION_KEYS": json.dumps([dict(KEY, partners=[partner.name])]),
            "VINCULO_SIGN_IN_LIMIT_PER_CLIENT": "100000",
            "VINCULO_SIGN_IN_LIMIT_PER_ACCOUNT": "100000",
        }
    )
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "vinculo", "serve"], env=env, stdout=handle, stderr=handle
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the node at {url} did not start: {log.read_text()[-2000:]}")


def client(url: str, username: str) -> httpx.Client:
    answer = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": username, "password": "demo"}, timeout=30
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def open_case(api: httpx.Client, lead: str, agencies: list[str]) -> str:
    answer = api.post(
        "/api/v1/cases", json={"title_en": "Bench case", "lead_agency": lead, "agencies": agencies}
    )
    answer.raise_for_status()
    return str(answer.json()["id"])


def register(api: httpx.Client, case_id: str, phone: str, desk: str) -> dict[str, Any]:
    answer = api.post(
        f"/api/v1/cases/{case_id}/targets",
        json={"kind": "phone", "phones": [phone], "contact_phone": desk},
    )
    answer.raise_for_status()
    return dict(answer.json())


def notice_count(api: httpx.Client, case_id: str) -> int:
    answer = api.get(f"/api/v1/cases/{case_id}/targets")
    answer.raise_for_status()
    return len(answer.json()["notices"])


def received(settings: Settings) -> int:
    """Pointers node `settings` holds from its partner (read from its store)."""
    engine = make_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            return int(
                session.execute(select(func.count()).select_from(ReceivedPointer)).scalar_one()
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=50)
    parser.add_argument("--interval", default="30", help="VINCULO_SYNC_INTERVAL_SECONDS")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    console.print(f"[bold]bench/deconfliction_nodes.py[/bold] — {machine_line()}")
    console.print(
        f"two nodes on loopback, {args.registrations} registrations, sync interval "
        f"{args.interval} s, stream look-up {POLL} s"
    )
    with tempfile.TemporaryDirectory(prefix="vinculo-deconfliction-") as tmp:
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
        samples: list[float] = []
        try:
            with (
                client(f"http://127.0.0.1:{a_port}", "dea.agent1") as a_api,
                client(f"http://127.0.0.1:{b_port}", "fgr.mp1") as b_api,
            ):
                b_case = open_case(b_api, "FGR", ["FGR", "DEA"])
                a_case = open_case(a_api, "DEA", ["DEA", "FGR"])
                phones = [
                    f"+52 33 36{i // 100:02d} {2000 + i % 100:04d}"
                    for i in range(1, 1 + args.registrations)
                ]
                for phone in phones:
                    register(b_api, b_case, phone, "+52 55 5346 0000")
                console.print("B registered its phones; waiting for A to hold B's pointers …")
                deadline = time.monotonic() + args.timeout
                while received(a) < len(phones):
                    if time.monotonic() > deadline:
                        raise SystemExit("B's pointers never reached A")
                    time.sleep(0.2)
                for told, phone in enumerate(phones):
                    start = time.perf_counter()
                    mine = register(a_api, a_case, phone, "+1 602 334 1234")
                    assert mine["notices"], "A's own check found no pointer of B"
                    while notice_count(b_api, b_case) <= told:
                        if time.perf_counter() - start > args.timeout:
                            raise SystemExit(f"no notice on B within {args.timeout} s")
                        time.sleep(0.02)
                    samples.append(time.perf_counter() - start)
        finally:
            for process in (a_process, b_process):
                process.terminate()
                process.wait(timeout=15)
    p50, p95 = pct(samples, 50), pct(samples, 95)
    console.print(
        f"registration on A → notice on B, {len(samples)} registrations: "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(samples):.2f} s "
        f"(target p95 < {TARGET_P95:.0f} s: {plain_verdict(p95 < TARGET_P95)}); "
        f"without the live stream the bound is the pull interval, {args.interval} s"
    )
    console.print(
        f"command: .venv/bin/python bench/deconfliction_nodes.py "
        f"--registrations {args.registrations} --interval {args.interval}"
    )


if __name__ == "__main__":
    main()
