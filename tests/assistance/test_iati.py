"""The IATI 2.03 activity export, on SQLite and PostgreSQL: the document validates against the
official schema (tests/data/iati), carries English and Spanish narratives, and holds nothing
the reader may not see."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import lxml.etree
import pytest
from sqlalchemy import update

from vinculo.assistance.iati import Reporter, write_activities
from vinculo.assistance.importer import import_csv
from vinculo.assistance.models import Programme
from vinculo.assistance.outcomes import import_results
from vinculo.db import transaction
from vinculo.errors import NotFound
from vinculo.intel.schemas import MarkingsIn

from command_line import run_vinculo
from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data"
FIRST = DATA / "assistance" / "fagov_mexico_2024-06.csv"
SCHEMA = DATA / "iati" / "iati-activities-schema.xsd"
XML = "{http://www.w3.org/XML/1998/namespace}lang"
PUBLIC = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])
REPORTER = Reporter(ref="US-GOV-11", name="U.S. Department of State")


@pytest.fixture(scope="module")
def schema() -> lxml.etree.XMLSchema:
    return lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMA)))


def load(world: World, text: str, markings: MarkingsIn, release: str) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name="fa.csv",
            release=release,
            markings_in=markings,
        )


def variant(activity: str, name: str, kind: str = "Obligations") -> str:
    """The fixture's judicial activity under another id and name, its rows of `kind`."""
    lines = FIRST.read_text("utf-8").splitlines(keepends=True)
    kept = [lines[0], *[line for line in lines[1:] if "19-INL-MX-0101" in line]]
    return (
        "".join(kept)
        .replace("19-INL-MX-0101", activity)
        .replace("Mérida: Judicial sector reform", name)
        .replace(",Disbursements,", f",{kind},")
        .replace(",Obligations,", f",{kind},")
    )


def ledger(world: World) -> None:
    """Five public programmes, one appropriated one, and two no Mexican reader may see."""
    load(world, FIRST.read_text("utf-8"), PUBLIC, "2024-06")
    load(world, variant("19-INL-MX-0500", "Appropriated support", "Appropriations"), PUBLIC, "a")
    load(
        world,
        variant("19-INL-MX-9998", "Restricted: vetted unit support"),
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        "usa-1",
    )
    load(
        world,
        variant("19-INL-MX-9999", "Red: source protection"),
        MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["us.analyst"]),
        "red-1",
    )


def export(world: World, username: str, fiscal_year: int | None = None) -> bytes:
    out = io.StringIO()
    with transaction(world.store.sessions) as session:
        write_activities(
            session=session,
            actor=world.actors[username],
            out=out,
            reporter=REPORTER,
            fiscal_year=fiscal_year,
            today=date(2021, 12, 1),
        )
    return out.getvalue().encode("utf-8")


def identifiers(document: lxml.etree._Element) -> set[str]:
    return {str(e.text) for e in document.iter("iati-identifier")}


def test_the_export_validates_and_holds_only_what_the_reader_may_see(
    fresh_world: World, schema: lxml.etree.XMLSchema
) -> None:
    ledger(fresh_world)
    mexican = lxml.etree.fromstring(export(fresh_world, "mx.analyst"))
    schema.assertValid(mexican)
    assert mexican.get("version") == "2.03"
    found = identifiers(mexican)
    assert len(found) == 6 and "US-GOV-11-19-INL-MX-0101" in found
    text = lxml.etree.tostring(mexican, encoding="unicode")
    for hidden in ("MX-9998", "MX-9999", "Restricted", "Red: source"):
        assert hidden not in text
    american = lxml.etree.fromstring(export(fresh_world, "us.analyst"))
    schema.assertValid(american)
    assert {"US-GOV-11-19-INL-MX-9998", "US-GOV-11-19-INL-MX-9999"} <= identifiers(american)

    judicial = next(
        a
        for a in mexican.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0101"
    )
    # Both languages: the framework description and the DAC purpose's name.
    other = judicial.find("description[@type='4']")
    assert other is not None
    langs = {n.get(XML) for n in other.iter("narrative")}
    assert langs == {"en", "es"}
    assert "Desarrollo legal y judicial" in "".join(other.itertext())
    sector = judicial.find("sector")
    assert sector is not None and (sector.get("code"), sector.get("vocabulary")) == ("15130", "1")
    assert {n.get(XML) for n in sector.iter("narrative")} == {"en", "es"}
    roles = {p.get("role") for p in judicial.iter("participating-org")}
    assert {"1", "4"} <= roles
    transactions = judicial.findall("transaction")
    assert [t.find("transaction-type").get("code") for t in transactions] == ["2", "3", "3"]  # type: ignore[union-attr]
    value = transactions[-1].find("value")
    assert value is not None
    assert (value.text, value.get("currency"), value.get("value-date")) == (
        "1200000.50",
        "USD",
        "2019-12-31",
    )
    assert judicial.find("result") is None
    # Appropriations are budgets by fiscal year: IATI has no transaction type for them.
    appropriated = next(
        a
        for a in mexican.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0500"
    )
    assert appropriated.findall("transaction") == []
    budgets = appropriated.findall("budget")
    assert [b.find("period-start").get("iso-date") for b in budgets] == [  # type: ignore[union-attr]
        "2018-10-01",
        "2019-10-01",
    ]


def test_a_spanish_name_is_the_spanish_title_and_a_fiscal_year_narrows_the_rows(
    fresh_world: World, schema: lxml.etree.XMLSchema
) -> None:
    ledger(fresh_world)
    with transaction(fresh_world.store.sessions) as session:
        session.execute(
            update(Programme)
            .where(Programme.key == "foreignassistance.gov:19-INL-MX-0101")
            .values(name_es="Mérida: reforma del sector judicial")
        )
    document = lxml.etree.fromstring(export(fresh_world, "mx.analyst", fiscal_year=2020))
    schema.assertValid(document)
    judicial = next(
        a
        for a in document.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0101"
    )
    title = {n.get(XML): n.text for n in judicial.iter("narrative") if n.getparent().tag == "title"}  # type: ignore[union-attr]
    assert title == {
        "en": "Mérida: Judicial sector reform",
        "es": "Mérida: reforma del sector judicial",
    }
    dates = [t.find("transaction-date").get("iso-date") for t in judicial.iter("transaction")]  # type: ignore[union-attr]
    assert dates == ["2019-12-31"]
    # The activity's start is its first row the reader sees, whatever the year asked for.
    start = judicial.find("activity-date")
    assert start is not None and (start.get("type"), start.get("iso-date")) == ("2", "2019-03-31")
    for activity in document.iter("iati-activity"):
        for row in activity.iter("transaction-date"):
            assert "2019-10-01" <= str(row.get("iso-date")) <= "2020-09-30"


RESULTS = DATA / "outcomes" / "results.csv"


def test_an_activity_with_results_validates(
    fresh_world: World, schema: lxml.etree.XMLSchema
) -> None:
    """Programme results are the `result` element: one outcome per activity, each indicator
    with its measure, direction, baseline and periods (target and actual), after the
    transactions as the schema's sequence wants; an indicator the reader may not see is
    left out."""
    ledger(fresh_world)
    text = RESULTS.read_text("utf-8")
    header, *rows = text.splitlines(keepends=True)
    with transaction(fresh_world.store.sessions) as session:
        actor = fresh_world.actors["us.analyst"]
        import_results(session=session, actor=actor, text=text, file_name="results.csv")
        import_results(
            session=session,
            actor=actor,
            text="".join([header, *[r for r in rows if "pretrial" in r]]).replace(
                "pretrial-detention", "usa-only"
            ),
            file_name="usa.csv",
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        )
    mexican = lxml.etree.fromstring(export(fresh_world, "mx.analyst"))
    schema.assertValid(mexican)
    judicial = next(
        a
        for a in mexican.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0101"
    )
    children = [c.tag for c in judicial]
    assert children[-1] == "result"
    assert children.index("result") > max(i for i, c in enumerate(children) if c == "transaction")
    result = judicial.find("result")
    assert result is not None and result.get("type") == "2"
    indicators = result.findall("indicator")
    assert [i.get("measure") for i in indicators] == ["1", "2"]
    assert [i.get("ascending") for i in indicators] == ["1", "0"]
    trials = indicators[0]
    titles = {n.get(XML): n.text for n in trials.find("title").iter("narrative")}  # type: ignore[union-attr]
    assert titles["es"] == "Juicios penales celebrados en el sistema acusatorio oral"
    baseline = trials.find("baseline")
    assert baseline is not None
    assert (baseline.get("year"), baseline.get("value")) == ("2016", "1200")
    periods = [
        (
            p.find("period-start").get("iso-date"),  # type: ignore[union-attr]
            p.find("target").get("value") if p.find("target") is not None else None,  # type: ignore[union-attr]
            p.find("actual").get("value") if p.find("actual") is not None else None,  # type: ignore[union-attr]
        )
        for p in trials.findall("period")
    ]
    # The overall target (4,000 in 2020) stands in its year's period.
    assert periods == [
        ("2018-01-01", "2500", "2300"),
        ("2019-01-01", "3200", "3350"),
        ("2020-01-01", "4000", "4100"),
    ]
    # The pretrial indicator's target year (2021) has no actual: a period of its own.
    detention = [p.find("period-start").get("iso-date") for p in indicators[1].findall("period")]  # type: ignore[union-attr]
    assert detention == ["2019-01-01", "2021-01-01"]
    assert "usa-only" not in lxml.etree.tostring(mexican, encoding="unicode")
    american = lxml.etree.fromstring(export(fresh_world, "us.analyst"))
    schema.assertValid(american)
    counted = [
        len(a.findall("result/indicator"))
        for a in american.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0101"
    ]
    assert counted == [3]
    # An activity with no indicator has no result element.
    others = [
        a
        for a in mexican.iter("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-11-19-INL-MX-0102"
    ]
    assert others and others[0].find("result") is None


def test_a_reader_who_sees_no_programme_gets_no_file(fresh_world: World) -> None:
    load(
        fresh_world,
        variant("19-INL-MX-9998", "Restricted: vetted unit support"),
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        "usa-1",
    )
    with pytest.raises(NotFound):
        export(fresh_world, "mx.analyst")


def cli(world: World, *args: str) -> tuple[int, str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    done = run_vinculo("assistance", "iati", *args, env=env)
    return done.returncode, done.stderr


def test_the_command_writes_a_valid_file_or_none(
    fresh_world: World, schema: lxml.etree.XMLSchema, tmp_path: Path
) -> None:
    ledger(fresh_world)
    target = tmp_path / "mexico.xml"
    code, stderr = cli(fresh_world, str(target), "--as", "mx.analyst", "--lang", "es")
    assert code == 0, stderr
    assert "6 actividades" in stderr
    document = lxml.etree.parse(str(target))
    schema.assertValid(document)
    assert "MX-9999" not in target.read_text("utf-8")
    narrowed = tmp_path / "fy2021.xml"
    code, stderr = cli(fresh_world, str(narrowed), "--as", "us.analyst", "--fiscal-year", "2021")
    assert code == 0, stderr
    schema.assertValid(lxml.etree.parse(str(narrowed)))
    empty = tmp_path / "none.xml"
    code, stderr = cli(fresh_world, str(empty), "--as", "mx.analyst", "--fiscal-year", "1990")
    assert code == 2 and "no programme" in stderr
    assert not empty.exists()
    code, stderr = cli(fresh_world, str(empty), "--as", "nobody")
    assert code == 2 and "unknown account nobody" in stderr
