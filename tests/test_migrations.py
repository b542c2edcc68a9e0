"""The schema history is one line, and the models match what the migrations build."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from followthemoney.statement import Statement
from sqlalchemy import Connection, Engine, text

from vinculo.db import make_sessionmaker, transaction
from vinculo.intel.ftm import statement_key
from vinculo.intel.service import store_entities
from vinculo.migrations.runner import alembic_config, upgrade
from vinculo.migrations.target import include_object, metadata
from vinculo.security.markings import Markings
from vinculo.security.models import MarkingRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import BACKENDS, Store, store_at


def test_there_is_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_models_match_the_migrated_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, metadata)
    assert differences == []


# --- 0010: statement ids keyed by markings, on a store the release before it made ----------

RELEASE = "0009"  # the newest revision before statement ids held the markings


DEA_USA = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA"])
FGR_BOTH = Markings.create(tlp="GREEN", originator="FGR", rel_to=["USA", "MEX"])
# (dataset, entity, prop, value, marking id) as the release stored them.
OLD_ROWS = [
    ("wiretap", "per-1", "id", "per-1", 1),
    ("wiretap", "per-1", "name", "Aurelio Campos", 1),
    ("via:mx-node:report:ab12", "per-2", "id", "per-2", 2),
    ("via:mx-node:report:ab12", "per-2", "name", "Rita Soto", 2),
]


def _fill_release_store(connection: Connection) -> None:
    """Rows as the release wrote them: ids from followthemoney's key without markings."""
    seen = datetime(2026, 11, 1, 12, 0)
    for marking_id, m in [(1, DEA_USA), (2, FGR_BOTH)]:
        row = MarkingRow.from_markings(m)
        connection.execute(
            text(
                "INSERT INTO markings (id, signature, tlp, originator, rel_to, orcon, groups, "
                "recipients, shared_with) VALUES (:id, :signature, :tlp, :originator, :rel_to, "
                ":orcon, :groups, :recipients, :shared_with)"
            ),
            {
                "id": marking_id,
                "signature": row.signature,
                "tlp": row.tlp,
                "originator": row.originator,
                "rel_to": row.rel_to,
                "orcon": bool(row.orcon),
                "groups": row.groups or "",
                "recipients": row.recipients or "",
                "shared_with": row.shared_with or "",
            },
        )
    for entity_id in ("per-1", "per-2"):
        connection.execute(
            text("INSERT INTO entities (id, schema, created_at) VALUES (:id, 'Person', :at)"),
            {"id": entity_id, "at": seen},
        )
    for dataset, entity_id, prop, value, marking_id in OLD_ROWS:
        connection.execute(
            text(
                "INSERT INTO statements (id, entity_id, canonical_id, schema, prop, prop_type, "
                "value, dataset, marking_id, norm, first_seen, last_seen) VALUES (:id, :e, :e, "
                "'Person', :prop, :type, :value, :dataset, :m, :norm, :seen, :seen)"
            ),
            {
                "id": Statement.make_key(dataset, entity_id, prop, value, False),
                "e": entity_id,
                "prop": prop,
                "type": "id" if prop == "id" else "name",
                "value": value,
                "dataset": dataset,
                "m": marking_id,
                "norm": None if prop == "id" else value.lower(),
                "seen": seen,
            },
        )
    received = [Statement.make_key(*r[:4], False) for r in OLD_ROWS[2:]] + ["gone-since"]
    connection.execute(
        text(
            "INSERT INTO exchange_received (stix_id, partner, collection_id, stix_type, modified, "
            "origin_node, origin_agency, item_key, markings_received, marking_ids, "
            "statement_ids, revoked, received_at, payload) VALUES ('identity--1', 'mx-node', "
            "'c1', 'identity', '2026-11-01T12:00:00.000Z', 'mx-node', 'FGR', 'entity:per-2', "
            "'[]', '2', :ids, :no, :seen, '{}')"
        ),
        {"ids": json.dumps(received), "no": False, "seen": seen},
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_statement_ids_follow_the_markings_on_a_release_store(backend: str, tmp_path: Path) -> None:
    signatures = {1: DEA_USA.signature(), 2: FGR_BOTH.signature()}
    with store_at(backend, tmp_path, RELEASE) as engine:
        with engine.begin() as connection:
            _fill_release_store(connection)
        upgrade(engine)
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT id, dataset, entity_id, prop, value, marking_id FROM statements")
            ).all()
            received = connection.execute(text("SELECT statement_ids FROM exchange_received"))
            received_ids = json.loads(received.scalar_one())
        expected = {
            statement_key(d, e, p, v, signatures[m]): (d, e, p, v) for d, e, p, v, m in OLD_ROWS
        }
        assert {row.id: tuple(row)[1:5] for row in stored} == expected
        mx = [statement_key(*r[:4], signatures[2]) for r in OLD_ROWS[2:]]
        assert received_ids == [*mx, "gone-since"]

        # The store keeps working: the same fact under the same markings is the same row,
        # and under other markings another one.
        sessions = make_sessionmaker(engine)
        with transaction(sessions) as session:
            user_in = UserCreate(username="us.analyst", password="demo", agency="DEA")
            actor = actor_for(create_user(session=session, user_in=user_in, demo_password=True))
            person = [("name", "name", "Aurelio Campos", None)]
            for marking_id in (1, 2):
                store_entities(
                    session=session,
                    actor=actor,
                    entities=[("per-1", "Person", person)],
                    source="wiretap",
                    marking_id=marking_id,
                    report_id=None,
                )
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM statements")).scalar_one()
        assert count == len(OLD_ROWS) + 2  # the FGR id and name statements of per-1

        # Back down while no fact is stored twice: refused, and nothing changed.
        with pytest.raises(RuntimeError, match="keep revision 0010"):
            downgrade(engine, "0009")


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
