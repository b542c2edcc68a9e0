"""`vinculo demo --nodes 2`: a U.S. node and a Mexican node, each with its own database, its
own agencies' accounts and reports from the demo scenario, federated over TAXII 2.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.demo.cases import name_collections
from vinculo.demo.seed import seed_demo
from vinculo.exchange.partners import create_collection, partner_account
from vinculo.settings import PartnerConfig, Settings


@dataclass(frozen=True)
class NodeSpec:
    name: str
    nation: str
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _reset(settings: Settings) -> None:
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _settings(node: NodeSpec, other: NodeSpec) -> Settings:
    partner = PartnerConfig(name=other.name, nation=other.nation, account=f"node.{other.name}")
    return Settings(
        demo=True,
        data_dir=node.directory,
        port=node.port,
        node_name=node.name,
        node_nation=node.nation,
        partners=[partner],
    )


def prepare(
    base: Settings, console: Console, reset: bool = True
) -> list[tuple[NodeSpec, dict[str, str]]]:
    """Seed both nodes, make their collections and partner tokens; each node's environment."""
    from vinculo.migrations.runner import upgrade

    us = NodeSpec("us", "USA", base.port, base.data_dir / "us")
    mx = NodeSpec("mx", "MEX", base.port + 1, base.data_dir / "mx")
    tokens: dict[str, str] = {}
    envs: dict[str, dict[str, str]] = {}
    for node, other in ((us, mx), (mx, us)):
        settings = _settings(node, other)
        if reset:
            _reset(settings)
        engine = make_engine(settings)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        counts = seed_demo(sessions=sessions, nation=node.nation, console=console)
        console.print(
            f"{node.name} ({node.nation}): {counts['reports']} reports, "
            f"{counts['entities']} entities, {counts['statements']} statements"
        )
        with transaction(sessions) as session:
            create_collection(
                session=session,
                settings=settings,
                alias=f"{node.name}-{other.name}-agreement",
                title_en="U.S.–Mexico security cooperation agreement",
                title_es="Acuerdo de cooperación en seguridad México–Estados Unidos",
                partners=[other.name],
            )
            create_collection(
                session=session,
                settings=settings,
                alias=f"{node.name}-tf-sonora",
                title_en="Task Force Sonora",
                title_es="Fuerza de Tarea Sonora",
                partners=[other.name],
                groups=["tf-sonora"],
            )
            create_collection(
                session=session,
                settings=settings,
                alias=f"{node.name}-ct-binational",
                title_en="Binational counter-terrorism cell",
                title_es="Célula binacional antiterrorista",
                partners=[other.name],
                groups=["ct-binational"],
            )
            # The task forces the seeding opened name their collections on this node.
            name_collections(session=session, node=node.name)
            _account, tokens[f"{node.name}>{other.name}"] = partner_account(
                session=session, settings=settings, name=other.name
            )
        engine.dispose()
        envs[node.name] = {
            "VINCULO_DEMO": "true",
            "VINCULO_DATA_DIR": str(node.directory),
            "VINCULO_PORT": str(node.port),
            "VINCULO_HOST": base.host,
            "VINCULO_NODE_NAME": node.name,
            "VINCULO_NODE_NATION": node.nation,
            "VINCULO_EXCHANGE_SYNC": "true",
            "VINCULO_SYNC_INTERVAL_SECONDS": "10",
        }
    for node, other in ((us, mx), (mx, us)):
        partner = {
            "name": other.name,
            "nation": other.nation,
            "account": f"node.{other.name}",
            "url": f"{other.url}/taxii2/vinculo/",
            # What the other node gave this one to read its collections.
            "token": tokens[f"{other.name}>{node.name}"],
        }
        envs[node.name]["VINCULO_PARTNERS"] = json.dumps([partner])
    return [(us, envs["us"]), (mx, envs["mx"])]


def run(base: Settings, console: Console, reset: bool = True, serve_after: bool = True) -> None:
    nodes = prepare(base, console, reset)
    if not serve_after:
        return
    processes = []
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    for _node, env in nodes:
        processes.append(
            subprocess.Popen([sys.executable, "-m", "vinculo", "serve"], env=environment | env)
        )
    try:
        for node, _env in nodes:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{node.url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        us, mx = nodes[0][0], nodes[1][0]
        console.print(f"U.S. node:    {us.url}  (us.analyst / us.supervisor / auditor : demo)")
        console.print(f"Mexican node: {mx.url}  (mx.analyst / fgr.mp1 : demo)")
        console.print(f"TAXII 2.1:    {us.url}/taxii2/  {mx.url}/taxii2/")
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
