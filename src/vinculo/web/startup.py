"""What must hold before the server may start."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from vinculo.i18n import N_, gettext
from vinculo.security.service import accounts_with_default_password
from vinculo.settings import Settings


class CannotStart(RuntimeError):
    """The server refuses to start; the message says why and what to do."""


def check_can_start(*, settings: Settings, sessions: sessionmaker[Session]) -> None:
    problems = settings.problems_outside_demo()
    defaults: list[str] = []
    if not settings.demo:
        with sessions() as session:
            defaults = accounts_with_default_password(session=session)
        if defaults:
            problems.append(
                N_(
                    "these accounts still have the demo password; change it with "
                    "`vinculo user password NAME` or run in demo mode: {names}"
                )
            )
    if problems:
        locale = settings.default_locale
        lines = [gettext(locale, p, names=", ".join(defaults)) for p in problems]
        head = gettext(locale, N_("Vínculo will not start outside demo mode:"))
        raise CannotStart(head + "\n- " + "\n- ".join(lines))
