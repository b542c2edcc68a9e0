"""A sync killed with SIGKILL mid-way (a real `vinculo exchange sync` process) resumes where it
stopped: in the end every object is stored exactly once, nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject, ReceivedObject, SyncCursor
from vinculo.exchange.parts import PART_PREFIX
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import PartnerConfig

from conftest import LiveServer
from exchange_nodes import bilateral, node_env, node_store, partner_token, publish

ENTITIES = 3000


@pytest.mark.slow
def test_a_sync_killed_mid_way_resumes_with_nothing_lost_or_doubled(tmp_path: Path) -> None:
    to_mx = PartnerConfig(name="mx", nation="MEX", account="node.mx")
    to_us = PartnerConfig(name="us", nation="USA", account="node.us")
    with (
        node_store("sqlite", tmp_path / "us", name="us", nation="USA", partners=[to_mx]) as us,
        node_store("sqlite", tmp_path / "mx", name="mx", nation="MEX", partners=[to_us]) as mx,
    ):
        with transaction(us.sessions) as session:
            user = create_user(
                session=session,
                user_in=UserCreate(username="dea.agent1", password="demo", agency="DEA"),
                demo_password=True,
            )
            lines = (
                json.dumps(
                    {"id": f"per-{i}", "schema": "Person", "properties": {"name": [f"Person {i}"]}}
                )
                for i in range(ENTITIES)
            )
            import_ftm(
                session=session,
                actor=actor_for(user),
                lines=lines,
                file_name="people.jsonl",
                source="dea-people",
                markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
            )
        collection_id = bilateral(us, "mx")
        publish(us)
        token = partner_token(us, "mx")
        with us.sessions() as session:
            served = session.execute(
                select(func.count(func.distinct(ExchangeObject.stix_id))).where(
                    ExchangeObject.collection_id == collection_id,
                    # An entity's parts are served to persons, never to a partner node.
                    ~ExchangeObject.item_key.startswith(PART_PREFIX),
                )
            ).scalar_one()
        with LiveServer(us.settings) as server:
            partner = to_us.model_copy(
                update={"url": f"{server.url}/taxii2/vinculo/", "token": token}
            )
            env = node_env(mx, 0, [partner])
            command = [sys.executable, "-m", "vinculo", "exchange", "sync", "--once"]
            log = (tmp_path / "sync.log").open("wb")
            with log:
                first = subprocess.Popen(
                    [*command, "--limit", "50"], env=env, stdout=log, stderr=log
                )

                def pulled() -> int:
                    with mx.sessions() as session:
                        row = session.execute(select(SyncCursor)).scalar_one_or_none()
                        return row.pulled if row else 0

                deadline = time.monotonic() + 120
                while pulled() < 600 and time.monotonic() < deadline:
                    assert first.poll() is None, (tmp_path / "sync.log").read_text()
                    time.sleep(0.02)
                os.kill(first.pid, signal.SIGKILL)
                first.wait()
                stopped_at = pulled()
                assert 600 <= stopped_at < served, stopped_at
                second = subprocess.run(
                    [*command, "--limit", "500"], env=env, stdout=log, stderr=log, timeout=300
                )
            assert second.returncode == 0, (tmp_path / "sync.log").read_text()[-3000:]
        with mx.sessions() as session:
            received = session.execute(
                select(func.count()).select_from(ReceivedObject)
            ).scalar_one()
            assert received == served
        with mx.engine.connect() as connection:
            people = connection.execute(
                text(
                    "SELECT count(*), count(DISTINCT entity_id) FROM statements "
                    "WHERE prop = 'name' AND dataset = 'via:us:dea-people'"
                )
            ).one()
        assert tuple(people) == (ENTITIES, ENTITIES)
