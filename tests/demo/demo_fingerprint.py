"""Fingerprints of the demo: of the scenario as built, and of a store seeded with it.

Run `python tests/demo/demo_fingerprint.py` to print both. The scenario's
fingerprint is a pure function of the seed and is pinned by test_fingerprint.py; the store's
leaves out what differs on every seeding (row ids that are random, moments of filing, password
hashes, the audit chain) and what moves with the calendar (review-by dates are shifted to lie
ahead of today), so it only compares two seedings made on the same day.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from vinculo.demo.scenario import Scenario, build_scenario

# Columns whose values change from one seeding to the next (found by seeding twice).
VOLATILE_SUFFIXES = ("_at", "_hash", "token", "salt", "nonce")
VOLATILE_TABLES = {"audit_log", "audit_head", "alembic_version"}


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON-ready data, in its own order."""
    return {
        "groups": [vars(group) for group in scenario.groups],
        "users": [vars(user) for user in scenario.users],
        "reports": [
            {"author": item.author, "report": item.report.model_dump(mode="json")}
            for item in scenario.reports
        ],
        "duplicates": scenario.duplicates,
    }


def digest(document: object) -> str:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_fingerprint(seed: int = 2026) -> tuple[str, dict[str, int]]:
    scenario = build_scenario(seed)
    counts = {
        "groups": len(scenario.groups),
        "users": len(scenario.users),
        "reports": len(scenario.reports),
        "entities": sum(len(item.report.entities) for item in scenario.reports),
        "duplicates": len(scenario.duplicates),
    }
    return digest(scenario_document(scenario)), counts


def _stable_rows(
    engine: Engine,
    table_name: str,
    volatile: set[str],
    rename: dict[str, str],
) -> list[str]:
    """The rows without their volatile columns, random report ids replaced by stable names."""
    metadata = MetaData()
    metadata.reflect(engine, only=[table_name])
    table = metadata.tables[table_name]
    columns = [c for c in table.columns if c.name not in volatile]
    pattern = re.compile("|".join(map(re.escape, rename))) if rename else None
    with engine.connect() as connection:
        rows = connection.execute(select(*columns)).all()

    def stable(value: object) -> str:
        text = str(value)
        return pattern.sub(lambda found: rename[found.group(0)], text) if pattern else text

    return sorted(json.dumps([stable(value) for value in row], ensure_ascii=False) for row in rows)


def _report_names(engine: Engine, volatile: set[str]) -> dict[str, str]:
    """Each report's random id mapped to a digest of its stable columns."""
    metadata = MetaData()
    metadata.reflect(engine, only=["reports"])
    table = metadata.tables["reports"]
    columns = [c for c in table.columns if c.name not in volatile]
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.id, *columns)).all()
    return {str(row[0]): "report:" + digest([str(v) for v in row[1:]])[:16] for row in rows}


def store_fingerprint(
    engine: Engine, tables: Iterable[str], volatile: dict[str, set[str]]
) -> tuple[str, dict[str, int]]:
    rename = _report_names(engine, volatile.get("reports", set()) | {"id"})
    document = {
        name: _stable_rows(engine, name, volatile.get(name, set()), rename) for name in tables
    }
    return digest(document), {name: len(rows) for name, rows in document.items()}


def _seed_into(directory: Path) -> Engine:
    from vinculo.db import make_engine, make_sessionmaker
    from vinculo.demo.seed import seed_demo
    from vinculo.migrations.runner import upgrade
    from vinculo.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{directory / 'vinculo.db'}",
        data_dir=directory,
        secret_key="fingerprint-secret",
    )
    engine = make_engine(settings)
    upgrade(engine, "heads")
    seed_demo(sessions=make_sessionmaker(engine))
    return engine


def _volatile_columns(first: Engine, second: Engine, tables: list[str]) -> dict[str, set[str]]:
    """The columns whose values differ between two seedings even with report ids renamed
    (ids drawn at random or derived from them, clocks)."""
    renames = [_report_names(engine, {"id", "created_at"}) for engine in (first, second)]
    volatile: dict[str, set[str]] = {}
    for name in tables:
        metadata = MetaData()
        metadata.reflect(first, only=[name])
        for column in metadata.tables[name].columns:
            if column.name.endswith(VOLATILE_SUFFIXES):
                volatile.setdefault(name, set()).add(column.name)
                continue
            others = {c.name for c in metadata.tables[name].columns} - {column.name}
            values = [
                _stable_rows(engine, name, others, rename)
                for engine, rename in zip((first, second), renames, strict=True)
            ]
            if values[0] != values[1]:
                volatile.setdefault(name, set()).add(column.name)
    return volatile


def main() -> None:
    seed_digest, seed_counts = scenario_fingerprint()
    print(f"scenario {seed_digest} {json.dumps(seed_counts, sort_keys=True)}")
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        first, second = _seed_into(Path(one)), _seed_into(Path(two))
        metadata = MetaData()
        metadata.reflect(first)
        with first.connect() as connection:
            tables = [
                name
                for name, table in sorted(metadata.tables.items())
                if name not in VOLATILE_TABLES
                and connection.execute(select(table).limit(1)).first() is not None
            ]
        volatile = _volatile_columns(first, second, tables)
        store_digest, store_counts = store_fingerprint(first, tables, volatile)
        again, _ = store_fingerprint(second, tables, volatile)
        assert again == store_digest, "the store fingerprint differs between two seedings"
        print(f"store {store_digest} {json.dumps(store_counts, sort_keys=True)}")
        print(f"volatile {json.dumps({k: sorted(v) for k, v in volatile.items()}, sort_keys=True)}")
        first.dispose()
        second.dispose()


if __name__ == "__main__":
    main()
