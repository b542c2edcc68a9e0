"""The transparency portal's document: all the public process ever holds of the internal node.

The internal node builds it (`build_document`, from `assistance.public.public_aggregates`:
flagged items only, small cells and their complements already suppressed) and pushes it
(`client.push_portal`); the public process checks it against `PortalDocument` (nothing but
these fields, every key a code, never free text but the outcomes staff wrote and the names
of flagged programmes and of partners) and keeps the
last one pushed. Its shape:

    {"version": 1, "generated_on": "2026-12-05", "threshold": 5,
     "tables": [{"name": "money", "dimensions": ["fiscal_year", "pillar"],
                 "cells": [{"key": ["2024", "rule_of_law"], "count": 12, "usd": "1500.00"},
                           {"key": ["2024", "border"], "count": null, "usd": null}, ...]},
                {"name": "vetting", "dimensions": ["force", "status"], ...},
                {"name": "allegations", "dimensions": ["force", "status"], ...},
                {"name": "violations", "dimensions": ["violation"], ...},
                {"name": "submissions", "dimensions": ["category", "state", "month"], ...},
                {"name": "money_programme", "dimensions": ["programme", "fiscal_year"], ...,
                 "labels": {"a1b2c3": {"en": "Judicial reform", "es": "Reforma judicial"}}},
                {"name": "money_partner", "dimensions": ["partner", "fiscal_year"], ...},
                {"name": "money_state", "dimensions": ["state", "fiscal_year"], ...}],
     "outcomes": [{"category": "corruption", "month": "2026-11",
                   "text_en": "...", "text_es": "..."}],
     "iati": "<iati-activities version=\"2.03\" ...>...</iati-activities>"}

A count of null is a suppressed cell; "*" in a key is the total over that dimension. A
programme is keyed by a code made from its id (never the id) and named in `labels` only when it
is flagged public itself ("other" holds the money of the rest); a partner by a code made from
its name, named in `labels` only as the partner of a programme flagged public ("other" again
for the rest); a state by its INEGI code. The submissions table and the money tables by
programme, partner and state are absent from documents made before them; `iati` is the IATI
2.03 file of the programmes flagged public (only their flagged ledger rows), null when none is.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vinculo.security.markings import Actor

VERSION = 1
# Each table's name and dimensions, as assistance/public.py makes them: nothing else is taken.
TABLES: dict[str, tuple[str, ...]] = {
    "money": ("fiscal_year", "pillar"),
    "vetting": ("force", "status"),
    "allegations": ("force", "status"),
    "violations": ("violation",),
    "submissions": ("category", "state", "month"),
    "money_programme": ("programme", "fiscal_year"),
    "money_partner": ("partner", "fiscal_year"),
    "money_state": ("state", "fiscal_year"),
}
# Every document has these; the submissions and the other money tables came later.
REQUIRED = ("money", "vetting", "allegations", "violations")
# The tables with sums beside their counts.
MONEY = frozenset({"money", "money_programme", "money_partner", "money_state"})
# The tables whose first dimension's codes have names in the document (`Table.labels`): a
# programme flagged public itself, an implementing partner.
LABELLED = frozenset({"money_programme", "money_partner"})
IATI_MAX_CHARS = 8_000_000
# A key is a code (a year, a pillar, a force, a status, a violation) or "*": never a name.
Code = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cell(_Strict):
    key: list[Code]
    count: int | None = Field(ge=0)
    usd: Decimal | None = Field(default=None, allow_inf_nan=False)


class Label(_Strict):
    en: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    es: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


class Table(_Strict):
    name: Literal[
        "money",
        "vetting",
        "allegations",
        "violations",
        "submissions",
        "money_programme",
        "money_partner",
        "money_state",
    ]
    dimensions: list[str]
    cells: list[Cell] = Field(max_length=20_000)
    labels: dict[Code, Label] = Field(default_factory=dict, max_length=5_000)

    @model_validator(mode="after")
    def _shape(self) -> Table:
        if tuple(self.dimensions) != TABLES[self.name]:
            raise ValueError(f"table {self.name}: dimensions must be {list(TABLES[self.name])}")
        for cell in self.cells:
            if len(cell.key) != len(self.dimensions):
                raise ValueError(f"table {self.name}: a key of {len(cell.key)} values")
            if cell.count is None and cell.usd is not None:
                raise ValueError(f"table {self.name}: a suppressed cell with a sum")
            if self.name not in MONEY and cell.usd is not None:
                raise ValueError(f"table {self.name}: a sum in a table of counts")
        if self.labels and self.name not in LABELLED:
            raise ValueError(f"table {self.name}: names in a table of codes")
        keys = {c.key[0] for c in self.cells}
        if not set(self.labels) <= keys:
            raise ValueError(f"table {self.name}: a name for a key the table does not have")
        return self

    def cell(self, *key: str) -> Cell | None:
        return next((c for c in self.cells if tuple(c.key) == key), None)

    def values(self, dimension: int) -> list[str]:
        """The values of one dimension the table has, in order, without the total."""
        found = dict.fromkeys(c.key[dimension] for c in self.cells if c.key[dimension] != "*")
        return sorted(found)


class Outcome(_Strict):
    """What came of closed submissions, written by staff for the "you said, we did" page."""

    category: Code
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    text_en: Text
    text_es: Text

    @model_validator(mode="after")
    def _category(self) -> Outcome:
        from vinculo.civic.intake import categories

        if self.category not in categories():
            raise ValueError(f"unknown category {self.category}")
        return self


class PortalDocument(_Strict):
    version: Literal[1]
    generated_on: date
    threshold: int = Field(ge=1)
    tables: list[Table]
    outcomes: list[Outcome] = Field(default_factory=list, max_length=1000)
    iati: str | None = Field(default=None, max_length=IATI_MAX_CHARS)

    @model_validator(mode="after")
    def _tables(self) -> PortalDocument:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names) or not set(REQUIRED) <= set(names):
            raise ValueError(f"tables must be {', '.join(TABLES)}, each once")
        if self.iati is not None:
            check_iati(self.iati)
        return self

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def has(self, name: str) -> bool:
        return any(t.name == name for t in self.tables)


def check_iati(text: str) -> None:
    """Refuse anything but an IATI 2.03 activities file: well-formed XML, no DTD or entity
    (the public process parses what it is pushed), the root and version IATI gives."""
    import xml.etree.ElementTree as ET

    # Refused before parsing: no entity can then be declared, let alone expanded.
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("iati: a document type declaration is not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ValueError(f"iati: not well-formed XML ({error})") from None
    if root.tag != "iati-activities" or root.get("version") != "2.03":
        raise ValueError("iati: the root must be iati-activities of version 2.03")


def build_document(
    *,
    session: Session,
    today: date,
    outcomes: list[Outcome] | None = None,
    actor: Actor | None = None,
) -> PortalDocument:
    """The document to push, from the public tables of the internal node (flagged items only,
    suppressed as ../shared/MARKINGS.md "Public aggregates" says) and the outcomes staff
    wrote on closed submissions flagged public (`service.public_outcomes`); with the publishing
    `actor`, the IATI file of the programmes flagged public that they may see."""
    from vinculo.assistance.public import public_aggregates

    published = public_aggregates(session=session)
    iati = None if actor is None else public_iati(session=session, actor=actor, today=today)
    return PortalDocument.model_validate(
        {
            "version": VERSION,
            "generated_on": today,
            "threshold": published.threshold,
            "tables": [t.model_dump() for t in published.tables],
            "outcomes": [o.model_dump() for o in outcomes or []],
            "iati": iati,
        }
    )


def public_iati(*, session: Session, actor: Actor, today: date) -> str | None:
    """The IATI 2.03 file of the flagged programmes the actor sees, with only their flagged
    ledger rows and no results; None when no programme is flagged (an audited export)."""
    from vinculo.assistance.iati import reporter_for, write_activities
    from vinculo.errors import NotFound

    out = io.StringIO()
    try:
        write_activities(
            session=session,
            actor=actor,
            out=out,
            reporter=reporter_for(actor),
            today=today,
            public_only=True,
        )
    except NotFound:
        return None
    return out.getvalue()


def table_csv(table: Table) -> str:
    """One table as CSV: a column per dimension (and the names of the first's codes where the
    table has them), then count (and usd for money); a suppressed cell's count and sum are
    empty, "*" is a total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    money = table.name in MONEY
    names = table.name in LABELLED
    first = table.dimensions[0]
    writer.writerow(
        [
            *table.dimensions,
            *([f"{first}_name_en", f"{first}_name_es"] if names else []),
            "count",
            *(["usd"] if money else []),
            "suppressed",
        ]
    )
    for cell in table.cells:
        count = "" if cell.count is None else str(cell.count)
        usd = [] if not money else ["" if cell.usd is None else f"{cell.usd:.2f}"]
        label = table.labels.get(cell.key[0])
        named = [] if not names else [label.en if label else "", label.es if label else ""]
        writer.writerow([*cell.key, *named, count, *usd, "yes" if cell.count is None else "no"])
    return out.getvalue()
