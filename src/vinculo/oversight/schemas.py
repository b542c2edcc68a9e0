"""Pydantic shapes for security-force units and their chain of command, named by role."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsRead


class Span(BaseModel):
    """A person's time in a post or a unit: who, from when, until when (open when None)."""

    name: str = ""
    id: str | None = None
    start: date
    end: date | None = None
    role: str = ""
    line: int | None = None


class Location(BaseModel):
    full: str = ""
    city: str = ""
    state: str = ""
    country: str = ""


class UnitIn(BaseModel):
    """One unit of an import file, as read and before it is checked; `line` and `lines`
    (field -> line) say where it was written, for the errors."""

    id: str = ""
    name_es: str = ""
    name_en: str = ""
    force: str = ""
    parent: str = ""
    location: Location | None = None
    commanders: list[Span] = Field(default_factory=list)
    members: list[Span] = Field(default_factory=list)
    line: int | None = None
    lines: dict[str, int] = Field(default_factory=dict)


class UnitImport(BaseModel):
    source: str
    units: int
    commanders: int
    members: int
    statements: int


class CommanderRead(BaseModel):
    """Who held a command post of the unit on the date asked, as far as the reader sees it."""

    id: str  # the person's canonical id as the reader resolves identities
    name: str
    start: date
    end: date | None
    markings: list[MarkingsRead]
    banner: str


class LocationRead(BaseModel):
    full: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None


class ChainUnit(BaseModel):
    id: str  # the unit's canonical id as the reader resolves identities
    schema_: str = Field(serialization_alias="schema")
    name: str
    names: dict[str, str]  # locale -> name, as far as the reader sees one in that language
    force: str | None
    force_label: dict[str, str]
    location: LocationRead | None
    commanders: list[CommanderRead]
    markings: list[MarkingsRead]  # the distinct markings of what the item is built from
    banner: str  # the banner over all of them (`service.banner`), as a page shows it


class ChainRead(BaseModel):
    """The unit first, then each parent up to the top, each with its commanders on `on`."""

    on: date
    items: list[ChainUnit]
