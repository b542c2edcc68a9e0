"""`vinculo assistance results import FILE` and `vinculo assistance indicators import FILE`:
programme results (CSV or YAML) and municipal indicators (CSV), each the whole file or
nothing, as one account (`--as NAME`), held to that account's roles and markings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.security.command_line import AsUser, Lang, console, run_as
from vinculo.security.markings import Actor

results_app = typer.Typer(
    help="A programme's results: indicators with baselines, targets and actuals.",
    no_args_is_help=True,
)
indicators_app = typer.Typer(
    help="Municipal indicators (homicides per 100,000, school enrolment …) from public files.",
    no_args_is_help=True,
)
File = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _text(file: Path) -> str:
    try:
        return file.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(N_("the file is not UTF-8 text"), file=str(file)) from None


@results_app.command("import")
def results_import(
    file: File,
    as_user: AsUser,
    release: Annotated[str, typer.Option(help="The release the file is; default: its name.")] = "",
    tlp: Annotated[str, typer.Option(help="TLP level of every indicator.")] = "CLEAR",
    rel_to: Annotated[str, typer.Option(help="Nations, comma-separated.")] = "USA,MEX",
    group: Annotated[list[str] | None, typer.Option(help="Need-to-know group.")] = None,
    recipient: Annotated[list[str] | None, typer.Option(help="TLP:RED recipient.")] = None,
    lang: Lang = None,
) -> None:
    """Import programme results from CSV (one row a period) or YAML (docs/data-model.md
    gives both shapes): every indicator, or nothing and the first fault named."""
    from vinculo.assistance.outcomes import import_results
    from vinculo.intel.schemas import MarkingsIn

    markings_in = MarkingsIn(
        tlp=tlp,
        rel_to=[n for n in rel_to.split(",") if n.strip()],
        groups=group or [],
        recipients=recipient or [],
    )

    def work(session: Session, actor: Actor, locale: str) -> None:
        summary = import_results(
            session=session,
            actor=actor,
            text=_text(file),
            file_name=str(file),
            release=release or file.stem,
            markings_in=markings_in,
        )
        console(stderr=True).print(
            gettext(
                locale,
                N_("{indicators} indicators ({added} added, {updated} updated), {periods} periods"),
                indicators=summary.indicators,
                added=summary.added,
                updated=summary.updated,
                periods=summary.periods,
            ),
            soft_wrap=True,
        )

    run_as(lang, as_user, work)


@indicators_app.command("import")
def indicators_import(file: File, as_user: AsUser, lang: Lang = None) -> None:
    """Import a municipal indicators CSV (municipality, state, indicator, year, value,
    source), public data: every row, or nothing and the first fault named."""
    from vinculo.assistance.outcomes import import_municipal

    def work(session: Session, actor: Actor, locale: str) -> None:
        summary = import_municipal(
            session=session, actor=actor, text=_text(file), file_name=str(file)
        )
        console(stderr=True).print(
            gettext(
                locale,
                N_("{rows} values ({added} added, {updated} updated)"),
                rows=summary.rows,
                added=summary.added,
                updated=summary.updated,
            ),
            soft_wrap=True,
        )

    run_as(lang, as_user, work)
