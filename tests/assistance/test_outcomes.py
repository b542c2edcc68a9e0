"""Programme results and municipal indicators, on SQLite and PostgreSQL: imported from CSV or
YAML the whole file or nothing (a fault named by file, line and column), read under the one
policy, updated in place by a re-import; and the two import commands."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vinculo.assistance.importer import import_csv
from vinculo.assistance.models import Programme
from vinculo.assistance.outcome_models import MunicipalIndicator, ResultIndicator, ResultPeriod
from vinculo.assistance.outcomes import (
    import_municipal,
    import_results,
    municipal_indicators,
    programme_results,
)
from vinculo.db import transaction
from vinculo.errors import InvalidInput, NotFound
from vinculo.intel.schemas import MarkingsIn
from vinculo.security.audit import AuditRow

from command_line import run_vinculo
from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data"
LEDGER = DATA / "assistance" / "fagov_mexico_2024-06.csv"
RESULTS = DATA / "outcomes" / "results.csv"
RESULTS_YAML = DATA / "outcomes" / "results.yml"
MUNICIPAL = DATA / "outcomes" / "municipal.csv"
PUBLIC = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])


def ledger(world: World, markings: MarkingsIn = PUBLIC, text: str | None = None) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text or LEDGER.read_text("utf-8")),
            file_name="fa.csv",
            release="2024-06",
            markings_in=markings,
        )


def results(
    world: World,
    text: str,
    file_name: str = "results.csv",
    username: str = "us.analyst",
    markings: MarkingsIn | None = None,
) -> None:
    with transaction(world.store.sessions) as session:
        import_results(
            session=session,
            actor=world.actors[username],
            text=text,
            file_name=file_name,
            markings_in=markings,
        )


def programme_id(world: World, activity: str) -> str:
    with transaction(world.store.sessions) as session:
        return str(
            session.execute(
                select(Programme.id).where(Programme.key == f"foreignassistance.gov:{activity}")
            ).scalar_one()
        )


def count(world: World, table: type[object]) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_results_import_from_csv_and_yaml_and_read_back(fresh_world: World) -> None:
    ledger(fresh_world)
    results(fresh_world, RESULTS.read_text("utf-8"))
    results(fresh_world, RESULTS_YAML.read_text("utf-8"), "results.yml")
    judicial = programme_id(fresh_world, "19-INL-MX-0101")
    with transaction(fresh_world.store.sessions) as session:
        found = programme_results(
            session=session,
            actor=replace(fresh_world.actors["mx.analyst"], locale="es"),
            programme_id=judicial,
        )
    assert found.total == 2
    trials, detention = found.items
    assert trials.code == "trials-oral" and trials.measure == "unit" and trials.ascending
    # The reader's language first.
    assert trials.title == "Juicios penales celebrados en el sistema acusatorio oral"
    assert (trials.baseline_year, trials.baseline_value) == (2016, Decimal("1200"))
    assert (trials.target_year, trials.target_value) == (2020, Decimal("4000"))
    assert [(p.start.year, p.target, p.actual) for p in trials.periods] == [
        (2018, Decimal("2500"), Decimal("2300")),
        (2019, Decimal("3200"), Decimal("3350")),
        (2020, None, Decimal("4100")),
    ]
    assert trials.source == "INL Mexico performance plan 2020"
    assert trials.markings.tlp == "CLEAR"
    assert detention.measure == "percentage" and not detention.ascending
    assert detention.measure_label == "porcentaje"
    assert detention.periods[0].actual == Decimal("38.25")
    border = programme_id(fresh_world, "19-INL-MX-0102")
    with transaction(fresh_world.store.sessions) as session:
        scanners = programme_results(
            session=session, actor=fresh_world.actors["us.analyst"], programme_id=border
        ).items[0]
    assert scanners.title == "Cargo inspections with non-intrusive scanners"
    spans = [(p.start.isoformat(), p.end.isoformat(), p.actual) for p in scanners.periods]
    assert spans[-1] == ("2020-10-01", "2021-09-30", Decimal("88000"))
    assert len(spans) == 3


def test_a_re_import_updates_in_place(fresh_world: World) -> None:
    ledger(fresh_world)
    results(fresh_world, RESULTS.read_text("utf-8"))
    before = (count(fresh_world, ResultIndicator), count(fresh_world, ResultPeriod))
    assert before == (3, 6)
    revised = RESULTS.read_text("utf-8").replace(",2020,,4100,", ",2020,,4250,")
    results(fresh_world, revised)
    assert (count(fresh_world, ResultIndicator), count(fresh_world, ResultPeriod)) == before
    judicial = programme_id(fresh_world, "19-INL-MX-0101")
    with transaction(fresh_world.store.sessions) as session:
        trials = programme_results(
            session=session, actor=fresh_world.actors["us.analyst"], programme_id=judicial
        ).items[0]
        audited = session.execute(
            select(func.count()).where(AuditRow.kind == "results_import")
        ).scalar_one()
    assert trials.periods[-1].actual == Decimal("4250")
    assert audited == 2


def test_results_are_read_under_the_policy(fresh_world: World) -> None:
    ledger(fresh_world)
    hidden = LEDGER.read_text("utf-8").replace("19-INL-MX-0101", "19-INL-MX-9999")
    ledger(fresh_world, MarkingsIn(tlp="GREEN", rel_to=["USA"]), hidden)
    text = RESULTS.read_text("utf-8")
    results(fresh_world, text)
    results(fresh_world, text.replace("19-INL-MX-0101", "19-INL-MX-9999"))
    # A U.S.-only indicator on a public programme.
    header, *rows = text.splitlines(keepends=True)
    detention = [r for r in rows if "pretrial-detention" in r]
    results(
        fresh_world,
        "".join([header, *detention]).replace("pretrial-detention", "usa-only"),
        markings=MarkingsIn(tlp="GREEN", rel_to=["USA"]),
    )
    secret = programme_id(fresh_world, "19-INL-MX-9999")
    judicial = programme_id(fresh_world, "19-INL-MX-0101")
    mexican = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        with pytest.raises(NotFound) as hidden_one:
            programme_results(session=session, actor=mexican, programme_id=secret)
        with pytest.raises(NotFound) as missing:
            programme_results(session=session, actor=mexican, programme_id="0123456789abcdef")
        assert hidden_one.value.render("es") == missing.value.render("es")
        public = programme_results(session=session, actor=mexican, programme_id=judicial)
        american = programme_results(
            session=session, actor=fresh_world.actors["us.analyst"], programme_id=judicial
        )
    assert [i.code for i in public.items] == ["trials-oral", "pretrial-detention"]
    assert public.total == 2
    assert [i.code for i in american.items] == ["trials-oral", "pretrial-detention", "usa-only"]
    # A programme the importer may not see is as unknown to it as one that does not exist.
    with pytest.raises(InvalidInput) as refused:
        results(
            fresh_world, text.replace("19-INL-MX-0101", "19-INL-MX-9999"), "mx.csv", "mx.analyst"
        )
    assert refused.value.render("en") == (
        "file mx.csv, line 2, field programme: unknown programme 19-INL-MX-9999"
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "message"),
    [
        (",2019,,38.25,", ",2019,,treinta,", 5, "actual", "cannot read the number treinta"),
        (",percentage,no,", ",percentage,quizá,", 5, "ascending", "write yes or no, not quizá"),
        (
            "trials-oral,,,,,,,,,2019,3200",
            "trials-oral,,,,,,,,,2018,3200",
            3,
            "period",
            "the period 2018 is given twice (line 2)",
        ),
        (
            "trials-oral,,,,,,,,,2019",
            "trials-oral,,,,,2015,,,,2019",
            3,
            "baseline_year",
            "differs from line 2 of the same indicator",
        ),
        ("AID-523-A-20-00001,youth", "AID-999,youth", 6, "programme", "unknown programme AID-999"),
        (",unit,yes,2019,0,", ",units,yes,2019,0,", 6, "measure", "unknown measure units"),
    ],
)
def test_a_bad_results_file_names_line_and_column_and_stores_nothing(
    fresh_world: World, old: str, new: str, line: int, column: str, message: str
) -> None:
    ledger(fresh_world)
    text = RESULTS.read_text("utf-8")
    assert old in text
    with pytest.raises(InvalidInput) as refused:
        results(fresh_world, text.replace(old, new, 1))
    assert (refused.value.file, refused.value.line, refused.value.field) == (
        "results.csv",
        line,
        column,
    )
    assert message in refused.value.render("en")
    assert count(fresh_world, ResultIndicator) == 0


def test_a_bad_yaml_results_file_names_its_line(fresh_world: World) -> None:
    ledger(fresh_world)
    text = RESULTS_YAML.read_text("utf-8").replace("actual: 74500", "actual: mucho")
    with pytest.raises(InvalidInput) as refused:
        results(fresh_world, text, "results.yml")
    assert (refused.value.line, refused.value.field) == (13, "periods[1].actual")
    text = RESULTS_YAML.read_text("utf-8").replace("  measure: unit\n", "  measura: unit\n")
    with pytest.raises(InvalidInput) as unknown:
        results(fresh_world, text, "results.yml")
    assert "unknown field measura" in unknown.value.render("en")
    assert count(fresh_world, ResultIndicator) == 0


def test_municipal_indicators_import_and_filter(fresh_world: World) -> None:
    with transaction(fresh_world.store.sessions) as session:
        summary = import_municipal(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            text=MUNICIPAL.read_text("utf-8"),
            file_name="municipal.csv",
        )
    assert (summary.rows, summary.added) == (7, 7)
    with transaction(fresh_world.store.sessions) as session:
        # Public data: any reader sees all of it, a Guatemalan as a U.S. one.
        for username in ("us.analyst", "mx.analyst", "gt.analyst"):
            if username not in fresh_world.actors:
                continue
            everything = municipal_indicators(session=session, actor=fresh_world.actors[username])
            assert everything.total == 7
        juarez = municipal_indicators(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            municipality="08037",
            code="homicide_rate",
        )
        by_state = municipal_indicators(
            session=session,
            actor=replace(fresh_world.actors["mx.analyst"], locale="es"),
            state="02",
        )
        named = municipal_indicators(
            session=session, actor=fresh_world.actors["mx.analyst"], state="Sonora"
        )
    assert [(v.year, v.value) for v in juarez.items] == [
        (2019, Decimal("103.9000")),
        (2023, Decimal("73.1000")),
    ]
    assert juarez.items[0].label == "Intentional homicides per 100,000 inhabitants"
    assert juarez.items[0].source == "INEGI, Defunciones por homicidio 2019"
    assert by_state.total == 2 and {v.municipality for v in by_state.items} == {"02004"}
    assert by_state.items[0].label.startswith("Homicidios dolosos")
    assert [v.municipality for v in named.items] == ["26043"]
    # A revised file updates the values it matches.
    with transaction(fresh_world.store.sessions) as session:
        again = import_municipal(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            text=MUNICIPAL.read_text("utf-8").replace("73.1", "72.8"),
            file_name="municipal.csv",
        )
    assert (again.added, again.updated) == (0, 7)
    assert count(fresh_world, MunicipalIndicator) == 7


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "message"),
    [
        (
            "08037,Chihuahua,school_enrolment,2019",
            "8037,Chihuahua,school_enrolment,2019",
            6,
            "municipality",
            "five digits",
        ),
        ("school_enrolment,2023", "literacy,2023", 7, "indicator", "unknown indicator literacy"),
        (
            "26043,Sonora,homicide_rate,2023,38.2",
            "26043,Sonora,homicide_rate,2023,n/d",
            8,
            "value",
            "cannot read the number n/d",
        ),
        ('38.2,"INEGI, Defunciones por homicidio 2023"', "38.2,", 8, "source", "name the source"),
        ("26043,Sonora", "26043,08", 8, "state", "is not that of municipality 26043"),
    ],
)
def test_a_bad_municipal_file_names_line_and_column_and_stores_nothing(
    fresh_world: World, old: str, new: str, line: int, column: str, message: str
) -> None:
    text = MUNICIPAL.read_text("utf-8")
    assert old in text
    with pytest.raises(InvalidInput) as refused, transaction(fresh_world.store.sessions) as s:
        import_municipal(
            session=s,
            actor=fresh_world.actors["mx.analyst"],
            text=text.replace(old, new, 1),
            file_name="municipal.csv",
        )
    assert (refused.value.line, refused.value.field) == (line, column)
    assert message in refused.value.render("en")
    assert count(fresh_world, MunicipalIndicator) == 0


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("assistance", *args, env=env)


def test_the_import_commands(fresh_world: World, tmp_path: Path) -> None:
    ledger(fresh_world)
    done = cli(fresh_world, "results", "import", str(RESULTS), "--as", "us.analyst")
    assert done.returncode == 0, done.stderr
    assert "3 indicators (3 added, 0 updated), 6 periods" in done.stderr
    bad = tmp_path / "malos.csv"
    bad.write_text(MUNICIPAL.read_text("utf-8").replace("105.3", "mucho"), "utf-8")
    refused = cli(
        fresh_world, "indicators", "import", str(bad), "--as", "mx.analyst", "--lang", "es"
    )
    assert refused.returncode == 2
    assert "línea 3" in refused.stderr and "value" in refused.stderr
    assert count(fresh_world, MunicipalIndicator) == 0
    stored = cli(fresh_world, "indicators", "import", str(MUNICIPAL), "--as", "mx.analyst")
    assert stored.returncode == 0, stored.stderr
    assert "7 values (7 added, 0 updated)" in stored.stderr
    nobody = cli(fresh_world, "results", "import", str(RESULTS_YAML), "--as", "nobody")
    assert nobody.returncode == 2 and "unknown account nobody" in nobody.stderr
