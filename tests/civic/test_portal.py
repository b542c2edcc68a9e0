"""The transparency portal: the internal node builds the document from the public tables
(flagged items only, small cells hidden) and pushes it with `vinculo civic publish` to a real
public process on loopback; the portal's pages show its figures in English and Spanish with
hidden cells as "—", the CSV downloads are the document's tables, a push with a wrong token
or of anything but a portal document is refused, and the public store holds the document
alone: no item id, no name, nothing else of the internal node."""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import re
import sqlite3
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from babel.numbers import format_currency
from public_site import TOKEN, PublicSite, start_site
from sqlalchemy import select

from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.public import flag_items
from vinculo.civic import client
from vinculo.civic.portal import TABLES, Outcome, PortalDocument, build_document
from vinculo.db import transaction

from command_line import run_vinculo
from worlds import World

AGGREGATES = Path(__file__).resolve().parents[1] / "assistance" / "test_public_aggregates.py"
SPANISH = Path(__file__).resolve().parents[1] / "web" / "test_spanish_complete.py"


def _module(name: str, path: Path) -> ModuleType:
    """A test module of another folder, for its helpers (imported once, by its own name)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


aggregates = _module("test_public_aggregates", AGGREGATES)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PublicSite]:
    yield from start_site(tmp_path)


def flagged_world(world: World) -> dict[str, list[str]]:
    """The assistance world of tests/assistance/test_public_aggregates.py, its ledger, seven
    vetting requests and one allegation flagged for the public tables."""
    aggregates._setup(world)
    made = {
        "ledger": aggregates._ledger_ids(world),
        "vetting": aggregates._vetting(world, 7),
        "allegation": [aggregates._allegation(world)],
    }
    with transaction(world.store.sessions) as session:
        for kind, ids in made.items():
            flag_items(session=session, actor=world.actors["us.super"], kind=kind, item_ids=ids)
    return made


def publish(world: World, site: PublicSite, *, user: str = "us.super") -> Any:
    env = {
        "VINCULO_DATABASE_URL": world.store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(world.store.settings.data_dir),
        "VINCULO_CIVIC_URL": site.url,
        "VINCULO_CIVIC_PULL_TOKEN": TOKEN,
    }
    return run_vinculo("civic", "publish", "--as", user, env=env)


def cell_texts(text: str, table_id: str) -> dict[str, list[str]]:
    """A table of a page: each row's header and its cells' text (its head left out)."""
    found = re.search(rf'<table class="portal-table" id="{table_id}">(.*?)</table>', text, re.S)
    assert found, table_id
    rows: dict[str, list[str]] = {}
    body = re.sub(r"<thead>.*?</thead>", "", found.group(1), flags=re.S)
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def store_bytes(site: PublicSite) -> bytes:
    return b"".join(p.read_bytes() for p in site.database.parent.glob("public.db*"))


def test_the_portal_before_anything_is_pushed(site: PublicSite) -> None:
    with site.client() as http:
        english = http.get("/portal?lang=en")
        spanish = http.get("/portal", headers={"Accept-Language": "es-MX,es;q=0.9"})
        outcomes = http.get("/portal/outcomes?lang=es")
        assert http.get("/portal/data/money.csv").status_code == 404
    assert english.status_code == spanish.status_code == outcomes.status_code == 200
    assert 'id="portal-empty"' in english.text and "No figures have been published" in english.text
    assert "Todavía no se han publicado cifras" in spanish.text
    assert 'id="outcomes-empty"' in outcomes.text and "Lo que nos dijeron" in outcomes.text
    assert "set-cookie" not in english.headers  # the portal sets no cookie


def test_push_from_the_internal_node_and_the_pages(fresh_world: World, site: PublicSite) -> None:
    made = flagged_world(fresh_world)
    refused = publish(fresh_world, site, user="us.analyst")
    assert refused.returncode == 2  # only an account that may publish aggregates
    with site.client() as http:
        assert http.get("/portal/data/portal.json").status_code == 404
    done = publish(fresh_world, site)
    assert done.returncode == 0, done.stderr
    with transaction(fresh_world.store.sessions) as session:
        expected = build_document(session=session, today=date.today())
        titles = [
            text
            for row in session.execute(select(Programme.name_en, Programme.partner))
            for text in row
            if text and len(text) > 6
        ]
        total = sum(session.execute(select(LedgerTransaction.usd)).scalars(), Decimal(0))
    with site.client() as http:
        held = PortalDocument.model_validate_json(http.get("/portal/data/portal.json").content)
        assert held.tables == expected.tables and held.outcomes == []
        pages = {lang: http.get(f"/portal?lang={lang}").text for lang in ("en", "es")}
        csvs = {name: http.get(f"/portal/data/{name}.csv") for name in TABLES}

    money = expected.table("money")
    grand = money.cell("*", "*")
    assert grand is not None and grand.count == len(made["ledger"]) and grand.usd == total
    assert any(c.count is None for c in money.cells)  # the world has small cells to hide
    for lang, words in (
        (
            "en",
            (
                "Assistance by fiscal year and pillar",
                "Total",
                "Secretariat of National Defense",
                "Pending",
            ),
        ),
        (
            "es",
            (
                "Asistencia por año fiscal y pilar",
                "Total",
                "Secretaría de la Defensa Nacional",
                "Pendiente",
            ),
        ),
    ):
        page = pages[lang]
        for word in words:
            assert word in page, (lang, word)
        table = cell_texts(page, "money-table")
        total_row = table["Total"]
        assert (
            total_row[-1].split()
            == f"{format_currency(total, 'USD', locale=lang)} {len(made['ledger'])}".split()
        )
        # Every hidden cell reads "—", in the table and in its count.
        hidden = re.findall(r'<td class="[^"]*suppressed[^"]*"[^>]*>(.*?)</td>', page, re.S)
        assert hidden and all(re.sub(r"<[^>]+>", " ", h).split() == ["—", "—"] for h in hidden[:3])
        assert "suppression-note" in page
        vetting = cell_texts(page, "vetting-table")
        force = (
            "Secretariat of National Defense"
            if lang == "en"
            else "Secretaría de la Defensa Nacional"
        )
        assert any(k.startswith(force) or force in k for k in vetting)
        row = next(v for k, v in vetting.items() if force in k)
        assert "7" in row
        # One allegation: every figure of its table is hidden.
        allegations = cell_texts(page, "allegations-table")
        assert all(v == "—" for cells in allegations.values() for v in cells)

    for name, response in csvs.items():
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        table = expected.table(name)
        assert len(rows) == len(table.cells)
        for row, cell in zip(rows, table.cells, strict=True):
            assert [row[d] for d in table.dimensions] == cell.key
            assert row["count"] == ("" if cell.count is None else str(cell.count))
            assert row["suppressed"] == ("yes" if cell.count is None else "no")
            if name == "money":
                assert row["usd"] == ("" if cell.usd is None else f"{cell.usd:.2f}")

    # The public store: the document and nothing else of the internal node.
    held_bytes = store_bytes(site)
    secrets = [
        *(i for ids in made.values() for i in ids),
        aggregates.UNIT,
        aggregates.VICTIM,
        "27 Batallón",
        "us.super",
        "Detainees beaten",
        "Detenidos golpeados",
        "Iguala",
        *titles,
        str(fresh_world.store.settings.data_dir),
    ]
    for secret in secrets:
        assert secret.encode() not in held_bytes, secret
    with sqlite3.connect(site.database) as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
        assert tables == {"public_schema", "submissions", "receipts", "updates", "portal"}
        for table_name in ("submissions", "receipts", "updates"):
            assert db.execute(f"select count(*) from {table_name}").fetchone()[0] == 0
        assert db.execute("select count(*), max(id) from portal").fetchone() == (1, 1)
    # Its settings: the public ones only, none naming the internal node.
    assert not [k for k in site.env if k.startswith("VINCULO_") and "PUBLIC" not in k]
    for value in site.env.values():
        assert fresh_world.store.settings.resolved_database_url not in value

    # A second push replaces the document: still one row.
    assert publish(fresh_world, site).returncode == 0
    with sqlite3.connect(site.database) as db:
        assert db.execute("select count(*) from portal").fetchone()[0] == 1


def _document(**changes: Any) -> dict[str, Any]:
    """A small portal document by hand: two fiscal years, one cell hidden, an outcome."""
    body: dict[str, Any] = {
        "version": 1,
        "generated_on": "2026-12-01",
        "threshold": 5,
        "tables": [
            {
                "name": "money",
                "dimensions": ["fiscal_year", "pillar"],
                "cells": [
                    {"key": ["2023", "rule_of_law"], "count": 9, "usd": "1250000.50"},
                    {"key": ["2023", "border"], "count": None, "usd": None},
                    {"key": ["2024", "rule_of_law"], "count": 6, "usd": "800000.00"},
                    {"key": ["2024", "border"], "count": None, "usd": None},
                    {"key": ["2023", "*"], "count": 12, "usd": "1400000.50"},
                    {"key": ["2024", "*"], "count": 9, "usd": "950000.00"},
                    {"key": ["*", "rule_of_law"], "count": 15, "usd": "2050000.50"},
                    {"key": ["*", "border"], "count": 6, "usd": "300000.00"},
                    {"key": ["*", "*"], "count": 21, "usd": "2350000.50"},
                ],
            },
            {
                "name": "vetting",
                "dimensions": ["force", "status"],
                "cells": [
                    {"key": ["SEDENA", "approved"], "count": 8},
                    {"key": ["SEDENA", "*"], "count": 8},
                    {"key": ["*", "approved"], "count": 8},
                    {"key": ["*", "*"], "count": 8},
                ],
            },
            {
                "name": "allegations",
                "dimensions": ["force", "status"],
                "cells": [
                    {"key": ["GN", "under_review"], "count": 5},
                    {"key": ["GN", "*"], "count": 5},
                    {"key": ["*", "under_review"], "count": 5},
                    {"key": ["*", "*"], "count": 5},
                ],
            },
            {
                "name": "violations",
                "dimensions": ["violation"],
                "cells": [{"key": ["torture"], "count": 5}, {"key": ["*"], "count": 5}],
            },
        ],
        "outcomes": [
            {
                "category": "corruption",
                "month": "2026-10",
                "text_en": "A checkpoint's commander was relieved of duty.",
                "text_es": "El comandante de un retén fue separado del cargo.",
            }
        ],
    }
    body.update(changes)
    return body


def test_a_wrong_token_or_a_wrong_document_is_refused(site: PublicSite) -> None:
    document = PortalDocument.model_validate(_document())
    with pytest.raises(client.IntakeError, match="401"):
        client.push_portal(url=site.url, token="x" * 40, document=document)
    with site.client() as http:
        assert http.get("/portal/data/portal.json").status_code == 404
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for bad in (
            _document(names=["Rosa Elena Castillo"]),  # a field the document has not
            _document(
                tables=[
                    {
                        "name": "vetting",
                        "dimensions": ["force", "status"],
                        "cells": [{"key": ["Juan Pérez López", "*"], "count": 9}],
                    }
                ]
            ),  # a key that is not a code, and tables missing
            _document(
                outcomes=[
                    {"category": "nonsense", "month": "2026-13", "text_en": "", "text_es": ""}
                ]
            ),
        ):
            refused = http.put("/intake/v1/portal", json=bad, headers=headers)
            assert refused.status_code == 422, refused.text
        assert http.get("/portal/data/portal.json").status_code == 404
        assert b"Rosa Elena" not in store_bytes(site) and b"Juan P" not in store_bytes(site)
    client.push_portal(url=site.url, token=TOKEN, document=document)
    with site.client() as http:
        assert (
            PortalDocument.model_validate_json(http.get("/portal/data/portal.json").content)
            == document
        )


def _spanish_checker() -> ModuleType:
    return _module("test_spanish_complete", SPANISH)


def test_the_portal_in_spanish_has_no_english(site: PublicSite) -> None:
    client.push_portal(
        url=site.url, token=TOKEN, document=PortalDocument.model_validate(_document())
    )
    checker = _spanish_checker()
    with site.client() as http:
        for path in ("/portal", "/portal/outcomes"):
            spanish = http.get(f"{path}?lang=es").text
            english = http.get(f"{path}?lang=en").text
            parsed = checker.ReadableText()
            parsed.feed(spanish)
            assert checker.problems_in(parsed.text) == [], path
            # The checker sees English where there is English.
            seen = checker.ReadableText()
            seen.feed(english)
            assert checker.problems_in(seen.text, words_only=True), path
        outcomes = http.get("/portal/outcomes?lang=es").text
        assert "El comandante de un retén fue separado del cargo." in outcomes
        assert "octubre de 2026" in outcomes and "Corrupción" in outcomes
        english = html.unescape(http.get("/portal/outcomes?lang=en").text)
        assert "A checkpoint's commander was relieved of duty." in english
        assert "October 2026" in english
        page = http.get("/portal?lang=es").text.replace("\xa0", " ")
        assert "1.250.000,50 US$" in page and "2.350.000,50 US$" in page
        assert "Estado de derecho" in page  # the pillar's Spanish label
        assert "Guardia Nacional" in page and "Tortura" in page


def test_outcomes_take_only_known_categories() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        Outcome(category="people", month="2026-10", text_en="x", text_es="x")
