"""The demo's oversight and outcomes, recorded through the services users call, after the
units and the ledger they name:

- `demo/data/allegations.yml`: allegations against some units, filed by mx.analyst through
  the allegations service (victims and witnesses under the human-rights monitors' group, the
  service's default), each then moved through the statuses its `history` gives;
- `demo/data/vetting.yml`: Leahy vetting requests for units, asked for by us.analyst and
  decided by us.supervisor through the vetting service (approvals with validity periods, some
  expired, one unit suspended after the credible allegations, one denied, one pending);
- `demo/data/results.yml` and `demo/data/municipal_indicators.csv`: programme results and the
  public municipal figures they are judged beside, through the outcome importers.

Every change is on the audit chain as a user's would be. Where an account it needs is not on
this store (a node of `vinculo demo --nodes 2` has only its nation's), nothing is recorded. A
file that cannot be recorded as it stands raises ScriptError naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from vinculo.assistance.outcomes import import_municipal, import_results
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight import allegations, vetting
from vinculo.oversight.allegation_schemas import AllegationCreate, StatusUpdate
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.markings import Actor
from vinculo.security.service import actor_for, get_by_username

ALLEGATIONS_FILE = "demo/data/allegations.yml"
VETTING_FILE = "demo/data/vetting.yml"
RESULTS_FILE = "demo/data/results.yml"
INDICATORS_FILE = "demo/data/municipal_indicators.csv"
FILER = "mx.analyst"
REQUESTER = "us.analyst"
VETTER = "us.supervisor"


@dataclass
class Overseen:
    allegations: int = 0
    vetting_requests: int = 0
    decisions: int = 0
    indicators: int = 0
    municipal_values: int = 0


def _text(name: str) -> str:
    return resources.files("vinculo.demo").joinpath("data", name).read_text("utf-8")


def read(name: str) -> Any:
    """A demo data file, as YAML."""
    return yaml.safe_load(_text(name))


def _day(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _allegations(session: Session, filer: Actor, seeded: Overseen) -> None:
    data = read("allegations.yml")
    markings = MarkingsIn.model_validate(data["markings"])
    for number, entry in enumerate(data["allegations"]):
        where = f"{ALLEGATIONS_FILE}, allegation {number + 1} ({entry.get('unit')})"
        try:
            filed = allegations.file_allegation(
                session=session,
                actor=filer,
                allegation_in=AllegationCreate(
                    summary_en=str(entry["summary_en"]),
                    summary_es=str(entry["summary_es"]),
                    occurred_from=entry["occurred_from"],
                    occurred_to=entry.get("occurred_to"),
                    state=str(entry.get("state") or ""),
                    municipality=str(entry.get("municipality") or ""),
                    violations=list(entry["violations"]),
                    unit_entity_id=entry.get("unit"),
                    sources=list(entry.get("sources") or []),
                    parties=list(entry.get("parties") or []),
                    markings=markings,
                ),
            )
            for change in entry.get("history") or []:
                allegations.set_status(
                    session=session,
                    actor=filer,
                    allegation_id=filed.id,
                    status_in=StatusUpdate(
                        status=str(change["status"]), reason=str(change.get("reason") or "")
                    ),
                )
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None
        seeded.allegations += 1


def _vetting(session: Session, requester: Actor, vetter: Actor, seeded: Overseen) -> None:
    data = read("vetting.yml")
    markings = MarkingsIn.model_validate(data["markings"])
    for number, entry in enumerate(data["requests"]):
        where = f"{VETTING_FILE}, request {number + 1} ({entry.get('unit')})"
        try:
            request = vetting.request_vetting(
                session=session,
                actor=requester,
                request_in=VettingCreate(
                    subject_kind="unit",
                    subject_entity_id=str(entry["unit"]),
                    purpose=str(entry["purpose"]),
                    programme_officer=str(data["officer"]),
                    markings=markings,
                ),
            )
            seeded.vetting_requests += 1
            for decision in entry.get("decisions") or []:
                vetting.decide(
                    session=session,
                    actor=vetter,
                    request_id=request.id,
                    decision_in=DecisionIn(
                        status=str(decision["status"]),
                        reason=str(decision["reason"]),
                        valid_from=_day(decision.get("valid_from")),
                        valid_until=_day(decision.get("valid_until")),
                        duty_to_inform=str(decision.get("duty_to_inform") or ""),
                        remediation=str(decision.get("remediation") or ""),
                    ),
                )
                seeded.decisions += 1
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None


def _outcomes(session: Session, importer: Actor, seeded: Overseen) -> None:
    try:
        results = import_results(
            session=session, actor=importer, text=_text("results.yml"), file_name=RESULTS_FILE
        )
        figures = import_municipal(
            session=session,
            actor=importer,
            text=_text("municipal_indicators.csv"),
            file_name=INDICATORS_FILE,
        )
    except VinculoError as error:
        raise ScriptError(error.render("en")) from None
    seeded.indicators = results.indicators
    seeded.municipal_values = figures.rows


def seed_oversight(*, session: Session) -> Overseen:
    """Allegations, then vetting (whose suspension follows them), then outcomes; nothing
    where the accounts that record them are not on this store."""
    accounts = {
        name: get_by_username(session=session, username=name) for name in (FILER, REQUESTER, VETTER)
    }
    seeded = Overseen()
    if any(user is None for user in accounts.values()):
        return seeded
    actors = {name: actor_for(user) for name, user in accounts.items() if user is not None}
    _allegations(session, actors[FILER], seeded)
    _vetting(session, actors[REQUESTER], actors[VETTER], seeded)
    _outcomes(session, actors[REQUESTER], seeded)
    return seeded
