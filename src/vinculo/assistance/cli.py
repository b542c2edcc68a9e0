"""`vinculo assistance …`: import a ForeignAssistance.gov CSV into the ledger as one account
(`--as NAME`), held to that account's roles and markings like the API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from vinculo.assistance.disbursement_cli import disburse_command
from vinculo.assistance.importer import DEFAULT_REL_TO, DEFAULT_TLP
from vinculo.assistance.outcomes_cli import indicators_app, results_app
from vinculo.assistance.public_cli import public_tables_command, publish_command
from vinculo.assistance.training_cli import equipment_app, training_app
from vinculo.errors import NotFound, VinculoError
from vinculo.i18n import LOCALES, N_, gettext
from vinculo.security.command_line import console
from vinculo.settings import Settings

app = typer.Typer(
    help=(
        "Security assistance: import ForeignAssistance.gov data, programme results and "
        "municipal indicators; export IATI activity XML."
    ),
    no_args_is_help=True,
)
app.add_typer(results_app, name="results")
app.add_typer(indicators_app, name="indicators")
app.add_typer(training_app, name="training")
app.add_typer(equipment_app, name="equipment")
app.command("disburse")(disburse_command)
app.command("publish")(publish_command)
app.command("public-tables")(public_tables_command)

AsUser = Annotated[str, typer.Option("--as", "--user", help="Act as this account.")]
Lang = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: en or es (default: setting).")
]


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: AsUser,
    release: Annotated[
        str, typer.Option(help="The release the file is, e.g. 2024-09; default: its name.")
    ] = "",
    skip_bad: Annotated[
        bool, typer.Option(help="Store the good rows; write the bad ones to a rejects file.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="Where bad rows go (default: FILE.rejects.csv).")
    ] = None,
    country: Annotated[str, typer.Option(help="The rows of this country are stored.")] = "Mexico",
    tlp: Annotated[str, typer.Option(help="TLP level of every row.")] = DEFAULT_TLP,
    rel_to: Annotated[str, typer.Option(help="Nations, comma-separated.")] = ",".join(
        DEFAULT_REL_TO
    ),
    group: Annotated[list[str] | None, typer.Option(help="Need-to-know group.")] = None,
    recipient: Annotated[list[str] | None, typer.Option(help="TLP:RED recipient.")] = None,
    lang: Lang = None,
) -> None:
    """Import a ForeignAssistance.gov complete-dataset CSV: the whole file or nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vinculo.assistance.importer import import_csv
    from vinculo.db import make_engine, make_sessionmaker, transaction
    from vinculo.intel.schemas import MarkingsIn
    from vinculo.security.service import actor_for, get_by_username

    settings = Settings()
    chosen = lang or settings.default_locale
    locale = chosen if chosen in LOCALES else "en"
    reject_path = rejects or file.with_name(file.name + ".rejects.csv")
    markings_in = MarkingsIn(
        tlp=tlp,
        rel_to=[n for n in rel_to.split(",") if n.strip()],
        groups=group or [],
        recipients=recipient or [],
    )
    engine = make_engine(settings)
    started = time.perf_counter()
    try:
        with (
            transaction(make_sessionmaker(engine)) as session,
            file.open(encoding="utf-8-sig", newline="") as handle,
            reject_path.open("w", encoding="utf-8", newline="") as reject_file,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console(stderr=True),
                transient=True,
            ) as progress,
        ):
            user = get_by_username(session=session, username=as_user)
            if user is None:
                raise NotFound(N_("unknown account {value}"), value=as_user)
            task = progress.add_task(file.name, total=None)
            summary = import_csv(
                session=session,
                actor=actor_for(user),
                handle=handle,
                file_name=str(file),
                release=release or file.stem,
                markings_in=markings_in,
                country=country,
                skip_bad=skip_bad,
                rejects=reject_file,
                locale=locale,
                progress=lambda n: progress.advance(task, n),
            )
    except VinculoError as error:
        reject_path.unlink(missing_ok=True)
        console(stderr=True).print(f"[red]{error.render(locale)}[/red]", soft_wrap=True)
        console(stderr=True).print(
            gettext(locale, N_("Nothing from this file was stored.")), style="red"
        )
        raise typer.Exit(code=2) from None
    except (UnicodeDecodeError, ValueError) as error:
        # A file that is not UTF-8 text or not CSV (the csv module's own refusals).
        reject_path.unlink(missing_ok=True)
        console(stderr=True).print(f"[red]{file}: {error}[/red]", soft_wrap=True)
        console(stderr=True).print(
            gettext(locale, N_("Nothing from this file was stored.")), style="red"
        )
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    if not summary.rejected:
        reject_path.unlink(missing_ok=True)
    console(stderr=True).print(
        gettext(
            locale,
            N_(
                "Release {release}: {added} rows added, {updated} updated, {rejected} rejected, "
                "{other} of other countries left out ({programmes} programmes) in {seconds} s."
            ),
            release=summary.release,
            added=summary.added,
            updated=summary.updated,
            rejected=summary.rejected,
            other=summary.other_countries,
            programmes=summary.programmes,
            seconds=f"{seconds:.1f}",
        ),
        soft_wrap=True,
    )
    if summary.rejected:
        console(stderr=True).print(
            gettext(locale, N_("Rejected rows: {path}"), path=str(reject_path)), soft_wrap=True
        )


@app.command("iati")
def iati_command(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="The XML file to write.")],
    as_user: AsUser,
    fiscal_year: Annotated[
        int | None, typer.Option(help="Only this fiscal year's rows and their programmes.")
    ] = None,
    reporting_org: Annotated[
        str, typer.Option(help="IATI organisation identifier of the publisher (default: agency).")
    ] = "",
    reporting_name: Annotated[str, typer.Option(help="Name of the publisher.")] = "",
    lang: Lang = None,
) -> None:
    """Write the programmes and ledger the account may see as IATI 2.03 activity XML."""
    from vinculo.assistance.iati import reporter_for, write_activities
    from vinculo.db import make_engine, make_sessionmaker, transaction
    from vinculo.security.service import actor_for, get_by_username

    settings = Settings()
    chosen = lang or settings.default_locale
    locale = chosen if chosen in LOCALES else "en"
    # Written beside the target and renamed once complete: a failed export leaves no file.
    partial = output.with_name(f".{output.name}.partial")
    engine = make_engine(settings)
    started = time.perf_counter()
    try:
        with (
            transaction(make_sessionmaker(engine)) as session,
            partial.open("w", encoding="utf-8") as out,
        ):
            user = get_by_username(session=session, username=as_user)
            if user is None:
                raise NotFound(N_("unknown account {value}"), value=as_user)
            actor = actor_for(user)
            summary = write_activities(
                session=session,
                actor=actor,
                out=out,
                reporter=reporter_for(actor, reporting_org, reporting_name),
                fiscal_year=fiscal_year,
            )
        partial.replace(output)
    except VinculoError as error:
        partial.unlink(missing_ok=True)
        console(stderr=True).print(f"[red]{error.render(locale)}[/red]", soft_wrap=True)
        raise typer.Exit(code=2) from None
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    console(stderr=True).print(
        gettext(
            locale,
            N_(
                "{activities} activities, {transactions} transactions and {budgets} budgets "
                "written to {path} in {seconds} s."
            ),
            activities=summary.activities,
            transactions=summary.transactions,
            budgets=summary.budgets,
            path=str(output),
            seconds=f"{time.perf_counter() - started:.1f}",
        ),
        soft_wrap=True,
    )
