"""The pool of PostgreSQL test stores (conftest.make_store): a schema is emptied and handed
to the next store while its shape is a newly migrated one's, and dropped once it is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import conftest
from conftest import POSTGRES_URL, make_store

POSTGRES = [b for b in conftest.BACKENDS if b == "postgresql"]


def _schema_of(url: str) -> str:
    return url.split("search_path%3D", 1)[1].split("%20", 1)[0]


def _shape(schema: str) -> str:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            return conftest._shape(connection, schema)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", POSTGRES)
def test_two_stores_open_at_once_have_one_shape_and_both_go_back_to_the_pool(
    backend: str, tmp_path: Path
) -> None:
    first, second = make_store(backend, tmp_path / "a"), make_store(backend, tmp_path / "b")
    a, b = next(first), next(second)
    names = _schema_of(a.settings.database_url), _schema_of(b.settings.database_url)
    assert names[0] != names[1]
    # Their foreign keys' internal triggers are named by object ids, which differ.
    assert _shape(names[0]) == _shape(names[1]) == conftest._SHAPE[0]
    first.close()
    second.close()
    assert set(names) <= set(conftest._EMPTY_SCHEMAS)


@pytest.mark.parametrize("backend", POSTGRES)
def test_a_store_whose_audit_trigger_was_dropped_is_not_handed_on(
    backend: str, tmp_path: Path
) -> None:
    stores = make_store(backend, tmp_path)
    store = next(stores)
    schema = _schema_of(store.settings.database_url)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    assert _shape(schema) != conftest._SHAPE[0]
    stores.close()
    assert schema not in conftest._EMPTY_SCHEMAS
