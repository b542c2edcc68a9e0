"""The portal's money by programme, implementing partner and Mexican state, on both backends
against a real public process: counted from ledger rows flagged public alone, a programme
(and its partner) named only when the programme is flagged itself, a state from the
recipient unit's address; small cells and their complements hidden on the page ("—") and in
the CSV (empty); a programme not flagged never named on the public site; a document pushed
before these tables still shows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from public_site import TOKEN, PublicSite, start_site
from pydantic import ValidationError
from sqlalchemy import select, update
from test_portal import _document, aggregates, cell_texts, publish, store_bytes

from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.public import flag_items
from vinculo.civic import client
from vinculo.civic.portal import PortalDocument, Table, build_document
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn

from conftest import shot
from worlds import World, file_report

UNIT = "unit-gro-money"
IN_GUERRERO = 6


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PublicSite]:
    yield from start_site(tmp_path)


def _world(world: World) -> dict[str, object]:
    """The assistance world: one programme flagged public, every ledger row flagged but one,
    six rows given a recipient unit whose address is in Guerrero."""
    aggregates._setup(world)
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Unit in Chilpancingo",
        aggregates.BOTH,
        [
            EntityIn(
                id=UNIT,
                schema="PublicBody",
                properties={"name": ["Policía Estatal de Guerrero"], "addressEntity": ["adr-gm"]},
            ),
            EntityIn(
                id="adr-gm",
                schema="Address",
                properties={"full": ["Chilpancingo, Guerrero"], "state": ["guerrero"]},
            ),
        ],
    )
    with transaction(world.store.sessions) as session:
        rows = list(
            session.execute(select(LedgerTransaction).order_by(LedgerTransaction.seq)).scalars()
        )
        per_programme = Counter(r.programme_id for r in rows)
        chosen = max(per_programme, key=lambda p: per_programme[p])
        other = next(
            p
            for p in session.execute(select(Programme).where(Programme.id != chosen)).scalars()
            if len(p.name_en) > 8
        )
        left_out = rows[-1]
        flagged = [r for r in rows if r.id != left_out.id]
        in_guerrero = [r.id for r in flagged[:IN_GUERRERO]]
        session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.id.in_(in_guerrero))
            .values(unit_entity_id=UNIT)
        )
        actor = world.actors["us.super"]
        flag_items(session=session, actor=actor, kind="programme", item_ids=[chosen])
        flag_items(session=session, actor=actor, kind="ledger", item_ids=[r.id for r in flagged])
        programme = session.execute(select(Programme).where(Programme.id == chosen)).scalar_one()
        return {
            "chosen": chosen,
            "chosen_en": programme.name("en"),
            "chosen_es": programme.name("es"),
            "partner": programme.partner,
            "other_name": other.name_en,
            "other_id": other.id,
            "other_partner": other.partner,
            "flagged": [(r.programme_id, str(r.fiscal_year), r.usd) for r in flagged],
            "years": [(r.id, str(r.fiscal_year)) for r in flagged],
            "in_guerrero": in_guerrero,
            "left_out": left_out.usd,
        }


def _agrees(table: Table, keys: list[tuple[str, str]]) -> None:
    """Every count the table shows, margins too, is the number of those rows it covers."""
    want: Counter[tuple[str, ...]] = Counter()
    for key in keys:
        for mask in range(4):
            want[tuple("*" if mask >> i & 1 else v for i, v in enumerate(key))] += 1
    shown = _shown(table)
    assert shown, table.name
    for key, count in shown.items():
        assert count == want[key], (table.name, key)


def _shown(table: Table) -> dict[tuple[str, ...], int]:
    return {tuple(c.key): c.count for c in table.cells if c.count is not None}


def test_money_by_programme_partner_and_state(fresh_world: World, site: PublicSite) -> None:
    made = _world(fresh_world)
    chosen = str(made["chosen"])
    flagged: list[tuple[str, str, Decimal]] = made["flagged"]  # type: ignore[assignment]
    assert publish(fresh_world, site).returncode == 0
    with transaction(fresh_world.store.sessions) as session:
        expected = build_document(session=session, today=date.today())

    # Counts from the flagged rows alone (every row but one), the unflagged programme as "other";
    # every figure shown, margins too, is what those rows make.
    with transaction(fresh_world.store.sessions) as session:
        units = dict(
            session.execute(select(LedgerTransaction.id, LedgerTransaction.unit_entity_id)).all()
        )
    by_programme = expected.table("money_programme")
    # The flagged programme is keyed by a code, never its id, and named in the labels.
    assert len(by_programme.labels) == 1
    code = next(iter(by_programme.labels))
    assert code != chosen
    rows = [(code if p == chosen else "other", y, u) for p, y, u in flagged]
    assert _shown(by_programme).get(("*", "*")) == len(flagged)
    assert by_programme.cell("*", "*").usd == sum(u for *_, u in flagged)  # type: ignore[union-attr]
    assert {c.key[0] for c in by_programme.cells} == {code, "other", "*"}
    _agrees(by_programme, [(p, y) for p, y, _ in rows])
    assert by_programme.labels[code].en == made["chosen_en"]
    partners = expected.table("money_partner")
    assert [label.en for label in partners.labels.values()] == [made["partner"]]
    assert _shown(partners).get(("*", "*")) == len(flagged)
    states = expected.table("money_state")
    assert {c.key[0] for c in states.cells} == {"GRO", "unknown", "*"}
    in_guerrero = set(made["in_guerrero"])  # type: ignore[call-overload]
    assert all(units[i] == UNIT for i in in_guerrero)
    _agrees(states, [("GRO" if i in in_guerrero else "unknown", y) for i, y in made["years"]])  # type: ignore[attr-defined]
    # The world has small cells: hidden with their sums.
    hidden = [c for c in by_programme.cells if c.count is None]
    assert hidden and all(c.usd is None for c in hidden)
    for table in (by_programme, partners, states):
        for cell in table.cells:
            if cell.count is not None and "*" not in cell.key:
                assert cell.count == 0 or cell.count >= expected.threshold

    with site.client() as http:
        pages = {lang: http.get(f"/portal?lang={lang}").text for lang in ("en", "es")}
        csvs = {
            name: http.get(f"/portal/data/{name}.csv")
            for name in ("money_programme", "money_partner", "money_state")
        }
        whole = http.get("/portal/data/portal.json").content
    for lang, name, other, state, heading in (
        ("en", made["chosen_en"], "Other programmes", "Guerrero", "Assistance by programme"),
        ("es", made["chosen_es"], "Otros programas", "Guerrero", "Asistencia por programa"),
    ):
        page = pages[lang]
        assert heading in page
        grid = cell_texts(page, "money-programme-table")
        assert set(grid) == {name, other, "Total"}
        # A hidden cell shows a dash for its sum and its count, nothing else.
        dashes = [cells for cells in grid.values() if "— —" in cells]
        assert dashes, grid
        by_state = cell_texts(page, "money-state-table")
        assert state in by_state
        assert "/portal/data/money_state.csv" in page
    rows = list(csv.DictReader(io.StringIO(csvs["money_programme"].text)))
    assert len(rows) == len(by_programme.cells)
    for row, cell in zip(rows, by_programme.cells, strict=True):
        assert [row["programme"], row["fiscal_year"]] == cell.key
        assert row["count"] == ("" if cell.count is None else str(cell.count))
        assert row["usd"] == ("" if cell.usd is None else f"{cell.usd:.2f}")
        assert row["programme_name_en"] == (made["chosen_en"] if cell.key[0] == code else "")
    assert any(r["suppressed"] == "yes" and r["count"] == r["usd"] == "" for r in rows)
    assert csvs["money_state"].status_code == 200
    assert "GRO" in csvs["money_state"].text

    # The programme not flagged (and its partner, if another) never reach the public site.
    secrets = [str(made["other_name"]), chosen, str(made["other_id"])]
    if made["other_partner"] and made["other_partner"] != made["partner"]:
        secrets.append(str(made["other_partner"]))
    public = [store_bytes(site), whole, *(p.encode() for p in pages.values())]
    public += [r.content for r in csvs.values()]
    for secret in secrets:
        for held in public:
            assert secret.encode() not in held, secret


def test_a_document_of_before_and_names_only_where_they_belong(site: PublicSite) -> None:
    client.push_portal(
        url=site.url, token=TOKEN, document=PortalDocument.model_validate(_document())
    )
    with site.client() as http:
        page = http.get("/portal?lang=es")
        assert page.status_code == 200 and "money-table" in page.text
        assert "money-programme-table" not in page.text
        assert "/portal/data/money_programme.csv" not in page.text
        assert http.get("/portal/data/money_programme.csv").status_code == 404
    table = {
        "name": "money_programme",
        "dimensions": ["programme", "fiscal_year"],
        "cells": [{"key": ["abc123", "2024"], "count": 6, "usd": "10.00"}],
        "labels": {"abc123": {"en": "Judicial reform", "es": "Reforma judicial"}},
    }
    document = _document()
    assert PortalDocument.model_validate({**document, "tables": [*document["tables"], table]})
    for bad, reason in (
        ({**table, "labels": {"zzz": {"en": "x", "es": "x"}}}, "does not have"),
        ({**table, "name": "money_state", "dimensions": ["state", "fiscal_year"]}, "names"),
        ({**table, "labels": {"a b": {"en": "x", "es": "x"}}}, "pattern"),
    ):
        with pytest.raises(ValidationError, match=reason):
            PortalDocument.model_validate({**document, "tables": [*document["tables"], bad]})


@pytest.mark.browser
def test_the_money_tables_in_a_browser(page: Page, site: PublicSite) -> None:
    labels = {"pa1": {"en": "Judicial reform", "es": "Reforma judicial"}}
    cells = [
        {"key": ["pa1", "2024"], "count": 9, "usd": "900.00"},
        {"key": ["pa1", "2025"], "count": None, "usd": None},
        {"key": ["pa1", "*"], "count": None, "usd": None},
        {"key": ["other", "2024"], "count": 6, "usd": "600.00"},
        {"key": ["other", "2025"], "count": None, "usd": None},
        {"key": ["other", "*"], "count": None, "usd": None},
        {"key": ["*", "2024"], "count": 15, "usd": "1500.00"},
        {"key": ["*", "2025"], "count": 7, "usd": "700.00"},
        {"key": ["*", "*"], "count": 22, "usd": "2200.00"},
    ]
    document = _document()
    document["tables"] = [
        *document["tables"],
        {
            "name": "money_programme",
            "dimensions": ["programme", "fiscal_year"],
            "cells": cells,
            "labels": labels,
        },
        {
            "name": "money_state",
            "dimensions": ["state", "fiscal_year"],
            "cells": [
                {**c, "key": [{"pa1": "GRO"}.get(c["key"][0], c["key"][0]), c["key"][1]]}
                for c in cells
            ],
        },
    ]
    client.push_portal(url=site.url, token=TOKEN, document=PortalDocument.model_validate(document))
    for lang, name, other, state in (
        ("en", "Judicial reform", "Other programmes", "Guerrero"),
        ("es", "Reforma judicial", "Otros programas", "Guerrero"),
    ):
        page.goto(f"{site.url}/portal?lang={lang}")
        table = page.locator("#money-programme-table")
        expect(table).to_be_visible()
        expect(table.locator("tr[data-row=pa1] th")).to_have_text(name)
        expect(table.locator("tr[data-row=other] th")).to_have_text(other)
        expect(table.locator("tr[data-row=pa1] td.suppressed").first).to_contain_text("—")
        expect(page.locator("#money-state-table tr[data-row=GRO] th")).to_have_text(state)
        expect(page.locator("#money-partner-table")).to_have_count(0)
        page.locator("#money-detail-title").scroll_into_view_if_needed()
        shot(page, f"portal-money-{lang}")
