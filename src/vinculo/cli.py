"""The `vinculo` command: serve, demo, database, accounts, FtM import and export."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import typer.main
from typer import _click
from typer.core import TyperGroup

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.errors import VinculoError
from vinculo.hooks import wire_hooks_lazily
from vinculo.i18n import N_, gettext
from vinculo.logs import configure_logging
from vinculo.resolve import commands as resolve_commands
from vinculo.security.command_line import console
from vinculo.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session

    from vinculo.security.markings import Actor


class _Placeholder(TyperGroup):
    """A domain's sub-app as `vinculo --help` lists it, before its module is imported.

    Each `vinculo` process runs one command, so importing every domain's command line (and all
    it imports) to start any of them is wasted: the placeholder carries the name and help, and
    the real sub-app is imported when one of its commands runs or its tree is walked.
    """

    load_app: Callable[[], typer.Typer]  # set on the subclass made for each sub-app

    @functools.cached_property
    def loaded(self) -> TyperGroup:
        group = typer.main.get_group(self.load_app())
        group.name = self.name
        return group

    @property
    def commands(self) -> MutableMapping[str, _click.Command]:
        return self.loaded.commands

    @commands.setter
    def commands(self, value: MutableMapping[str, _click.Command]) -> None:
        """TyperGroup's constructor sets the (empty) commands of the placeholder: ignored."""


class _LazyRoot(TyperGroup):
    """The root group: a placeholder is swapped for its sub-app when a command names it."""

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Placeholder):
            command = command.loaded
        return name, command, rest


def _add_lazy(name: str, help_text: str, load_app: Callable[[], typer.Typer]) -> None:
    """Register a sub-app imported only when used; help_text repeats its own help."""
    attributes = {"load_app": staticmethod(load_app)}
    placeholder = type(f"{name.title()}Placeholder", (_Placeholder,), attributes)
    app.add_typer(typer.Typer(cls=placeholder), name=name, help=help_text)


def _exchange_app() -> typer.Typer:
    from vinculo.exchange.cli import app as exchange_app

    return exchange_app


def _notify_app() -> typer.Typer:
    from vinculo.notify.cli import app as notify_app

    return notify_app


def _cases_app() -> typer.Typer:
    from vinculo.cases.cli import app as cases_app

    return cases_app


def _assistance_app() -> typer.Typer:
    from vinculo.assistance.cli import app as assistance_app

    return assistance_app


def _oversight_app() -> typer.Typer:
    from vinculo.oversight.cli import app as oversight_app

    return oversight_app


def _civic_app() -> typer.Typer:
    from vinculo.civic.cli import app as civic_app

    return civic_app


def _network_app() -> typer.Typer:
    from vinculo.network.cli import app as network_app

    return network_app


@functools.cache  # registers `resolve run` once per process
def _resolve_app() -> typer.Typer:
    from vinculo.resolve.cli import resolve_app

    resolve_app.command("run")(resolve_commands.resolve_run)
    return resolve_app


app = typer.Typer(
    cls=_LazyRoot,
    help="Vínculo: binational security-cooperation platform.",
    no_args_is_help=True,
)


@app.callback()
def _start() -> None:
    """Every command: logging set once, and deletions run the purge hooks (wired on first
    use, vinculo.wiring: most commands delete nothing and need not import the domains)."""
    configure_logging()
    wire_hooks_lazily()


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
import_app = typer.Typer(help="Import data.", no_args_is_help=True)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(audit_app, name="audit")
app.add_typer(token_app, name="token")
_add_lazy("exchange", "Binational exchange over STIX 2.1 / TAXII 2.1.", _exchange_app)
_add_lazy(
    "network",
    "Network analysis of an FtM file, or of the store as an account sees it.",
    _network_app,
)
_add_lazy(
    "resolve", "Identity resolution: link and dedupe FtM files; resolve the store.", _resolve_app
)
_add_lazy("notify", "Notifications: watchlist hits and shared items, e-mails.", _notify_app)
_add_lazy("cases", "Joint cases: list, show, open and close them.", _cases_app)
_add_lazy(
    "assistance",
    "Security assistance: import ForeignAssistance.gov data; export IATI activity XML.",
    _assistance_app,
)
_add_lazy("oversight", "Oversight: security-force units.", _oversight_app)
_add_lazy("civic", "The civic channel: the public intake's keys, pulling submissions.", _civic_app)
app.command("screen")(resolve_commands.screen)


def _settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def _fail(error: VinculoError, settings: Settings) -> typer.Exit:
    console(stderr=True).print(
        f"[red]{error.render(settings.default_locale)}[/red]", highlight=False, soft_wrap=True
    )
    return typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema."""
    from vinculo.migrations.runner import upgrade

    settings = _settings()
    upgrade(make_engine(settings))
    console(stderr=True).print(gettext(settings.default_locale, N_("The database is up to date.")))


def _serve(settings: Settings, workers: int = 1) -> None:
    import uvicorn

    from vinculo.web.app import create_app
    from vinculo.web.server import HTTP, LOOP, run
    from vinculo.web.startup import CannotStart, check_can_start

    try:
        check_can_start(settings=settings, sessions=make_sessionmaker(make_engine(settings)))
    except CannotStart as error:
        console(stderr=True).print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(code=1) from None
    if workers > 1:
        # Each process makes the app from the same VINCULO_* environment; one of them runs
        # the publisher and the sync worker (vinculo.exchange.leader). Uvicorn's supervisor
        # runs its own server class in each process, so a stopping worker's live streams end
        # at their lifetime (exchange/stream.LIFETIME), not at once.
        uvicorn.run(
            "vinculo.cli:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            loop=LOOP,
            http=HTTP,
            log_level="info",
        )
        return
    run(create_app(settings), host=settings.host, port=settings.port)


def app_from_environment() -> FastAPI:
    """The app of one `serve --workers` process."""
    from vinculo.web.app import create_app

    return create_app(_settings())


def _serve_public() -> None:
    """The public intake (civic/): its own app, its own store, VINCULO_PUBLIC_* settings only;
    no access log, so no client address or user agent is ever written."""
    import uvicorn

    from vinculo.civic.public_app import create_public_app
    from vinculo.civic.settings import PublicSettings

    configure_logging()
    logging.getLogger("vinculo.civic").setLevel(logging.INFO)
    settings = PublicSettings()
    problems = settings.problems()
    if problems:
        for problem in problems:
            console(stderr=True).print(f"[red]{problem}[/red]", highlight=False)
        raise typer.Exit(code=1)
    uvicorn.run(
        create_public_app(settings),
        host=settings.host,
        port=settings.port,
        # Start-up, shutdown and errors only: no line per request, so no client in the log.
        access_log=False,
        server_header=False,
        # uvloop and httptools, as for the internal server (web/server.py), which this
        # process does not import: uvicorn takes them when installed, and they are.
        log_level="info",
    )


@app.command()
def serve(
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes; one of them publishes and syncs.")
    ] = 1,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Start the public intake instead (its own store, VINCULO_PUBLIC_* settings).",
        ),
    ] = False,
) -> None:
    """Start the web server (pages and API), or with --public the public intake."""
    if public:
        _serve_public()
        return
    from vinculo.migrations.runner import upgrade

    settings = _settings()
    upgrade(make_engine(settings))
    _serve(settings, workers)


@app.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Start from an empty demo database.")] = True,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    nodes: Annotated[
        int,
        typer.Option(
            min=1,
            max=3,
            help="2: a U.S. and a Mexican node, federated; 3: and a Guatemalan node.",
        ),
    ] = 1,
) -> None:
    """Seed the demo scenario into the embedded store and serve it in demo mode."""
    if nodes >= 2:
        from vinculo.demo.nodes import run

        return run(
            _settings(demo=True),
            console(stderr=True),
            reset=reset,
            serve_after=serve_after,
            count=nodes,
        )
    from vinculo.demo.seed import seed_demo
    from vinculo.migrations.runner import upgrade

    settings = _settings(demo=True)
    engine = make_engine(settings)
    if reset and settings.resolved_database_url.startswith("sqlite:///"):
        engine.dispose()
        path = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(settings)
    upgrade(engine)
    counts = seed_demo(sessions=make_sessionmaker(engine), console=console(stderr=True))
    console(stderr=True).print(
        gettext(
            settings.default_locale,
            N_("Demo data: {reports} reports, {entities} entities, {statements} statements."),
            **counts,
        )
    )
    resolve_commands.resolve_demo(settings, make_sessionmaker(engine))
    if serve_after:
        console(stderr=True).print(
            f"http://{settings.host}:{settings.port}  "
            "(us.analyst / mx.analyst / us.supervisor / auditor / mx.triage / mx.monitor : demo)"
        )
        _serve(settings)


@user_app.command("add")
def user_add(
    username: str,
    agency: Annotated[str, typer.Option(help="Agency code, e.g. DEA or FGR.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[list[str] | None, typer.Option(help="Role; repeat for several.")] = None,
    group: Annotated[list[str] | None, typer.Option(help="Need-to-know group.")] = None,
    display_name: str = "",
    locale: str = "en",
) -> None:
    """Create an account."""
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import create_user

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        user_in = UserCreate(
            username=username,
            display_name=display_name,
            password=password,
            agency=agency.upper(),
            roles=role or ["analyst"],
            groups=group or [],
            locale=locale,
        )
        with transaction(sessions) as session:
            create_user(
                session=session,
                user_in=user_in,
                password_min_length=settings.password_min_length,
            )
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(
        gettext(settings.default_locale, N_("Account {name} created."), name=username)
    )


@user_app.command("password")
def user_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set an account's password (the password rules apply)."""
    from vinculo.security.service import set_password

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            set_password(
                session=session,
                username=username,
                password=password,
                password_min_length=settings.password_min_length,
            )
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(
        gettext(settings.default_locale, N_("Password changed for {name}."), name=username)
    )


@user_app.command("unlock")
def user_unlock(username: str) -> None:
    """Unlock an account locked after failed sign-ins."""
    from vinculo.security.service import unlock

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            unlock(session=session, username=username)
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(
        gettext(settings.default_locale, N_("Account {name} unlocked."), name=username)
    )


@user_app.command("totp")
def user_totp(username: str) -> None:
    """Enrol an account in the TOTP second factor; prints its secret once."""
    from vinculo.security.service import enrol_totp

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            secret, uri = enrol_totp(session=session, username=username)
    except VinculoError as error:
        raise _fail(error, settings) from None
    locale = settings.default_locale
    console(stderr=True).print(
        gettext(
            locale,
            N_(
                "Second factor set for {name}. Add it to an authenticator app now (scan the "
                "URI as a QR code, or type the secret); it is not shown again:"
            ),
            name=username,
        )
    )
    # On standard output, so it can be piped into a QR code generator.
    print(uri)
    print(secret)


@token_app.command("list")
def token_list(username: str) -> None:
    """List an account's API tokens (never their secrets)."""
    from vinculo.security.models import utcnow
    from vinculo.security.service import list_tokens

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            rows = list_tokens(session=session, username=username)
    except VinculoError as error:
        raise _fail(error, settings) from None
    locale = settings.default_locale
    now = utcnow()
    for row in rows:
        if row.revoked_at is not None:
            state = gettext(locale, N_("revoked"))
        elif row.expires_at <= now:
            state = gettext(locale, N_("expired"))
        else:
            state = gettext(locale, N_("live"))
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "-"
        print(
            f"{row.id}\t{row.scopes}\t{state}\t"
            f"{row.created_at.isoformat(timespec='seconds')}\t"
            f"{row.expires_at.isoformat(timespec='seconds')}\t{used}"
        )


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke an API token by its id; it is refused from then on."""
    from vinculo.security.service import revoke_token

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            revoke_token(session=session, token_id=token_id)
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(
        gettext(settings.default_locale, N_("Token {id} revoked."), id=token_id)
    )


def _actor(session: Session, username: str, settings: Settings) -> Actor:
    from vinculo.errors import NotFound
    from vinculo.security.service import actor_for, get_by_username

    user = get_by_username(session=session, username=username)
    if user is None:
        raise _fail(NotFound(N_("unknown account {value}"), value=username), settings)
    return actor_for(user)


@import_app.command("ftm")
def import_ftm_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_user: Annotated[str, typer.Option("--as", help="Account the import is made by.")],
    source: Annotated[
        str, typer.Option(help="Name of the source; defaults to the file name.")
    ] = "",
    tlp: Annotated[str, typer.Option(help="TLP level for every statement.")] = "AMBER",
    rel_to: Annotated[str, typer.Option(help="Nations, comma-separated, e.g. USA,MEX.")] = "",
    orcon: bool = False,
    group: Annotated[list[str] | None, typer.Option(help="Need-to-know group.")] = None,
    recipient: Annotated[list[str] | None, typer.Option(help="TLP:RED recipient.")] = None,
    shared_with: Annotated[str, typer.Option(help="Agencies shared with, comma-separated.")] = "",
    skip_bad: Annotated[
        bool, typer.Option(help="Store the good lines; write the bad ones to a reject file.")
    ] = False,
) -> None:
    """Import FtM entities (JSON lines) with one source and one set of markings for the file."""
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from vinculo.intel.schemas import MarkingsIn
    from vinculo.intel.transfer import import_ftm

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    markings_in = MarkingsIn(
        tlp=tlp,
        rel_to=[n for n in rel_to.split(",") if n],
        orcon=orcon,
        groups=group or [],
        recipients=recipient or [],
        shared_with=[a for a in shared_with.split(",") if a],
    )
    reject_path = file.with_name(file.name + ".rejects.jsonl")
    size = file.stat().st_size
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with (
            transaction(sessions) as session,
            file.open(encoding="utf-8") as lines,
            reject_path.open("w", encoding="utf-8") as rejects,
            Progress(*columns, console=console(stderr=True), transient=True) as progress,
        ):
            task = progress.add_task(file.name, total=size)
            actor = _actor(session, as_user, settings)
            summary = import_ftm(
                session=session,
                actor=actor,
                lines=lines,
                file_name=str(file),
                source=source or file.name,
                markings_in=markings_in,
                skip_bad=skip_bad,
                rejects=rejects,
                progress=lambda n: progress.advance(task, n),
            )
    except VinculoError as error:
        reject_path.unlink(missing_ok=True)
        console(stderr=True).print(
            gettext(settings.default_locale, N_("Nothing from this file was stored.")),
            style="red",
        )
        raise _fail(error, settings) from None
    except UnicodeDecodeError as error:
        reject_path.unlink(missing_ok=True)
        console(stderr=True).print(f"[red]{file}: {error}[/red]")
        raise typer.Exit(code=2) from None
    if not summary.rejected:
        reject_path.unlink(missing_ok=True)
    else:
        summary.reject_file = str(reject_path)
    console(stderr=True).print(
        gettext(
            settings.default_locale,
            N_(
                "Imported {entities} entities ({statements} statements) from {lines} lines; "
                "{rejected} rejected."
            ),
            entities=summary.entities,
            statements=summary.statements,
            lines=summary.lines,
            rejected=summary.rejected,
        )
    )
    if summary.reject_file:
        console(stderr=True).print(
            gettext(settings.default_locale, N_("Rejected lines: {path}"), path=reject_path)
        )


@export_app.command("ftm")
def export_ftm_command(
    as_user: Annotated[str, typer.Option("--as", help="Export what this account may see.")],
    recipient: Annotated[str, typer.Option(help="Who receives the export (dissemination).")],
    purpose: Annotated[str, typer.Option(help="Why it is disseminated (28 CFR 23.20(f)).")],
    output: Annotated[
        Path | None, typer.Option("-o", help="File; default standard output.")
    ] = None,
) -> None:
    """Export the entities an account may see as FtM JSON lines, and record who got them."""
    from vinculo.intel.transfer import export_ftm
    from vinculo.security.dissemination import disseminate

    settings = _settings()
    sessions = make_sessionmaker(make_engine(settings))
    lines: list[str] = []
    ids: list[str] = []
    try:
        with transaction(sessions) as session:
            actor = _actor(session, as_user, settings)
            for entity in export_ftm(session=session, actor=actor):
                ids.append(str(entity["id"]))
                lines.append(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            disseminate(
                session=session,
                actor=actor,
                recipient=recipient,
                purpose=purpose,
                channel="export",
                kind="entity",
                ids=ids,
            )
    except VinculoError as error:
        raise _fail(error, settings) from None
    # Written only once the dissemination is on record.
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        out.writelines(lines)
    finally:
        if output:
            out.close()


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 naming the first changed, inserted or missing row."""
    from vinculo.security.audit import verify_parallel

    settings = _settings()
    report = verify_parallel(settings.resolved_database_url, os.cpu_count() or 1)
    locale = settings.default_locale
    if report.problem is None:
        console(stderr=True).print(
            gettext(locale, N_("The audit chain holds: {rows} rows."), rows=report.rows)
        )
        return
    reasons = {
        "changed": N_("row {seq} was changed"),
        "inserted": N_("a row was inserted before row {seq}"),
        "missing": N_("row {seq} is missing"),
        "broken link": N_("row {seq} does not link to the row before it"),
    }
    message = gettext(locale, reasons[report.problem.reason], seq=report.problem.seq)
    broken = gettext(locale, N_("The audit chain is broken:"))
    console(stderr=True).print(f"[red]{broken} {message}[/red]")
    raise typer.Exit(code=1)


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Check the HMAC-SHA256 signature of an audit export (needs VINCULO_SECRET_KEY)."""
    from vinculo.security.trail import verify_export

    settings = _settings()
    locale = settings.default_locale
    if verify_export(settings.secret_key, file.read_bytes()):
        console(stderr=True).print(
            gettext(locale, N_("The signature holds: {file} is as Vínculo exported it."), file=file)
        )
        return
    console(stderr=True).print(
        "[red]"
        + gettext(
            locale,
            N_("The signature does not hold: {file} was changed or not signed with this secret."),
            file=file,
        )
        + "[/red]"
    )
    raise typer.Exit(code=1)


retention_app = typer.Typer(help="Review and purge (28 CFR 23.20(h)).", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run(
    as_user: Annotated[str, typer.Option("--as", help="A supervisor's account.")],
    list_due: Annotated[
        bool, typer.Option("--list", help="List the reports due for review (the default).")
    ] = False,
    revalidate: Annotated[
        str | None, typer.Option(help="Re-validate this report (needs --reason).")
    ] = None,
    purge: Annotated[str | None, typer.Option(help="Purge this report (needs --reason).")] = None,
    purge_due: Annotated[
        bool, typer.Option("--purge-due", help="Purge every due report you may see.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why it is kept or purged.")] = "",
    review_by: Annotated[
        str | None,
        typer.Option(help="Next review date YYYY-MM-DD (default one year ahead, at most five)."),
    ] = None,
) -> None:
    """List what is due for review, re-validate a report, or purge one or every due report."""
    from datetime import date

    from rich.table import Table

    from vinculo.errors import InvalidInput
    from vinculo.intel import retention

    settings = _settings()
    locale = settings.default_locale
    chosen = [bool(revalidate), bool(purge), purge_due]
    if sum(chosen) > 1:
        raise _fail(
            InvalidInput(N_("choose one of --list, --revalidate, --purge and --purge-due")),
            settings,
        )
    sessions = make_sessionmaker(make_engine(settings))
    try:
        with transaction(sessions) as session:
            actor = _actor(session, as_user, settings)
            if revalidate:
                next_review = None
                if review_by:
                    try:
                        next_review = date.fromisoformat(review_by)
                    except ValueError:
                        raise InvalidInput(
                            N_("not a valid date; write it as YYYY-MM-DD"), field="review_by"
                        ) from None
                review = retention.revalidate(
                    session=session,
                    actor=actor,
                    report_id=revalidate,
                    reason=reason,
                    review_by=next_review,
                )
                message = gettext(
                    locale,
                    N_("Report {id} re-validated by {who}; next review by {date}."),
                    id=review.report_id,
                    who=review.reviewer,
                    date=review.review_by.isoformat(),
                )
            elif purge:
                done = retention.purge(session=session, actor=actor, report_id=purge, reason=reason)
                message = gettext(
                    locale,
                    N_("Purged report {id}: {statements} statements, {entities} entities."),
                    id=done.report_id,
                    statements=done.statements,
                    entities=len(done.entities_deleted),
                )
            elif purge_due:
                purged = retention.purge_due(
                    session=session, actor=actor, reason=reason or retention.EXPIRED
                )
                message = gettext(
                    locale,
                    N_("Purged {n} due reports: {statements} statements, {entities} entities."),
                    n=len(purged),
                    statements=sum(p.statements for p in purged),
                    entities=sum(len(p.entities_deleted) for p in purged),
                )
            else:
                due = retention.due_reports(session=session, actor=actor)
                table = Table(title=gettext(locale, N_("Reports due for review")))
                for heading in (
                    N_("Report"),
                    N_("Agency"),
                    N_("Predicate"),
                    N_("Review by"),
                    N_("Days overdue"),
                    N_("Reviews"),
                    N_("Title"),
                ):
                    table.add_column(gettext(locale, heading))
                for item in due:
                    table.add_row(
                        item.id,
                        item.agency,
                        item.predicate,
                        item.review_by.isoformat(),
                        str(item.overdue_days),
                        str(item.reviews),
                        item.title,
                    )
                console().print(table)
                message = gettext(locale, N_("{n} reports due for review."), n=len(due))
    except VinculoError as error:
        raise _fail(error, settings) from None
    console(stderr=True).print(message)
