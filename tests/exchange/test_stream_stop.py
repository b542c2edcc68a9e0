"""A node that is told to stop ends its open live streams at once: uvicorn waits for open
responses before it shuts down, and a partner's stream would otherwise hold the node up
until the stream's own end (20 s)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_stream_limits import MX, open_stream

from conftest import BACKENDS, free_port
from exchange_nodes import NodeProcess, bilateral, node_env, node_store, partner_token

# Well under the stream's 20 s, well over a loaded machine's start of a clean shutdown.
STOPS_WITHIN = 5.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stopping_node_ends_its_live_streams_at_once(backend: str, tmp_path: Path) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        bilateral(store)
        token = partner_token(store)
        log = tmp_path / "us.log"
        node = NodeProcess(node_env(store, free_port(), [MX]), log).start()
        assert node.process is not None
        stream = open_stream(node, token)
        try:
            assert stream.status == 200
            if b": connected" not in stream.head:
                _got, ended = stream.read_until(b": connected", timeout=10)
                assert not ended
            told = time.monotonic()
            node.process.send_signal(signal.SIGTERM)
            rest, ended = stream.read_until(b"never", timeout=2 * STOPS_WITHIN)
            try:
                node.process.wait(timeout=2 * STOPS_WITHIN)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the node was still running {2 * STOPS_WITHIN:.0f} s after SIGTERM")
            took = time.monotonic() - told
        finally:
            stream.close()
            node.stop()
    assert ended and rest.endswith(b"0\r\n\r\n"), f"the stream ends cleanly: {rest!r}"
    assert took < STOPS_WITHIN, f"the node took {took:.1f} s to stop"
    # A clean stop: the app's own shutdown ran, nothing was killed.
    assert "Application shutdown complete." in log.read_text()
