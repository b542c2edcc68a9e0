"""Errors that name what was wrong and where, and render in the reader's language."""

from __future__ import annotations

from vinculo.i18n import N_, gettext


class VinculoError(Exception):
    """Base error. `message` is an English message id with {named} parameters."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        file: str | None = None,
        **params: object,
    ) -> None:
        self.message = message
        self.field = field
        self.line = line
        self.file = file
        self.params = params
        super().__init__(self.render("en"))

    def where(self, locale: str) -> str:
        parts = []
        if self.file:
            parts.append(gettext(locale, N_("file {file}"), file=self.file))
        if self.line is not None:
            parts.append(gettext(locale, N_("line {line}"), line=self.line))
        if self.field:
            parts.append(gettext(locale, N_("field {field}"), field=self.field))
        return ", ".join(parts)

    def detail(self, locale: str) -> str:
        return gettext(locale, self.message, **self.params)

    def render(self, locale: str) -> str:
        where = self.where(locale)
        detail = self.detail(locale)
        return f"{where}: {detail}" if where else detail

    def to_dict(self, locale: str) -> dict[str, object]:
        return {
            "message": self.render(locale),
            "field": self.field,
            "line": self.line,
            "file": self.file,
        }


class InvalidInput(VinculoError):
    """Input that cannot be accepted as it is."""


class TooLarge(InvalidInput):
    """Input larger than this server accepts (HTTP 413)."""


class NotFound(VinculoError):
    """Missing, or not visible to the actor: the two are never told apart."""


class Forbidden(VinculoError):
    """An action (not a read) the actor may not take."""


class AuthError(VinculoError):
    """Sign-in or token refused."""


class InvalidFields(InvalidInput):
    """Several fields wrong at once, as a form needs to show them all."""

    def __init__(self, errors: list[InvalidInput]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, field=first.field, line=first.line, file=first.file)
        self.params = first.params

    def render(self, locale: str) -> str:
        return "; ".join(e.render(locale) for e in getattr(self, "errors", []))

    def by_field(self, locale: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for error in self.errors:
            found.setdefault(error.field or "", []).append(error.detail(locale))
        return found
