"""`vinculo exchange …`: collections, partner tokens, publishing, syncing, the release queue."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.errors import VinculoError
from vinculo.i18n import N_, gettext
from vinculo.security.command_line import console
from vinculo.settings import Settings

app = typer.Typer(help="Binational exchange over STIX 2.1 / TAXII 2.1.", no_args_is_help=True)
collection_app = typer.Typer(help="TAXII collections served to partners.", no_args_is_help=True)
app.add_typer(collection_app, name="collection")


def _settings() -> Settings:
    return Settings()


def _fail(error: VinculoError, settings: Settings) -> typer.Exit:
    console(stderr=True).print(
        f"[red]{error.render(settings.default_locale)}[/red]", highlight=False, soft_wrap=True
    )
    return typer.Exit(code=2)


@collection_app.command("add")
def collection_add(
    alias: str,
    partner: Annotated[list[str], typer.Option(help="Partner node that may read it; repeat.")],
    title: Annotated[str, typer.Option(help="Title in English.")] = "",
    title_es: Annotated[str, typer.Option(help="Title in Spanish.")] = "",
    group: Annotated[
        list[str] | None, typer.Option(help="Task force (need-to-know group); repeat.")
    ] = None,
    can_write: Annotated[bool, typer.Option(help="Partners may POST objects to it.")] = False,
) -> None:
    """Serve a collection (one agreement or task force) to partner nodes."""
    from vinculo.exchange.partners import create_collection

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            collection = create_collection(
                session=session,
                settings=settings,
                alias=alias,
                title_en=title or alias,
                title_es=title_es,
                partners=partner,
                groups=group or [],
                can_write=can_write,
            )
    except VinculoError as error:
        raise _fail(error, settings) from None
    print(collection.id)


@collection_app.command("list")
def collection_list() -> None:
    """List the collections this node serves."""
    from vinculo.exchange.partners import collections, count_written

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    with transaction(sessions) as session:
        for c in collections(session=session):
            written = count_written(session=session, collection_id=c.id)
            print(f"{c.id}\t{c.alias}\t{c.partners}\t{c.groups or '-'}\t{written}")


@app.command("pointers")
def pointers(
    release: Annotated[
        str | None,
        typer.Option(help="End this partner's quarantine and check its held pointers now."),
    ] = None,
) -> None:
    """Each partner's deconfliction pointers: quarantined or not (why, since when), how many
    are active, when they were last received and pulled; tab-separated."""
    from vinculo.exchange.pointers import pointer_status, release_partner

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            if release:
                checked = release_partner(session=session, settings=settings, partner=release)
                console(stderr=True).print(
                    gettext(
                        settings.default_locale,
                        N_("Partner {name} released: {count} active pointers checked."),
                        name=release,
                        count=checked,
                    )
                )
            rows = pointer_status(session=session, settings=settings)
    except VinculoError as error:
        raise _fail(error, settings) from None

    def when(at: datetime | None) -> str:
        return at.isoformat(timespec="seconds") if at is not None else "-"

    for row in rows:
        state = "quarantined" if row.quarantined else "ok"
        print(
            f"{row.partner}\t{state}\t{when(row.since)}\t{row.reason or '-'}\t{row.active}"
            f"\t{when(row.last_received_at)}\t{when(row.last_pulled_at)}"
        )


@app.command("partner-token")
def partner_token(
    name: str,
    days: Annotated[int, typer.Option(help="Days the token lives.")] = 365,
) -> None:
    """Give a partner node a token (scope exchange) to read its collections here."""
    from vinculo.exchange.partners import partner_account

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            username, token = partner_account(
                session=session, settings=settings, name=name, days=days
            )
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(
        gettext(
            settings.default_locale,
            N_("Token for partner {name} (account {account}); it is not shown again:"),
            name=name,
            account=username,
        )
    )
    print(token)


@app.command("publish")
def publish() -> None:
    """Publish what changed since the last run into the collections (the server does this
    by itself as things are filed)."""
    from vinculo.exchange.publish import publish as run

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    with transaction(sessions) as session:
        written = run(session=session, settings=settings)
    console(stderr=True).print(
        gettext(settings.default_locale, N_("{n} object versions published."), n=written)
    )


@app.command("sync")
def sync(
    once: Annotated[bool, typer.Option(help="Pull every partner once, then stop.")] = False,
    partner: Annotated[str | None, typer.Option(help="Only this partner.")] = None,
    limit: Annotated[int | None, typer.Option(help="Objects per page asked for.")] = None,
) -> None:
    """Pull partner nodes' collections into this node (resumes where it stopped)."""
    from vinculo.exchange.client import PartnerDown
    from vinculo.exchange.worker import backoff, sync_partner

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    locale = settings.default_locale
    partners = [p for p in settings.partners if p.url and (partner is None or p.name == partner)]
    if not partners:
        console(stderr=True).print(gettext(locale, N_("No partner node with a URL is configured.")))
        raise typer.Exit(code=2)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} objects"),
        TimeElapsedColumn(),
    )
    failures = 0
    with Progress(*columns, console=console(stderr=True), transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(alias: str, objects: int, _stored: int) -> None:
            if alias not in tasks:
                tasks[alias] = progress.add_task(alias, total=None)
            progress.advance(tasks[alias], objects)

        while True:
            try:
                for config in partners:
                    sync_partner(
                        sessions=sessions,
                        settings=settings,
                        config=config,
                        progress=advance,
                        limit=limit,
                    )
                failures = 0
            except PartnerDown as down:
                failures += 1
                wait = backoff(failures, settings.sync_backoff_max_seconds)
                console(stderr=True).print(
                    gettext(
                        locale,
                        N_("Partner unreachable ({reason}); trying again in {s} s."),
                        reason=str(down)[:200],
                        s=f"{wait:.1f}",
                    )
                )
                if once and failures > 5:
                    raise typer.Exit(code=1) from None
                time.sleep(wait)
                continue
            if once:
                return
            time.sleep(settings.sync_interval_seconds)


@app.command("releases")
def releases(
    as_user: Annotated[str, typer.Option("--as", help="A supervisor of the originator.")],
    approve: Annotated[int | None, typer.Option(help="Approve this request.")] = None,
    refuse: Annotated[int | None, typer.Option(help="Refuse this request.")] = None,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """List the release queue (ORCON items waiting for their originator), approve or refuse."""
    from vinculo.exchange.release import decide, pending
    from vinculo.security.service import actor_for, get_by_username

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    locale = settings.default_locale
    try:
        with transaction(sessions) as session:
            user = get_by_username(session=session, username=as_user)
            if user is None:
                from vinculo.errors import NotFound

                raise NotFound(N_("unknown account {value}"), value=as_user)
            actor = actor_for(user)
            if approve or refuse:
                request_id = approve or refuse
                assert request_id is not None
                decide(
                    session=session,
                    actor=actor,
                    request_id=request_id,
                    approve=bool(approve),
                    reason=reason,
                )
                console(stderr=True).print(
                    gettext(locale, N_("Release request {id} decided."), id=request_id)
                )
                return
            table = Table(title=gettext(locale, N_("Release queue")))
            for heading in (N_("Request"), N_("Source"), N_("Partner"), N_("State"), N_("Title")):
                table.add_column(gettext(locale, heading))
            for item in pending(session=session, actor=actor):
                table.add_row(str(item.id), item.dataset, item.partner, item.state, item.title)
            console().print(table)
    except VinculoError as error:
        raise _fail(error, settings) from None
