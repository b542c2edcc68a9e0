"""The demo's assistance ledger (`demo/data/assistance.yml`): each programme expanded into one
obligation and one disbursement a fiscal year, written as ForeignAssistance.gov's columns and
imported through the importer users run (`vinculo assistance import`), as us.analyst,
TLP:CLEAR REL TO USA, MEX, after the units it names.

A file that cannot be imported as it stands raises ScriptError naming the file, line and
column.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from vinculo.assistance import codes
from vinculo.assistance.importer import (
    GOAL,
    PILLAR,
    PURPOSE_CODE,
    REQUIRED,
    UNIT,
    UNIT_ENTITY,
    import_csv,
)
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.intel.schemas import MarkingsIn
from vinculo.security.service import actor_for, get_by_username

FILE = "demo/data/assistance.yml"
IMPORTER = "us.analyst"
MARKINGS = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])
COLUMNS = (*REQUIRED, PURPOSE_CODE, UNIT, UNIT_ENTITY, PILLAR, GOAL)
# Who manages each account's programmes, as the public data names them.
MANAGERS = {
    "ESF": "U.S. Agency for International Development",
    "FMF": "Department of Defense",
    "IMET": "Department of Defense",
}


def _unit_names() -> dict[str, str]:
    """The demo units' Spanish names by their id (data/units.yml), which is their entity id."""
    text = resources.files("vinculo.demo").joinpath("data", "units.yml").read_text("utf-8")
    return {str(u["id"]): str(u["name_es"]) for u in yaml.safe_load(text)}


def _rows(programme: dict[str, Any], units: dict[str, str]) -> list[dict[str, str]]:
    """A programme's rows: each fiscal year's obligation (in December) and disbursement (in
    June); a fiscal year runs from October of the year before."""
    account = str(programme["account"])
    manager = MANAGERS.get(account, "Department of State")
    purpose = str(programme["purpose"])
    unit = str(programme.get("unit") or "")
    common = {
        "Country Name": "Mexico",
        "Funding Agency Name": "Department of State",
        "Funding Account Name": codes.label(codes.ACCOUNTS, account, "en"),
        "Managing Agency Name": manager,
        "Implementing Partner Name": str(programme["partner"]),
        "US Sector Name": str(programme["sector"]),
        "International Purpose Name": codes.label(codes.SECTORS, purpose, "en"),
        PURPOSE_CODE: purpose,
        "Activity ID": str(programme["activity"]),
        "Activity Name": str(programme["name"]),
        "Activity Description": str(programme["name"]),
        UNIT: units[unit] if unit else "",
        UNIT_ENTITY: unit,
        PILLAR: str(programme.get("pillar") or ""),
        GOAL: str(programme.get("goal") or ""),
    }
    obligation = Decimal(str(programme["obligation"]))
    share = Decimal(str(programme["disbursed"]))
    rows = []
    for year in range(int(programme["first"]), int(programme["last"]) + 1):
        paid = (obligation * share).quantize(Decimal("0.01"))
        for kind, day, amount in (
            ("Obligations", date(year - 1, 12, 15), obligation),
            ("Disbursements", date(year, 6, 30), paid),
        ):
            rows.append(
                common
                | {
                    "Fiscal Year": str(year),
                    "Transaction Type Name": kind,
                    "Transaction Date": day.isoformat(),
                    "Current Dollar Amount": f"{amount:.2f}",
                    "Constant Dollar Amount": f"{amount:.2f}",
                }
            )
    return rows


def ledger_csv() -> tuple[str, str]:
    """The demo's ledger as ForeignAssistance.gov's CSV, and its release."""
    text = resources.files("vinculo.demo").joinpath("data", "assistance.yml").read_text("utf-8")
    data = yaml.safe_load(text)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    units = _unit_names()
    for programme in data["programmes"]:
        writer.writerows(_rows(programme, units))
    return out.getvalue(), str(data["release"])


def seed_assistance(*, session: Session) -> int:
    """Import the demo's ledger where its importer has an account (a Mexican node of `vinculo
    demo --nodes 2` has not); how many ledger rows were stored."""
    user = get_by_username(session=session, username=IMPORTER)
    if user is None:
        return 0
    text, release = ledger_csv()
    try:
        summary = import_csv(
            session=session,
            actor=actor_for(user),
            handle=io.StringIO(text),
            file_name=FILE,
            release=release,
            markings_in=MARKINGS,
        )
    except VinculoError as error:
        raise ScriptError(error.render("en")) from None
    return summary.added
