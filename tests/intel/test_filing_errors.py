"""A refused filing or import does not tell which group codes exist (a group the analyst is
not in is refused alike whether it exists), nor says of a RED recipient that no account has
the name."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from vinculo.db import transaction
from vinculo.security.service import ensure_group

from conftest import LiveServer
from worlds import World


@pytest.fixture
def server(fresh_world: World) -> Iterator[LiveServer]:
    with transaction(fresh_world.store.sessions) as session:
        # A group that exists, which mx.analyst is not in.
        ensure_group(session=session, code="tf-tijuana", name_en="TF Tijuana", name_es="FT Tijuana")
    with LiveServer(fresh_world.store.settings) as live:
        yield live


def _report(markings: dict[str, object]) -> dict[str, object]:
    return {
        "title_es": "Vigilancia en Tijuana",
        "body_es": "Se observó una entrega.",
        "reliability": "B",
        "credibility": 3,
        "predicate": "drug_trafficking",
        "suspicion": "Los sujetos reciben pagos por la venta de fentanilo.",
        "attest_no_protected_views": True,
        "review_by": "2027-09-01",
        "markings": markings,
    }


def _file(client: httpx.Client, markings: dict[str, object], value: str) -> tuple[int, str]:
    """The answer to a filing, with the refused name put back as a placeholder."""
    answer = client.post("/api/v1/reports", json=_report(markings))
    return answer.status_code, answer.text.replace(value, "<value>")


def _import(client: httpx.Client, markings: dict[str, object], value: str) -> tuple[int, str]:
    line = json.dumps({"id": "imp-1", "schema": "Person", "properties": {"name": ["Ana Ríos"]}})
    answer = client.post(
        "/api/v1/entities/import",
        files={"file": ("people.jsonl", line.encode(), "application/x-ndjson")},
        data={"source": "file", "markings": json.dumps(markings)},
    )
    return answer.status_code, answer.text.replace(value, "<value>")


@pytest.mark.parametrize("send", [_file, _import], ids=["filing", "import"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_groups_and_recipients_refused_alike_whether_they_exist(
    server: LiveServer, send: object, language: str
) -> None:
    assert callable(send)
    with server.client("mx.analyst") as client:
        client.headers["Accept-Language"] = language
        groups = [
            send(client, {"tlp": "GREEN", "groups": [code]}, code)
            for code in ("tf-tijuana", "tf-no-such-group")
        ]
        red = {"tlp": "RED", "rel_to": ["MEX"]}
        recipient = send(client, red | {"recipients": ["no.such.account"]}, "no.such.account")
        allowed = send(client, red | {"recipients": ["fgr.mp1"]}, "fgr.mp1")
    assert groups[0] == groups[1] and groups[0][0] == 422
    assert "<value>" in groups[0][1]
    assert recipient[0] == 422 and "<value>" in recipient[1]
    assert "unknown" not in recipient[1] and "desconocid" not in recipient[1]
    assert allowed[0] in (200, 201), allowed
