"""Translations from the Babel catalogues in vinculo/locale; English text is the message id."""

from __future__ import annotations

import gettext as _gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("en", "es")
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later, at display time."""
    return message


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for a locale, compiled from its .po file in memory (no build step)."""
    if locale not in LOCALES:
        locale = "en"
    po = resources.files("vinculo.locale").joinpath(f"{locale}/LC_MESSAGES/{DOMAIN}.po")
    if not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(locale: str, message: str, **params: object) -> str:
    text = translations(locale).gettext(message)
    return text.format(**params) if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(locale).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def pick_locale(requested: str | None, default: str = "en") -> str:
    """The first supported locale in an Accept-Language header or a plain code."""
    if requested:
        for part in requested.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LOCALES:
                return code
    return default if default in LOCALES else "en"
