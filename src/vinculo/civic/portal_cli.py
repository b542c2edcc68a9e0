"""`vinculo civic publish --as NAME`: build the transparency portal's document on the internal
node (the public tables of flagged items, civic/portal.py) and push it to the public site,
which keeps it in place of the last one, with the outcomes staff wrote of closed submissions
flagged public; an audited act of an account that may publish
aggregates. `--out FILE` writes the document instead of pushing it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from vinculo.i18n import N_, gettext
from vinculo.security.command_line import AsUser, Lang, run_as
from vinculo.security.markings import Actor

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def publish_command(
    as_user: AsUser,
    url: Annotated[
        str,
        typer.Option(
            envvar="VINCULO_CIVIC_URL",
            help="The public site (http://host:port).",
            show_default=False,
        ),
    ] = "",
    token: Annotated[
        str,
        typer.Option(
            envvar="VINCULO_CIVIC_PULL_TOKEN",
            help="The public site's VINCULO_PUBLIC_PULL_TOKEN.",
            show_default=False,
        ),
    ] = "",
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the document to this file (JSON) instead of pushing."),
    ] = None,
    lang: Lang = None,
) -> None:
    """Push the transparency portal's figures (flagged items only, small cells hidden) to the
    public site."""
    from vinculo.civic.client import IntakeError, push_portal
    from vinculo.civic.portal import build_document
    from vinculo.civic.service import public_outcomes
    from vinculo.errors import InvalidInput
    from vinculo.security.audit import record
    from vinculo.security.roles import Permission, require

    if out_file is None and not url:
        err.print("give --url or set VINCULO_CIVIC_URL: the public site to push to")
        raise typer.Exit(2)

    def work(session: Session, actor: Actor, locale: str) -> None:
        require(actor, Permission.PUBLISH_AGGREGATES)
        if out_file is None and len(token) < 32:
            raise InvalidInput(
                N_("the public site's pull token is missing or too short"), field="token"
            )
        document = build_document(
            session=session,
            today=datetime.now(UTC).date(),
            actor=actor,
            # What came of closed submissions flagged public, as staff wrote it: category and
            # month only, never the submission's id, words or place.
            outcomes=public_outcomes(session=session),
        )
        cells = sum(len(t.cells) for t in document.tables)
        if out_file is not None:
            out_file.write_text(document.model_dump_json(indent=2) + "\n", encoding="utf-8")
        else:
            try:
                push_portal(url=url, token=token, document=document)
            except (IntakeError, OSError) as error:
                err.print(str(error), soft_wrap=True)
                raise typer.Exit(1) from None
        record(
            session=session,
            actor=actor,
            action="write",
            kind="public_portal",
            target=str(out_file) if out_file is not None else url,
            detail={
                "cells": cells,
                "outcomes": len(document.outcomes),
                "iati": document.iati is not None,
            },
        )
        out.print(gettext(locale, N_("portal published: {value} cells"), value=cells))

    run_as(lang, as_user, work)
