"""`vinculo resolve run` and `vinculo screen`: resolution and screening on the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.errors import InvalidInput, NotFound, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.security.command_line import console
from vinculo.settings import Settings

if TYPE_CHECKING:
    from vinculo.resolve.service import RunSummary


def _fail(error: VinculoError, settings: Settings) -> typer.Exit:
    console(stderr=True).print(
        f"[red]{error.render(settings.default_locale)}[/red]", highlight=False, soft_wrap=True
    )
    return typer.Exit(code=2)


def resolve_run(
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Resolve only what this account may read (default: all)."),
    ] = None,
    merge_threshold: Annotated[
        float | None,
        typer.Option(help="Merge at or above this score (VINCULO_STORE_MERGE_THRESHOLD)."),
    ] = None,
    review_threshold: Annotated[
        float | None,
        typer.Option(help="Queue for review at or above this (VINCULO_STORE_REVIEW_THRESHOLD)."),
    ] = None,
) -> None:
    """Resolve the stored people and organisations: merge the sure pairs, queue the rest."""
    from vinculo.resolve.scoring import run_resolution
    from vinculo.security.service import actor_for, get_by_username

    settings = Settings()
    locale = settings.default_locale
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            actor = None
            if as_user:
                user = get_by_username(session=session, username=as_user)
                if user is None:
                    raise NotFound(N_("unknown account {value}"), value=as_user)
                actor = actor_for(user)
            with console(stderr=True).status(gettext(locale, N_("Resolving identities…"))):
                summary = run_resolution(
                    session=session,
                    actor=actor,
                    settings=settings,
                    merge_threshold=merge_threshold,
                    review_threshold=review_threshold,
                )
    except VinculoError as error:
        raise _fail(error, settings) from None
    _say_summary(locale, summary)


def screen(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="FtM JSON lines to screen.")],
    as_user: Annotated[str, typer.Option("--as", help="Screen against what this account sees.")],
    threshold: Annotated[
        float | None,
        typer.Option(min=0, max=1, help="Lowest score shown (VINCULO_SCREENING_THRESHOLD)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Candidates per entity.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on standard output.")] = False,
) -> None:
    """Screen each entity of an FtM file against the store, as `POST /api/v1/match` does."""
    from vinculo.resolve import screening
    from vinculo.resolve.scoring import screen_scorer
    from vinculo.security.service import actor_for, get_by_username

    settings = Settings()
    locale = settings.default_locale
    cut = settings.screening_threshold if threshold is None else threshold
    sessions = make_sessionmaker(make_engine(settings))
    try:
        queries = _read_queries(file)
        scorer = screen_scorer(data_dir=settings.data_dir)
        with transaction(sessions) as session:
            user = get_by_username(session=session, username=as_user)
            if user is None:
                raise NotFound(N_("unknown account {value}"), value=as_user)
            actor = actor_for(user)
            answers = []
            for entity in queries:
                found, total = screening.screen(
                    session=session,
                    actor=actor,
                    entity=entity,
                    scorer=scorer,
                    limit=limit,
                    threshold=cut,
                )
                answers.append((entity, found, total))
    except VinculoError as error:
        raise _fail(error, settings) from None
    if as_json:
        for entity, found, total in answers:
            line = {
                "query": str(entity.id),
                "caption": entity.caption,
                "total": total,
                "results": [
                    {
                        "id": str(c.entity.id),
                        "caption": c.entity.caption,
                        "score": round(c.score, 6),
                        "features": c.explanation,
                    }
                    for c in found
                ],
            }
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    out = console()
    for entity, found, total in answers:
        table = Table(title=f"{entity.caption} ({entity.id})", title_justify="left")
        table.add_column(gettext(locale, N_("Score")), justify="right")
        table.add_column(gettext(locale, N_("Entity")))
        table.add_column(gettext(locale, N_("Strongest evidence")))
        for c in found:
            best = ", ".join(
                f"{f['feature']} {f['outcome']}" for f in c.explanation[:3] if "feature" in f
            )
            table.add_row(f"{c.score:.3f}", f"{c.entity.caption} ({c.entity.id})", best)
        out.print(table)
        if not found:
            out.print(gettext(locale, N_("No candidate at or above {threshold}."), threshold=cut))
        elif total > len(found):
            out.print(gettext(locale, N_("{n} more not shown."), n=total - len(found)))


def _read_queries(file: Path) -> list:  # type: ignore[type-arg]
    """The entities of an FtM JSON-lines file, each checked; errors name the line and field."""
    from vinculo.resolve import screening

    name = str(file)
    if not file.exists():
        raise InvalidInput(N_("the file does not exist"), file=name)
    # followthemoney is loaded here, not at import: every `vinculo` command builds this sub-app.
    from vinculo.intel.ftm import Where

    entities = []
    with file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                raise InvalidInput(N_("the line is not JSON"), file=name, line=number) from None
            where = Where(file=name, line=number)
            entities.append(screening.query_entity(data, where=where))
    if not entities:
        raise InvalidInput(N_("the file holds no entity"), file=name)
    return entities


def resolve_demo(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """After the demo is seeded: resolve it, so merges and a review queue are there to see."""
    from vinculo.resolve.scoring import run_resolution

    locale = settings.default_locale
    with (
        console(stderr=True).status(gettext(locale, N_("Resolving identities…"))),
        transaction(sessions) as session,
    ):
        summary = run_resolution(session=session, actor=None, settings=settings)
    _say_summary(locale, summary)


def _say_summary(locale: str, summary: RunSummary) -> None:
    console(stderr=True).print(
        gettext(
            locale,
            N_(
                "Resolution run: {entities} records compared, {merged} pairs merged, "
                "{queued} waiting for review, {kept} analyst decisions kept."
            ),
            entities=summary.entities,
            merged=summary.merged,
            queued=summary.queued,
            kept=summary.kept,
        )
    )
    if summary.accounts != 1:
        console(stderr=True).print(
            gettext(
                locale,
                N_(
                    "One run for each of {accounts} accounts that may resolve, on what each "
                    "may read: the pairs are each account's own, and counted for each."
                ),
                accounts=summary.accounts,
            )
        )
