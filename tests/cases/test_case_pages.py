"""The case and task-force pages over real HTTP, in English and Spanish, on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from conftest import LiveServer
from worlds import World

CASE = {"title_en": "Fentanyl supply chain", "lead_agency": "DEA", "agencies": ["DEA", "FGR"]}


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client, signed in through the sign-in form."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        signed_in = client.post(
            "/login",
            data={
                "username": username,
                "password": "demo",
                "next": "/",
                "csrf_token": csrf(client, "/login"),
            },
        )
        assert signed_in.status_code == 303, signed_in.text
        yield client


def csrf(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found[1]


def test_case_pages(fresh_world: World) -> None:
    with LiveServer(fresh_world.store.settings) as server, server.client("us.analyst") as api:
        case = api.post("/api/v1/cases", json=CASE).json()
        api.post(f"/api/v1/cases/{case['id']}/subjects", json={"entity_id": "per-sonora"})
        tf = api.post(
            "/api/v1/task-forces",
            json={
                "name_en": "Task Force Sonora",
                "name_es": "Fuerza de Tarea Sonora",
                "agencies": ["DEA", "FGR"],
                "group": "tf-sonora",
            },
        ).json()
        with page_client(server, "us.analyst") as us, page_client(server, "dea.agent1") as outsider:
            listed = us.get("/cases")
            assert listed.status_code == 200 and "Fentanyl supply chain" in listed.text
            page = us.get(f"/cases/{case['id']}")
            assert page.status_code == 200
            assert page.text.count('class="marking-banner') == 2
            assert "TLP:AMBER // REL TO MEX, USA // case-" in page.text
            assert "Hilda Serrano Vega" in page.text  # the subject's caption
            spanish = us.get(f"/cases/{case['id']}?lang=es")
            assert "Abierto" in spanish.text and "Sujetos" in spanish.text
            # Bad input: the page again, the field named, nothing stored.
            form = {
                "csrf_token": csrf(us, f"/cases/{case['id']}?lang=en"),
                "title": "Subpoena",
                "owner": "us.analyst",
                "due": "someday",
            }
            bad = us.post(f"/cases/{case['id']}/tasks", data=form)
            assert bad.status_code == 422 and 'id="due-error"' in bad.text
            assert api.get(f"/api/v1/cases/{case['id']}").json()["tasks"] == []
            form = {"csrf_token": form["csrf_token"], "status": "closed", "reason": ""}
            bad = us.post(f"/cases/{case['id']}/status", data=form)
            assert bad.status_code == 422 and 'id="reason-error"' in bad.text
            closed = us.post(f"/cases/{case['id']}/status", data=form | {"reason": "Indicted."})
            assert closed.status_code == 303
            assert "Indicted." in us.get(f"/cases/{case['id']}").text
            # Open a case from the list page, put a colleague and a report on it, a task done.
            token = csrf(us, "/cases")
            refused = us.post(
                "/cases", data={"csrf_token": token, "title": "", "lead_agency": "DEA"}
            )
            assert refused.status_code == 422 and 'id="title-error"' in refused.text
            opened = us.post(
                "/cases",
                data={
                    "csrf_token": token,
                    "title": "Nogales tunnel",
                    "lead_agency": "DEA",
                    "agencies": ["DEA", "FGR"],
                    "tlp": "AMBER",
                    "task_force": tf["id"],
                },
            )
            assert opened.status_code == 303, opened.text
            path = opened.headers["location"]
            new_id = path.rsplit("/", 1)[1]
            made = api.get(f"/api/v1/cases/{new_id}").json()
            assert made["title_en"] == "Nogales tunnel" and made["task_force"] == tf["id"]
            assert made["markings"]["groups"] == sorted([f"case-{new_id}", "tf-sonora"])
            added = us.post(
                f"{path}/members",
                data={"csrf_token": token, "username": "fgr.mp1", "role": "viewer"},
            )
            assert added.status_code == 303
            wrong = us.post(
                f"{path}/members", data={"csrf_token": token, "username": "dea.agent1x"}
            )
            assert wrong.status_code == 422 and 'id="username-error"' in wrong.text
            linked = us.post(
                f"{path}/reports",
                data={"csrf_token": token, "report_id": fresh_world.reports["shared"]},
            )
            assert linked.status_code == 303
            hidden_report = us.post(
                f"{path}/reports",
                data={"csrf_token": token, "report_id": fresh_world.reports["fgr_amber"]},
            )
            assert hidden_report.status_code == 422 and 'id="report_id-error"' in hidden_report.text
            task = api.post(
                f"/api/v1/cases/{new_id}/tasks",
                json={"title": "Map the tunnel", "owner": "us.analyst", "due": "2027-01-10"},
            ).json()["tasks"][0]
            done = us.post(f"{path}/tasks/{task['id']}/done", data={"csrf_token": token})
            assert done.status_code == 303
            read = api.get(f"/api/v1/cases/{new_id}").json()
            assert [m["username"] for m in read["members"]] == ["us.analyst", "fgr.mp1"]
            assert read["report_ids"] == [fresh_world.reports["shared"]]
            assert read["tasks"][0]["done"] is True
            # Start a task force from its list page; an outsider joins it from its page.
            refused = us.post(
                "/task-forces",
                data={"csrf_token": token, "name": "TF Nogales", "agencies": ["DEA", "XYZ"]},
            )
            assert refused.status_code == 422 and 'id="agencies-error"' in refused.text
            started = us.post(
                "/task-forces",
                data={"csrf_token": token, "name": "TF Nogales", "agencies": ["DEA", "FGR"]},
            )
            assert started.status_code == 303, started.text
            tf_path = started.headers["location"]
            assert outsider.get(tf_path).status_code == 404
            joined = us.post(
                f"{tf_path}/members", data={"csrf_token": token, "username": "dea.agent1"}
            )
            assert joined.status_code == 303
            assert "TF Nogales" in outsider.get(tf_path).text
            tf_page = us.get(f"/task-forces/{tf['id']}")
            assert tf_page.status_code == 200 and "Task Force Sonora" in tf_page.text
            assert "Fuerza de Tarea Sonora" in us.get(f"/task-forces/{tf['id']}?lang=es").text
            # Hidden answers as missing, pages and forms alike.
            missing_id = "0123456789abcdef"
            for path in ("/cases/{}", "/task-forces/{}"):
                for_id = tf["id"] if "task" in path else case["id"]
                hidden = outsider.get(path.format(for_id))
                missing = outsider.get(path.format(missing_id))
                assert hidden.status_code == missing.status_code == 404
                assert hidden.text.replace(for_id, "ID") == missing.text.replace(missing_id, "ID")
            assert "Fentanyl" not in outsider.get("/cases").text
