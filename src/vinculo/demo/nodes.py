"""`vinculo demo --nodes 2|3`: a U.S. node, a Mexican node and, with 3, a Guatemalan node, each
with its own database, its own agencies' accounts and reports from the demo scenario, each
federated with every other over TAXII 2.1 (data/nodes.yml: the nodes, their agreements and
task-force collections)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.demo.cases import name_collections
from vinculo.demo.catalogue import read
from vinculo.demo.seed import seed_demo
from vinculo.exchange.partners import create_collection, partner_account
from vinculo.settings import PartnerConfig, Settings


@dataclass(frozen=True)
class NodeSpec:
    name: str
    nation: str
    port: int
    directory: Path
    title: str = ""
    sign_in: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def most_nodes() -> int:
    """How many nodes data/nodes.yml describes: the largest `--nodes`."""
    return len(read("nodes")["nodes"])


def node_specs(base: Settings, count: int) -> list[NodeSpec]:
    """The first `count` nodes of data/nodes.yml, at the base port and the ports after it."""
    rows = read("nodes")["nodes"]
    if not 2 <= count <= len(rows):
        raise ValueError(f"demo/data/nodes.yml describes 2 to {len(rows)} nodes, not {count}")
    return [
        NodeSpec(
            name=row["name"],
            nation=row["nation"],
            port=base.port + index,
            directory=base.data_dir / row["name"],
            title=row["en"],
            sign_in=row["sign_in"],
        )
        for index, row in enumerate(rows[:count])
    ]


def _reset(settings: Settings) -> None:
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _settings(node: NodeSpec, others: list[NodeSpec]) -> Settings:
    partners = [
        PartnerConfig(name=other.name, nation=other.nation, account=f"node.{other.name}")
        for other in others
    ]
    return Settings(
        demo=True,
        data_dir=node.directory,
        port=node.port,
        node_name=node.name,
        node_nation=node.nation,
        partners=partners,
    )


def _collections(node: NodeSpec, running: set[str]) -> list[dict[str, Any]]:
    """The collections `node` serves (data/nodes.yml): alias, titles, partners, groups."""
    data = read("nodes")
    found: list[dict[str, Any]] = []
    for row in data["agreements"]:
        if node.name in row["nodes"] and set(row["nodes"]) <= running:
            (other,) = [n for n in row["nodes"] if n != node.name]
            found.append(
                {
                    "alias": f"{node.name}-{other}-agreement",
                    "title_en": row["en"],
                    "title_es": row["es"],
                    "partners": [other],
                    "groups": [],
                }
            )
    for row in data["task_forces"]:
        if node.name in row["nodes"] and set(row["nodes"]) <= running:
            found.append(
                {
                    "alias": f"{node.name}-{row['collection']}",
                    "title_en": row["en"],
                    "title_es": row["es"],
                    "partners": [n for n in row["nodes"] if n != node.name],
                    "groups": [row["group"]],
                }
            )
    return found


def prepare(
    base: Settings, console: Console, reset: bool = True, count: int = 2
) -> list[tuple[NodeSpec, dict[str, str]]]:
    """Seed every node, make their collections and partner tokens; each node's environment."""
    from vinculo.migrations.runner import upgrade

    specs = node_specs(base, count)
    running = {node.name for node in specs}
    tokens: dict[str, str] = {}
    envs: dict[str, dict[str, str]] = {}
    for node in specs:
        others = [other for other in specs if other is not node]
        settings = _settings(node, others)
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
            for collection in _collections(node, running):
                create_collection(session=session, settings=settings, **collection)
            # The task forces the seeding opened name their collections on this node.
            name_collections(session=session, node=node.name)
            for other in others:
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
    for node in specs:
        partners = [
            {
                "name": other.name,
                "nation": other.nation,
                "account": f"node.{other.name}",
                "url": f"{other.url}/taxii2/vinculo/",
                # What the other node gave this one to read its collections.
                "token": tokens[f"{other.name}>{node.name}"],
            }
            for other in specs
            if other is not node
        ]
        envs[node.name]["VINCULO_PARTNERS"] = json.dumps(partners)
    return [(node, envs[node.name]) for node in specs]


def run(
    base: Settings,
    console: Console,
    reset: bool = True,
    serve_after: bool = True,
    count: int = 2,
) -> None:
    nodes = prepare(base, console, reset, count)
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
        width = max(len(node.title) for node, _env in nodes) + 2
        for node, _env in nodes:
            label = f"{node.title}:".ljust(width)
            console.print(f"{label}{node.url}  ({node.sign_in} : demo)", soft_wrap=True)
        taxii = "  ".join(f"{node.url}/taxii2/" for node, _env in nodes)
        console.print(f"{'TAXII 2.1:'.ljust(width)}{taxii}", soft_wrap=True)
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
