"""`vinculo notify …`: look for watchlist hits and shared items, send waiting e-mails."""

from __future__ import annotations

import typer

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.security.command_line import console
from vinculo.settings import Settings

app = typer.Typer(
    help="Notifications: watchlist hits and shared items, e-mails.", no_args_is_help=True
)


@app.command("scan")
def scan_command() -> None:
    """Notify every account of new items it may see that match its watchlist or were
    shared with it (pages do this for their reader; run this from cron for the rest)."""
    from vinculo.notify.watch import scan_everyone

    settings = Settings()
    sessions = make_sessionmaker(make_engine(settings))
    with transaction(sessions) as session:
        made = scan_everyone(session=session)
    console().print(f"{made} notifications")


@app.command("mail")
def mail_command() -> None:
    """Send the notification e-mails waiting (the server's mailer does it by itself when
    VINCULO_SMTP_HOST is set)."""
    from vinculo.notify.mail import send_pending

    settings = Settings()
    if not settings.smtp_host:
        console().print("VINCULO_SMTP_HOST is not set: no e-mail is sent.")
        raise typer.Exit(1)
    sessions = make_sessionmaker(make_engine(settings))
    console().print(f"{send_pending(sessions=sessions, settings=settings)} e-mails sent")
