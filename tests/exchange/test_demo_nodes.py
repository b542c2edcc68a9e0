"""`vinculo demo --nodes 2`: a U.S. node and a Mexican node, each its own process and
database, federated; what one files the other sees, and what may not cross does not."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from exchange_nodes import wait_for

# The U.S. fixture report that is GREEN REL TO USA only (demo/scenario.py, report 0).
USA_ONLY_TITLE = "Fentanyl lab supplier payments traced through Phoenix"
MX_TITLE = 'alias "El Güero", identified as supplier'


def _pair() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def _titles(url: str, username: str) -> list[str]:
    token = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": username, "password": "demo"}, timeout=30
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.get(f"{url}/api/v1/reports", params={"limit": 200}, headers=headers, timeout=30)
    return [r["title_en"] or r["title_es"] for r in answer.json()["items"]]


@pytest.mark.slow
def test_two_demo_nodes_federate(tmp_path: Path) -> None:
    port = _pair()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env |= {"VINCULO_DATA_DIR": str(tmp_path), "VINCULO_PORT": str(port)}
    log = tmp_path / "demo.log"
    with log.open("wb") as handle:
        demo = subprocess.Popen(
            [sys.executable, "-m", "vinculo", "demo", "--nodes", "2"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    us, mx = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
    try:

        def up() -> bool:
            assert demo.poll() is None, log.read_text()[-3000:]
            try:
                return all(
                    httpx.get(f"{u}/healthz", timeout=1).status_code == 200 for u in (us, mx)
                )
            except httpx.HTTPError:
                return False

        wait_for(up, timeout=180, step=0.5)
        # The Mexican fixture (FGR, GREEN REL TO USA, MEX) reaches the U.S. node.
        wait_for(lambda: any(MX_TITLE in t for t in _titles(us, "us.analyst")), timeout=90)
        assert not any(USA_ONLY_TITLE in t for t in _titles(mx, "mx.analyst"))
        # The other way, the U.S. node's releasable items reach the Mexican one (in
        # pages: on a loaded machine the first pull may still be running).
        wait_for(lambda: _received(tmp_path / "mx" / "vinculo.db") > 100, timeout=120)
        with sqlite3.connect(tmp_path / "mx" / "vinculo.db") as db:
            found = db.execute(
                "SELECT count(*) FROM reports WHERE title_en = ?", (USA_ONLY_TITLE,)
            ).fetchone()
            assert found == (0,)
    finally:
        # Ctrl-C as a terminal sends it: to the command and the node servers it started. On a
        # loaded machine the servers' shutdown can take a while; they are waited for, and
        # killed only if they never end.
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
            raise
    time.sleep(0.5)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{mx}/healthz", timeout=1)


def _received(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM exchange_received").fetchone()[0])
