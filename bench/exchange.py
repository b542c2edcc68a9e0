"""Exchange benchmark: node-to-node sync, publish-to-visible latency, TAXII serving vs medallion.

    .venv/bin/python bench/exchange.py                 # the issue's sizes
    .venv/bin/python bench/exchange.py --objects 20000 # smaller, quicker

1. Sync: a U.S. node (its own `vinculo serve` process, SQLite) holds --objects entities
   (GREEN, REL TO USA, MEX) published into its collection for the Mexican node; the Mexican
   node pulls them all: served, transferred, validated (stix2) and stored, with progress.
   Target: 100,000 objects in < 30 s.
2. Latency: the Mexican node runs as its own process with its sync worker; reports filed on
   the U.S. node through the API, each timed until the Mexican analyst can read it over the
   API. Target: p95 < 2 s.
   Both nodes serve and ask for pages of up to --sync-page objects (the TAXII `limit`,
   VINCULO_EXCHANGE_PAGE_SIZE).
3. Serving: the official taxii2-client pages through --serve-objects objects served by
   Vínculo and by the OASIS reference server medallion (memory backend) holding the same
   objects, page size --page, in this run. Target: Vínculo ≥ 20× faster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import requests
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import console, machine_line, pct, plain_verdict

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.exchange import partners
from vinculo.exchange.models import ReceivedObject
from vinculo.exchange.publish import publish
from vinculo.exchange.worker import sync_partner
from vinculo.hooks import wire_hooks
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.migrations.runner import upgrade
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import PartnerConfig, Settings


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SYNC_PAGE = 1000


def node_settings(directory: Path, name: str, nation: str, partner: PartnerConfig) -> Settings:
    return Settings(
        # The TAXII page (`limit`) both nodes allow (the setting's default unless --sync-page;
        # 5,000 measured no faster: less of the next page is fetched while this one is stored).
        exchange_page_size=SYNC_PAGE,
        demo=True,
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'vinculo.db'}",
        node_name=name,
        node_nation=nation,
        partners=[partner],
        secret_key="bench-" + name,
    )


def build_node(settings: Settings, users: list[tuple[str, str]], entities: int) -> dict[str, str]:
    """Migrate, make accounts, import `entities` people; the collection for the partner."""
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        actors = {}
        for username, agency in users:
            user = create_user(
                session=session,
                user_in=UserCreate(username=username, password="demo", agency=agency),
                demo_password=True,
            )
            actors[username] = actor_for(user)
        if entities:
            lines = (
                json.dumps(
                    {
                        "id": f"per-{i}",
                        "schema": "Person",
                        "properties": {"name": [f"Persona {i} Sintética"], "nationality": ["mx"]},
                    }
                )
                for i in range(entities)
            )
            import_ftm(
                session=session,
                actor=actors[users[0][0]],
                lines=lines,
                file_name="people.jsonl",
                source="bench-people",
                markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
            )
        partner = settings.partners[0].name
        collection = partners.create_collection(
            session=session,
            settings=settings,
            alias=f"{partner}-agreement",
            title_en="Agreement",
            title_es="Acuerdo",
            partners=[partner],
        )
        _account, token = partners.partner_account(session=session, settings=settings, name=partner)
    started = time.perf_counter()
    with transaction(sessions) as session:
        written = publish(session=session, settings=settings)
    published = time.perf_counter() - started
    engine.dispose()
    return {
        "collection": collection.id,
        "token": token,
        "published": f"{published:.1f}",
        "written": str(written),
    }


def serve(settings: Settings, port: int, partner: PartnerConfig, log: Path, **extra: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(
        {
            "VINCULO_DATABASE_URL": settings.resolved_database_url,
            "VINCULO_DATA_DIR": str(settings.data_dir),
            "VINCULO_SECRET_KEY": settings.secret_key,
            "VINCULO_DEMO": "true",
            "VINCULO_PORT": str(port),
            "VINCULO_NODE_NAME": settings.node_name,
            "VINCULO_NODE_NATION": settings.node_nation,
            "VINCULO_PARTNERS": json.dumps([partner.model_dump()]),
            "VINCULO_EXCHANGE_PAGE_SIZE": str(settings.exchange_page_size),
            **extra,
        }
    )
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "vinculo", "serve"], env=env, stdout=handle, stderr=handle
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the node at {url} did not start: {log.read_text()[-2000:]}")


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def page_through(url: str, collection_id: str, page: int, **auth: Any) -> tuple[int, float]:
    """Objects read and seconds taken by the official client paging a whole collection."""
    from taxii2client.v21 import Collection, as_pages

    collection = Collection(f"{url}collections/{collection_id}/", **auth)
    started = time.perf_counter()
    count = 0
    for envelope in as_pages(collection.get_objects, per_request=page):
        count += len(envelope.get("objects", []))
    return count, time.perf_counter() - started


MEDALLION = """
import sys
from werkzeug.serving import make_server
from medallion import load_app
app = load_app(sys.argv[1])
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
"""


def medallion_serving(
    objects: list[dict[str, Any]], page: int, directory: Path
) -> tuple[int, float]:
    """The same objects in medallion's memory backend, paged through by the same client."""
    manifest = []
    stamp = 1_700_000_000.0
    for obj in objects:
        stamp += 0.001
        added = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp))
            + f".{int(stamp * 1000) % 1000:03d}Z"
        )
        manifest.append(
            {
                "id": obj["id"],
                "date_added": added,
                "version": obj.get("modified", obj.get("created")),
                "media_type": "application/stix+json;version=2.1",
            }
        )
    collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    data = {
        "/discovery": {
            "title": "medallion",
            "default": "http://127.0.0.1/api1/",
            "api_roots": ["http://127.0.0.1/api1/"],
        },
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": collection,
                    "title": "bench",
                    "can_read": True,
                    "can_write": False,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }
    (directory / "medallion-data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(directory / "medallion-data.json"),
        },
        "users": {"bench": "bench"},
        "taxii": {"max_page_size": page},
    }
    (directory / "medallion.json").write_text(json.dumps(config))
    (directory / "medallion_run.py").write_text(MEDALLION)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(directory / "medallion_run.py"),
            str(directory / "medallion.json"),
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api1/"
        for _ in range(300):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        return page_through(url, collection, page, user="bench", password="bench")
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    global SYNC_PAGE
    wire_hooks()  # a pull that meets a withdrawal deletes through intel.deletion's door
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--serve-objects", type=int, default=3000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--sync-page", type=int, default=SYNC_PAGE)
    args = parser.parse_args()
    SYNC_PAGE = args.sync_page
    console.print(f"[bold]bench/exchange.py[/bold] — {machine_line()}")
    results: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="vinculo-bench-exchange-") as tmp:
        root = Path(tmp)
        us_port, mx_port = free_port(), free_port()
        to_mx = PartnerConfig(name="mx", nation="MEX", account="node.mx")
        to_us = PartnerConfig(name="us", nation="USA", account="node.us")
        (root / "us").mkdir()
        (root / "mx").mkdir()
        us = node_settings(root / "us", "us", "USA", to_mx)
        mx = node_settings(root / "mx", "mx", "MEX", to_us)
        console.print(f"building the U.S. node: {args.objects:,} entities …")
        started = time.perf_counter()
        built = build_node(us, [("dea.agent1", "DEA"), ("us.analyst", "DEA")], args.objects)
        console.print(
            f"  built in {time.perf_counter() - started:.1f} s; published "
            f"{int(built['written']):,} object versions in {built['published']} s"
        )
        mx_built = build_node(mx, [("mx.analyst", "FGR")], 0)
        us_process = serve(us, us_port, to_mx, root / "us.log")
        mx_process = None
        try:
            partner = to_us.model_copy(
                update={
                    "url": f"http://127.0.0.1:{us_port}/taxii2/vinculo/",
                    "token": built["token"],
                }
            )
            engine = make_engine(mx)
            sessions = make_sessionmaker(engine)
            columns = (
                TextColumn("sync {task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,} objects"),
                TimeElapsedColumn(),
            )
            total = int(built["written"])
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("us → mx", total=total)
                started = time.perf_counter()
                report = sync_partner(
                    sessions=sessions,
                    settings=mx,
                    config=partner,
                    progress=lambda _c, n, _s: progress.advance(task, n),
                )
                seconds = time.perf_counter() - started
            with sessions() as session:
                stored = session.query(ReceivedObject).count()
            engine.dispose()
            rate = report.objects / seconds
            console.print(
                f"sync: {report.objects:,} objects in {report.pages} pages of up to "
                f"{mx.exchange_page_size:,}, {seconds:.1f} s "
                f"({rate:,.0f}/s); stored {stored:,}, quarantined {report.outcome.quarantined}"
            )
            scaled = seconds * 100_000 / max(report.objects, 1)
            ok = report.objects >= 100_000 and seconds < 30
            results.append(
                (
                    "100,000 objects synced node to node",
                    f"{report.objects:,} in {seconds:.1f} s"
                    + ("" if report.objects >= 100_000 else f" (≈ {scaled:.0f} s per 100,000)"),
                    "< 30 s",
                    ok,
                )
            )
            # Latency: the Mexican node as its own process, with its worker and the stream.
            mx_partner = to_us.model_copy(update={"url": partner.url, "token": built["token"]})
            mx_process = serve(
                mx,
                mx_port,
                mx_partner,
                root / "mx.log",
                VINCULO_EXCHANGE_SYNC="true",
                VINCULO_SYNC_INTERVAL_SECONDS="60",
            )
            us_url, mx_url = f"http://127.0.0.1:{us_port}", f"http://127.0.0.1:{mx_port}"

            def token(url: str, username: str) -> str:
                answer = httpx.post(
                    f"{url}/api/v1/auth/token", data={"username": username, "password": "demo"}
                )
                return str(answer.json()["access_token"])

            author = httpx.Client(
                base_url=us_url, headers={"Authorization": f"Bearer {token(us_url, 'dea.agent1')}"}
            )
            reader = httpx.Client(
                base_url=mx_url, headers={"Authorization": f"Bearer {token(mx_url, 'mx.analyst')}"}
            )
            time.sleep(2)  # the worker catches up and listens
            samples = []
            for index in range(args.samples):
                body = {
                    "title_en": f"Latency probe {index}",
                    "body_en": "Pill presses moved at night.",
                    "reliability": "B",
                    "credibility": 2,
                    "predicate": "drug_trafficking",
                    "suspicion": "Subjects are linked to trafficking by payments.",
                    "attest_no_protected_views": True,
                    "review_by": "2027-06-01",
                    "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
                }
                started = time.perf_counter()
                report_id = author.post("/api/v1/reports", json=body).json()["id"]
                while reader.get(f"/api/v1/reports/{report_id}").status_code != 200:
                    if time.perf_counter() - started > 30:
                        break
                    time.sleep(0.01)
                samples.append(time.perf_counter() - started)
                time.sleep(0.2)
            p50, p95 = pct(samples, 50), pct(samples, 95)
            console.print(
                f"latency: {len(samples)} reports, p50 {p50 * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms"
            )
            results.append(
                ("publish → visible on the other node, p95", f"{p95:.2f} s", "< 2 s", p95 < 2)
            )
            author.close()
            reader.close()
        finally:
            us_process.terminate()
            us_process.wait()
            if mx_process is not None:
                mx_process.terminate()
                mx_process.wait()
        # Serving: a node of --serve-objects objects, the official client against both servers.
        serve_dir = root / "serve"
        serve_dir.mkdir()
        small = node_settings(serve_dir, "us", "USA", to_mx)
        built = build_node(small, [("dea.agent1", "DEA")], args.serve_objects)
        port = free_port()
        process = serve(small, port, to_mx, root / "serve.log")
        try:
            url = f"http://127.0.0.1:{port}/taxii2/vinculo/"
            auth = {"auth": BearerAuth(built["token"])}
            count, ours = page_through(url, built["collection"], args.page, **auth)
            count, ours = page_through(url, built["collection"], args.page, **auth)
            objects: list[dict[str, Any]] = []
            from taxii2client.v21 import Collection, as_pages

            collection = Collection(f"{url}collections/{built['collection']}/", **auth)
            for envelope in as_pages(collection.get_objects, per_request=1000):
                objects.extend(envelope.get("objects", []))
        finally:
            process.terminate()
            process.wait()
        # medallion 3.0 reads a `version` property as a TAXII 2.0 timestamp, and the STIX 2.1
        # extension-definition has one ("1.0.0"): it answers 500. It gets every other object.
        theirs_objects = [o for o in objects if o.get("type") != "extension-definition"]
        theirs_count, theirs = medallion_serving(theirs_objects, args.page, root)
        ratio = (theirs / theirs_count) / (ours / count)
        console.print(
            f"serving, page {args.page}: Vínculo {count:,} objects in {ours:.2f} s "
            f"({count / ours:,.0f}/s), medallion {theirs_count:,} in {theirs:.2f} s "
            f"({theirs_count / theirs:,.0f}/s): {ratio:.1f}×"
        )
        results.append(
            (
                f"official client pages {count:,} objects: Vínculo vs medallion",
                f"{ratio:.1f}× per object ({count:,} in {ours:.2f} s vs "
                f"{theirs_count:,} in {theirs:.2f} s)",
                "≥ 20×",
                ratio >= 20 and theirs_count >= count - 1,
            )
        )
        del mx_built
    console.print()
    for name, got, target, ok in results:
        console.print(f"{plain_verdict(ok):4}  {name}: {got} (target {target})")


if __name__ == "__main__":
    main()
