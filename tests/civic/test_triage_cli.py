"""`vinculo civic pull` on both backends: a missing setting named in the user's language, and
a pull from a real public process that stores what waits and empties the public store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from public_site import TOKEN, PublicSite, start_site
from sqlalchemy import func, select
from test_public_intake import submit
from test_triage_pull import pending

from vinculo.civic import crypto
from vinculo.civic.models import CivicSubmission

from command_line import run_vinculo
from conftest import Store


@pytest.fixture(scope="module")
def cli_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public-cli"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
    )


def test_civic_pull(store: Store, cli_site: PublicSite, tmp_path: Path) -> None:
    env = {
        "VINCULO_DATABASE_URL": store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(tmp_path),
        "VINCULO_DEFAULT_LOCALE": "es",
    }
    refused = run_vinculo("civic", "pull", env=env)
    assert refused.returncode == 1
    assert "VINCULO_CIVIC_URL" in refused.stderr and "no está configurado" in refused.stderr
    crypto.write_private_key(
        tmp_path / "civic" / "submission.key", crypto.encode(bytes(cli_site.key))
    )
    for n in range(3):
        assert submit(cli_site, what=f"Relato número {n} desde la línea de comandos.")[0] == 200
    env |= {
        "VINCULO_CIVIC_URL": cli_site.url,
        "VINCULO_CIVIC_PULL_TOKEN": TOKEN,
        "VINCULO_CIVIC_AGENCY": "FGR",
    }
    done = run_vinculo("civic", "pull", env=env)
    assert done.returncode == 0, done.stderr
    assert "stored 3 new" in done.stdout
    assert pending(cli_site) == 0
    with store.sessions() as session:
        count = session.execute(select(func.count()).select_from(CivicSubmission)).scalar_one()
    assert count == 3
    again = run_vinculo("civic", "pull", env=env)
    assert "opened 0, stored 0 new" in again.stdout
