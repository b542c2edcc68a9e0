"""One folding rule for search and identity resolution (vinculo.text.fold).

Search stores folded text and folds what it is asked; resolution folds every name it compares.
They used to disagree ("O'Brien" was "o brien" to search, "obrien" to resolution), so a name
one found was not the name the other compared. Migration 0015 refolds what search stored.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import normality
import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import make_sessionmaker, transaction
from vinculo.intel.backends import query_tokens
from vinculo.intel.ftm import statement_rows
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.search import find
from vinculo.intel.service import create_report
from vinculo.migrations.runner import alembic_config, upgrade
from vinculo.resolve.names import parse_name
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.text import fold

from conftest import BACKENDS, Store, store_at

BEFORE_REFOLD = "0014"  # the newest revision whose search text the old rule folded


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),  # a typeset apostrophe
        ("OBrien", "obrien"),
        ("D'Angelo", "dangelo"),
        ("García-López", "garcia lopez"),
        ("  Ñúñez   de la Cruz ", "nunez de la cruz"),
        ("Søren Ørsted", "soren orsted"),
        ("Straße", "strasse"),
        ("Москва", "moskva"),
        ("US$ 5,000", "us 5 000"),
        ("", ""),
        (None, ""),
    ],
)
def test_the_rule(written: str | None, folded: str) -> None:
    assert fold(written) == folded


@given(st.text(max_size=60))
def test_search_stores_and_asks_with_the_fold_resolution_compares(value: str) -> None:
    """What search stores for a name, and the words it looks for, are resolution's fold."""
    row = list(
        statement_rows(
            entity_id="per-1",
            schema="Person",
            values=[("name", "name", value, None)],
            source="test",
            marking_id=1,
            markings="",
            report_id=None,
            seen=datetime(2026, 12, 1),
        )
    )[-1]
    assert row["norm"] == fold(value)
    assert query_tokens(value) == fold(value).split()[:12]


def _signed_in(sessions: sessionmaker[Session]) -> Actor:
    with transaction(sessions) as session:
        user_in = UserCreate(username="us.analyst", password="demo", agency="DEA")
        return actor_for(create_user(session=session, user_in=user_in, demo_password=True))


def _file_obrien(sessions: sessionmaker[Session], actor: Actor) -> str:
    """A report on Seán O'Brien, the apostrophe typed in one place and typeset in another."""
    report_in = ReportCreate(
        title_en="Payments to O'Brien",
        body_en="Transfers from a shell company to Seán O’Brien.",
        reliability="B",
        credibility=2,
        predicate="drug_trafficking",
        suspicion="Subjects are linked to fentanyl trafficking by payments.",
        attest_no_protected_views=True,
        review_by=date(2027, 6, 1),
        markings=MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        entities=[
            EntityIn.model_validate(
                {"id": "per-obrien", "schema": "Person", "properties": {"name": ["Seán O'Brien"]}}
            )
        ],
    )
    with transaction(sessions) as session:
        return create_report(session=session, actor=actor, report_in=report_in).id


def _found(sessions: sessionmaker[Session], actor: Actor, q: str) -> set[str]:
    with transaction(sessions) as session:
        return {hit.id for hit in find(session=session, actor=actor, q=q).items}


def test_a_name_search_finds_is_the_name_resolution_compares(store: Store) -> None:
    actor = _signed_in(store.sessions)
    report_id = _file_obrien(store.sessions, actor)
    surname = parse_name("Seán O'Brien").paternal
    assert surname == "obrien"
    for asked in ("OBrien", "o'brien", "O’Brien", surname):
        assert _found(store.sessions, actor, asked) == {report_id, "per-obrien"}, asked


def _fold_as_before(value: str) -> str:
    """The rule search folded with before 0015."""
    return normality.normalize(value, lowercase=True, ascii=True) or ""


def _unfold(engine: Engine) -> None:
    """Make the stored search text what the old rule wrote, its index too."""
    with engine.begin() as connection:
        for seq, value in connection.execute(
            text("SELECT seq, value FROM statements WHERE norm IS NOT NULL")
        ).all():
            connection.execute(
                text("UPDATE statements SET norm = :norm WHERE seq = :seq"),
                {"norm": _fold_as_before(value), "seq": seq},
            )
        for seq, *texts in connection.execute(
            text("SELECT seq, title_en, title_es, body_en, body_es FROM reports")
        ).all():
            connection.execute(
                text("UPDATE reports SET search_text = :folded WHERE seq = :seq"),
                {"folded": _fold_as_before(" ".join(texts)), "seq": seq},
            )
        if engine.dialect.name == "sqlite":
            connection.execute(text("INSERT INTO statement_fts(statement_fts) VALUES ('rebuild')"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_refolds_what_search_stored(backend: str, tmp_path: Path) -> None:
    # Filed through today's services (which need today's tables), then taken back to the
    # revision before the refold, its search text as the old rule wrote it.
    with store_at(backend, tmp_path, "head") as engine:
        sessions = make_sessionmaker(engine)
        actor = _signed_in(sessions)
        report_id = _file_obrien(sessions, actor)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, BEFORE_REFOLD)
        _unfold(engine)
        # As an older store had it: the name with its apostrophe dropped is not found.
        assert _found(sessions, actor, "OBrien") == set()
        assert _found(sessions, actor, "o brien") == {report_id, "per-obrien"}

        upgrade(engine)

        assert _found(sessions, actor, "OBrien") == {report_id, "per-obrien"}
        assert _found(sessions, actor, "O'Brien") == {report_id, "per-obrien"}
        with engine.connect() as connection:
            norms = connection.execute(
                text("SELECT norm FROM statements WHERE entity_id = 'per-obrien' AND prop = 'name'")
            ).scalars()
            assert list(norms) == ["sean obrien"]

        # Down again: the text as the old rule folded it, found as it was.
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, BEFORE_REFOLD)
        assert _found(sessions, actor, "OBrien") == set()
        assert _found(sessions, actor, "o brien") == {report_id, "per-obrien"}
