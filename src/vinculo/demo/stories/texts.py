"""A story's sentences: read from demo/data/stories/<file>.yml and filled in in both languages.

A sentence is a pair of templates (`en`, `es`) in Python's format syntax, filled with the values
the story passes:
- `{x}`, `{x.attr}`, `{x[key]}`, `{x:,}`: a value, its attribute, item or formatted number;
- `{x.en}`, `{x.es}`: a text the story has in both languages (a date, a sum, a chemical ...);
- `{person.name}`; `{person.who}`: the name with the alias, when this report asserts one;
- `{place.en}`, `{place.es}`: how a sentence names a place, port, vehicle or account;
- `{person:he/she}`: the word that agrees with the person's gender, the man's first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from vinculo.demo.catalogue import read
from vinculo.demo.draft import Draft
from vinculo.demo.profile import Profile
from vinculo.demo.shapes import Bilingual
from vinculo.demo.wording import gendered


class Both(NamedTuple):
    """A text in both languages, as a template reaches it: `{x.en}`, `{x.es}`."""

    en: str
    es: str


class Mention:
    """A profile as a template names it in the report being written."""

    def __init__(self, profile: Profile, draft: Draft) -> None:
        self._profile = profile
        self._draft = draft

    @property
    def who(self) -> str:
        return self._draft.who(self._profile)

    @property
    def en(self) -> str:
        return self._profile.label("en")

    @property
    def es(self) -> str:
        return self._profile.label("es")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._profile, name)

    def __format__(self, spec: str) -> str:
        if "/" in spec:
            male, female = spec.split("/", 1)
            return gendered(self._profile, male, female)
        return format(self._profile.name, spec)


@cache
def _texts(file: str) -> dict[str, dict[str, dict[str, str]]]:
    texts: dict[str, dict[str, dict[str, str]]] = read(f"stories/{file}")
    return texts


def _prepared(value: object, draft: Draft) -> object:
    if isinstance(value, Profile):
        return Mention(value, draft)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return Both(*value)
    return value


def tell(draft: Draft, file: str, story: str, key: str, /, **values: object) -> Bilingual:
    """Sentence `key` of `story` in demo/data/stories/`file`.yml, filled in English and
    Spanish with `values`."""
    try:
        sentence = _texts(file)[story][key]
    except KeyError:
        raise KeyError(f"demo/data/stories/{file}.yml has no {story}.{key}") from None
    filled = {name: _prepared(value, draft) for name, value in values.items()}
    return sentence["en"].format(**filled), sentence["es"].format(**filled)


def teller(draft: Draft, file: str, story: str) -> Callable[..., Bilingual]:
    """`tell` for one story of one file: `say(key, **values)`."""

    def say(key: str, /, **values: object) -> Bilingual:
        return tell(draft, file, story, key, **values)

    return say
