"""`vinculo civic keys`: the internal node's key pair for the public intake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vinculo.civic import crypto
from vinculo.civic.portal_cli import publish_command

app = typer.Typer(
    help="The civic channel: the public intake's keys, pulling submissions.", no_args_is_help=True
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
app.command("publish")(publish_command)


def key_path(data_dir: Path) -> Path:
    """Where the internal node keeps the private key submissions are sealed to."""
    return data_dir / "civic" / "submission.key"


@app.command("keys")
def keys(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="The internal node's data directory; VINCULO_DATA_DIR by default."),
    ] = None,
) -> None:
    """Make the key pair submissions are sealed to: the private key stays in the internal
    node's data directory (0600); the public key printed goes into the public site's
    VINCULO_PUBLIC_SUBMISSION_KEY."""
    from vinculo.settings import Settings

    path = key_path(data_dir if data_dir is not None else Settings().data_dir)
    if path.exists():
        public = crypto.encode(bytes(crypto.read_private_key(path).public_key))
        err.print(f"{path} exists already; its public key:")
        out.print(public)
        return
    private, public = crypto.new_key_pair()
    crypto.write_private_key(path, private)
    err.print(f"private key written to {path} (mode 0600); keep it on this node only.")
    err.print("set this on the public site as VINCULO_PUBLIC_SUBMISSION_KEY:")
    out.print(public)


@app.command("pull")
def pull() -> None:
    """Pull the submissions waiting on the public site (VINCULO_CIVIC_URL), open them with the
    private key, store them for triage and only then acknowledge them."""
    from vinculo.civic import service
    from vinculo.civic.client import IntakeError
    from vinculo.db import make_engine, make_sessionmaker
    from vinculo.errors import InvalidInput
    from vinculo.settings import Settings

    settings = Settings()
    engine = make_engine(settings)
    try:
        result = service.pull_all(sessions=make_sessionmaker(engine), settings=settings)
    except InvalidInput as error:
        err.print(error.render(settings.default_locale))
        raise typer.Exit(1) from None
    except (IntakeError, OSError) as error:
        err.print(str(error))
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    out.print(
        f"opened {result.opened}, stored {result.stored} new, acknowledged {result.acknowledged}"
    )
