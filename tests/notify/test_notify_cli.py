"""`vinculo notify scan` and `vinculo notify mail`, run as an operator runs them (cron): a real
process on a real SQLite file, e-mails to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import select

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.notify.models import Notification, WatchItem
from vinculo.notify.service import set_email, state_for
from vinculo.security.models import User
from vinculo.security.service import actor_for
from vinculo.settings import Settings

from conftest import free_port

VINCULO = [sys.executable, "-m", "vinculo"]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VINCULO_DATA_DIR": str(tmp_path),
        "VINCULO_SECRET_KEY": "cli-test-secret",
        **env,
    }
    environment.pop("VINCULO_DATABASE_URL", None)
    return subprocess.run(
        [*VINCULO, *args], capture_output=True, text=True, env=environment, timeout=120
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


def test_scan_then_mail_from_the_command_line(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    for name, agency in (("ana.dea", "DEA"), ("luis.fgr", "FGR")):
        made = run(
            tmp_path, "user", "add", name, "--agency", agency, "--password", "Sonora-frontera-2026"
        )
        assert made.returncode == 0, made.stderr
    sessions = make_sessionmaker(make_engine(Settings(data_dir=tmp_path)))
    with transaction(sessions) as session:
        luis = session.execute(select(User).where(User.username == "luis.fgr")).scalar_one()
        state_for(session=session, user_id=luis.id)
        set_email(session=session, actor=actor_for(luis), email="luis@fgr.example", by_email=True)
        session.add(WatchItem(user_id=luis.id, kind="name", value="Rita Soto", norm="rita soto"))
    lines = tmp_path / "people.jsonl"
    lines.write_text(
        '{"id": "p1", "schema": "Person", "properties": {"name": ["Rita Soto Vega"]}}\n'
        '{"id": "p2", "schema": "Person", "properties": {"name": ["Rita Soto"]}}\n',
        encoding="utf-8",
    )
    # p1 is for the USA only: luis.fgr may not see it; p2 is releasable to Mexico.
    hidden = run(
        tmp_path,
        "import",
        "ftm",
        str(lines),
        "--as",
        "ana.dea",
        "--source",
        "usa",
        "--tlp",
        "GREEN",
        "--rel-to",
        "USA",
    )
    assert hidden.returncode == 0, hidden.stderr
    lines.write_text(
        '{"id": "p2", "schema": "Person", "properties": {"name": ["Rita Soto"]}}\n',
        encoding="utf-8",
    )
    both = run(
        tmp_path,
        "import",
        "ftm",
        str(lines),
        "--as",
        "ana.dea",
        "--source",
        "both",
        "--tlp",
        "GREEN",
        "--rel-to",
        "USA,MEX",
    )
    assert both.returncode == 0, both.stderr
    scanned = run(tmp_path, "notify", "scan")
    assert scanned.returncode == 0, scanned.stderr
    with sessions() as session:
        rows = session.execute(select(Notification.item_id)).scalars().all()
        assert rows == ["p2"]
    assert run(tmp_path, "notify", "mail").returncode == 1  # no SMTP server set
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailed = run(
            tmp_path, "notify", "mail", VINCULO_SMTP_HOST="127.0.0.1", VINCULO_SMTP_PORT=str(port)
        )
    finally:
        controller.stop()
    assert mailed.returncode == 0, mailed.stderr
    assert "1" in mailed.stdout
    (raw,) = inbox.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "luis@fgr.example"
    assert "/entities/p2" in message.get_body().get_content()  # type: ignore[union-attr]
    assert "Rita" not in raw.decode()
