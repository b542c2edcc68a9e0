"""Helpers for tests/civic: the public intake as its own process (`vinculo serve --public`),
its output in a log file the tests read, its store a SQLite file they open; the internal
node's key pair beside it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from vinculo.civic import crypto, guard
from vinculo.civic.crypto import PrivateKey

from conftest import free_port, loopback_client

TOKEN = "pull-token-for-the-tests-0123456789abcdef"
# Small for the tests' own solver; the defaults (settings.py) are for browsers.
POW_BITS = 2
POW_ROUNDS = 2
POW_COST = 4


@dataclass
class PublicSite:
    url: str
    log: Path
    database: Path
    key: PrivateKey
    env: dict[str, str]

    def client(self, **headers: str) -> httpx.Client:
        return loopback_client(self.url, headers=headers)


def solve(challenge: str) -> str:
    """The answer a browser sends (the site's own solver, at the tests' small cost)."""
    return guard.solve(challenge)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the first form of a page (CSRF token, challenge)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def start_site(base: Path, **extra: str) -> Iterator[PublicSite]:
    private, public = crypto.new_key_pair()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(
        {
            "VINCULO_PUBLIC_DATA_DIR": str(base / "public"),
            "VINCULO_PUBLIC_PORT": str(port),
            "VINCULO_PUBLIC_SUBMISSION_KEY": public,
            "VINCULO_PUBLIC_PULL_TOKEN": TOKEN,
            "VINCULO_PUBLIC_POW_BITS": str(POW_BITS),
            "VINCULO_PUBLIC_POW_ROUNDS": str(POW_ROUNDS),
            "VINCULO_PUBLIC_POW_COST": str(POW_COST),
            **extra,
        }
    )
    log = base / "public.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vinculo", "serve", "--public"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the public site did not start:\n" + log.read_text())
            time.sleep(0.1)
        try:
            yield PublicSite(
                url=url,
                log=log,
                database=base / "public" / "public.db",
                key=crypto.private_key(private),
                env=env,
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def public_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(tmp_path_factory.mktemp("public"))
