"""Publishers racing on a new store: none may fail on the lock row the first one makes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from vinculo.db import transaction
from vinculo.exchange import partners
from vinculo.exchange import publish as publishing
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, make_store


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("attempt", range(3))
def test_publishers_racing_on_a_new_store_all_publish(
    backend: str, attempt: int, tmp_path: Path
) -> None:
    stores = make_store(
        backend, tmp_path, demo=True, partners=[PartnerConfig(name="mx", nation="MEX")]
    )
    store = next(stores)
    try:
        failures = _race(store)
    finally:
        stores.close()
    assert not failures, f"{backend}, attempt {attempt}: {failures[0]!r}"


def _race(store: Store, publishers: int = 4) -> list[BaseException]:
    """The server's publisher and `vinculo exchange publish` at once, on a store never
    published before."""
    with transaction(store.sessions) as session:
        partners.create_collection(
            session=session,
            settings=store.settings,
            alias="agreement",
            title_en="Agreement",
            title_es="Acuerdo",
            partners=["mx"],
        )
    start = threading.Barrier(publishers)
    failures: list[BaseException] = []

    def publish() -> None:
        start.wait()
        try:
            with transaction(store.sessions) as session:
                publishing.publish(session=session, settings=store.settings)
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=publish) for _ in range(publishers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
