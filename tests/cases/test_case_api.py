"""The case and task-force API over real HTTP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import httpx

from conftest import LiveServer
from worlds import World

CASE = {"title_en": "Fentanyl supply chain", "lead_agency": "DEA", "agencies": ["DEA", "FGR"]}


def _like(hidden: httpx.Response, hidden_id: str, missing: httpx.Response, missing_id: str) -> None:
    assert hidden.status_code == missing.status_code == 404
    assert re.sub(hidden_id, "ID", hidden.text) == re.sub(missing_id, "ID", missing.text)


def test_cases_over_http(fresh_world: World) -> None:
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as us,
        server.client("mx.analyst") as mx,
        server.client("dea.agent1") as outsider,
    ):
        made = us.post("/api/v1/cases", json=CASE)
        assert made.status_code == 201, made.text
        case_id = made.json()["id"]
        assert made.json()["markings"]["rel_to"] == ["MEX", "USA"]
        path = f"/api/v1/cases/{case_id}"
        missing_id = "0123456789abcdef"
        # Not a member yet: the case answers as a missing one, in lists, counts and by id.
        assert mx.get("/api/v1/cases").json() == {"items": [], "total": 0, "next_cursor": None}
        _like(mx.get(path), case_id, mx.get(f"/api/v1/cases/{missing_id}"), missing_id)
        added = us.post(f"{path}/members", json={"username": "mx.analyst", "role": "analyst"})
        assert added.status_code == 200, added.text
        assert mx.get("/api/v1/cases").json()["total"] == 1
        steps: list[tuple[str, dict[str, Any]]] = [
            ("subjects", {"entity_id": "per-sonora"}),
            ("reports", {"report_id": fresh_world.reports["shared"]}),
            (
                "tasks",
                {"title": "Trace the wire transfers", "owner": "mx.analyst", "due": "2027-02-01"},
            ),
        ]
        for where, body in steps:
            answer = mx.post(f"{path}/{where}", json=body)
            assert answer.status_code in (200, 201), answer.text
        task_id = answer.json()["tasks"][0]["id"]
        done = mx.post(f"{path}/tasks/{task_id}/done")
        assert done.json()["tasks"][0]["done"] is True
        # Every write on a case the outsider may not see answers as on a missing case.
        writes: list[tuple[str, dict[str, Any] | None]] = [
            ("status", {"status": "closed", "reason": "x"}),
            ("members", {"username": "dea.agent1"}),
            ("subjects", {"entity_id": "per-sonora"}),
            ("reports", {"report_id": fresh_world.reports["shared"]}),
            ("tasks", {"title": "t", "owner": "dea.agent1", "due": "2027-01-01"}),
            (f"tasks/{task_id}/done", None),
        ]
        for where, body in writes:
            _like(
                outsider.post(f"{path}/{where}", json=body),
                case_id,
                outsider.post(f"/api/v1/cases/{missing_id}/{where}", json=body),
                missing_id,
            )
        _like(
            outsider.get(f"{path}/timeline"),
            case_id,
            outsider.get(f"/api/v1/cases/{missing_id}/timeline"),
            missing_id,
        )
        bad = us.post(f"{path}/status", json={"status": "closed"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "reason"
        bad = us.post(f"{path}/tasks", json={"title": "t", "owner": "us.analyst", "due": "soon"})
        assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["due"]
        bad = us.post("/api/v1/cases", json=CASE | {"agencies": ["DEA", "KGB"]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "agencies"
        assert us.get("/api/v1/cases").json()["total"] == 1
        closed = us.post(f"{path}/status", json={"status": "closed", "reason": "Indicted."})
        assert closed.json()["status"] == "closed" and len(closed.json()["subjects"]) == 1
        line = mx.get(f"{path}/timeline").json()["items"]
        assert [e["action"] for e in line] == [
            "opened",
            "member",
            "subject",
            "report",
            "task",
            "task_done",
            "closed",
        ]


def test_task_forces_over_http(fresh_world: World) -> None:
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as us,
        server.client("dea.agent1") as outsider,
    ):
        made = us.post(
            "/api/v1/task-forces",
            json={"name_en": "Task Force Sonora", "agencies": ["DEA", "FGR"], "group": "tf-sonora"},
        )
        assert made.status_code == 201, made.text
        tf_id = made.json()["id"]
        assert set(made.json()["members"]) == {"us.analyst", "mx.analyst"}
        case = us.post("/api/v1/cases", json=CASE | {"task_force": tf_id}).json()
        assert us.get(f"/api/v1/task-forces/{tf_id}").json()["case_ids"] == [case["id"]]
        assert outsider.get("/api/v1/task-forces").json()["total"] == 0
        _like(
            outsider.get(f"/api/v1/task-forces/{tf_id}"),
            tf_id,
            outsider.get("/api/v1/task-forces/0123456789abcdef"),
            "0123456789abcdef",
        )
        joined = us.post(f"/api/v1/task-forces/{tf_id}/members", json={"username": "dea.agent1"})
        assert joined.status_code == 200, joined.text
        assert outsider.get("/api/v1/task-forces").json()["total"] == 1
        assert outsider.get("/api/v1/cases").json()["total"] == 1
