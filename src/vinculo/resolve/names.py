"""Person names as Mexican and U.S. records write them: folding, parsing, nicknames.

A Mexican name has given names and two surnames, paternal then maternal ("José Luis García
López"); particles stay with their surname ("de la Cruz", "del Río") and "y" may join the
two ("Ortega y Gasset"). U.S. records distort it: the maternal surname dropped, glued
("Garcialopez") or hyphenated ("Garcia-Lopez"), the maternal surname taken as the last name,
the second given name used alone, "Ma." for María, "LAST, FIRST" order. `parse_name` undoes
what it can and says which part is which; everything it returns is folded (`vinculo.text.fold`,
the rule search folds with too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vinculo.text import fold
from vinculo.vocab import name_vocabulary

__all__ = [
    "ParsedName",
    "fold",
    "given_name_keys",
    "is_descriptive_nickname",
    "nicknames",
    "parse_name",
]

# --- vocabulary ---------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PARTICLES = _words("de del la las los da das di do dos du van von der den le les")
# Given names that follow a particle: "María de la Luz", "Juan de Dios", "María de los Ángeles".
_GIVEN_AFTER_PARTICLE = _words(
    """luz dios jesus carmen lourdes guadalupe rosario angeles socorro refugio pilar consuelo
    dolores mercedes concepcion asuncion fatima montserrat rocio paz gracia soledad trinidad
    remedios milagros nieves belen lujan providencia jose maria"""
)
_TITLES = _words("sr sra srta dr dra lic ing mtro mtra prof profa arq c mr mrs ms miss don dona")
_SUFFIXES = _words("jr sr ii iii iv hijo")
_ABBREVIATIONS = {
    "ma": "maria",
    "fco": "francisco",
    "gpe": "guadalupe",
    "jse": "jose",
    "ant": "antonio",
    "mig": "miguel",
    "guad": "guadalupe",
}
_HYPHENS = re.compile(r"[\-\u2010-\u2015\u2212]")


def nicknames() -> dict[str, list[str]]:
    """Nickname -> the given names it stands for, all folded (from vocab/nicknames.yml)."""
    return name_vocabulary().nicknames


@lru_cache(maxsize=65536)
def given_name_keys(name: str, *, cognates: bool = True) -> frozenset[str]:
    """The canonical given names `name` may stand for: itself, what its nickname expands to and,
    with `cognates`, the same names in the other language (Pepe -> jose, joseph)."""
    folded = fold(name)
    if not folded:
        return frozenset()
    vocab = name_vocabulary()
    if folded in vocab.descriptive:
        return frozenset({folded})
    keys = {folded, *vocab.nicknames.get(folded, ())}
    for key in list(keys):
        if " " in key:
            # Chema -> "jose maria", and jose and maria, so it meets a record's "José".
            keys.update(w for w in key.split() if w not in PARTICLES)
    if cognates:
        # One step only: Joe -> joseph -> jose, never on to every nickname of jose.
        for key in list(keys):
            keys.update(vocab.cognates.get(key, ()))
    return frozenset(keys)


def is_descriptive_nickname(name: str) -> bool:
    """True for apodos such as Güero or Flaco that describe a person and are no given name."""
    return fold(name) in name_vocabulary().descriptive


# --- parsed names -------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedName:
    """A person's name split into given names and the paternal and maternal surnames, folded."""

    given: tuple[str, ...]
    paternal: str | None
    maternal: str | None
    raw: str

    @property
    def first_given(self) -> str | None:
        return self.given[0] if self.given else None

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(s for s in (self.paternal, self.maternal) if s)

    @property
    def full_surname(self) -> str:
        return " ".join(self.surnames)

    @property
    def given_tokens(self) -> tuple[str, ...]:
        """Given names without their particles ("maria de la luz" -> maria, luz)."""
        return tuple(t for g in self.given for t in g.split() if t not in PARTICLES)

    @property
    def initials(self) -> tuple[str, ...]:
        return tuple(t[0] for t in self.given_tokens)

    @property
    def is_empty(self) -> bool:
        return not self.given and not self.paternal and not self.maternal

    def full(self) -> str:
        return " ".join((*self.given, *self.surnames))


# A unit is one name part as a tuple of strings: ("garcia",), ("de la cruz",), or a
# hyphenated / glued / y-joined pair ("garcia", "lopez") that stands for two surnames.
_Unit = tuple[str, ...]


def _content(part: str) -> str:
    return part.rsplit(" ", 1)[-1]


# "delosantos" shares its s: "delo" + "santos".
_GLUED_PARTICLES = (
    ("delos", "de los"),
    ("delas", "de las"),
    ("dela", "de la"),
    ("delo", "de los"),
    ("del", "del"),
    ("de", "de"),
)


@lru_cache(maxsize=262144)
def _split_glued(word: str) -> tuple[str, ...] | None:
    """ "garcialopez" -> ("garcia", "lopez") when both halves are known surnames;
    "delacruz" -> ("de la cruz",) when what follows the particle is one."""
    vocab = name_vocabulary()
    if len(word) < 6 or word in vocab.given:
        return None
    # U.S. lists carry the glued forms themselves (Delacruz, Deleon): split them all the same.
    for glued, particle in _GLUED_PARTICLES:
        rest = word[len(glued) :]
        if word.startswith(glued) and len(rest) >= 3 and rest in vocab.surnames:
            return (f"{particle} {rest}",)
    if word in vocab.surnames:
        return None
    for cut in range(3, len(word) - 2):
        left, right = word[:cut], word[cut:]
        if left in vocab.surnames and right in vocab.surnames:
            return left, right
    return None


@lru_cache(maxsize=262144)
def _part_scores(part: str, after_given: bool) -> tuple[float, float]:
    """How much a part looks like a given name and like a surname (each -3 .. +1.5)."""
    word = _content(part)
    has_particle = part != word
    if len(word) == 1:
        return (1.0, -3.0) if not has_particle else (-1.0, 0.5)
    vocab = name_vocabulary()
    is_given, is_surname = word in vocab.given, word in vocab.surnames
    if is_given and is_surname:
        as_given, as_surname = (0.8, -0.2) if word in vocab.given_leaning else (0.3, 0.3)
    elif is_given:
        as_given, as_surname = 1.0, -1.0
    elif is_surname:
        as_given, as_surname = -1.0, 1.0
    else:
        as_given, as_surname = 0.0, 0.0
    if has_particle:
        if after_given and word in _GIVEN_AFTER_PARTICLE:
            return 1.5, -0.5
        return as_given - 0.5, as_surname + 0.5
    return as_given, as_surname


@lru_cache(maxsize=262144)
def _unit_scores(unit: _Unit, after_given: bool) -> tuple[float, float]:
    if len(unit) == 1:
        return _part_scores(unit[0], after_given)
    given = surname = 0.0
    for part in unit:
        g, s = _part_scores(part, after_given)
        given += g
        surname += s
    return given, surname + 0.5 * (len(unit) - 1)


def _units(tokens: list[str], *, join_y: bool) -> list[_Unit]:
    """Group folded tokens (with "-" for hyphens) into units: particles stay with the next word."""
    units: list[_Unit] = []
    pending: list[str] = []
    join = False
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok == "-":
            join = bool(units) and not pending
            continue
        if tok in PARTICLES and i < last:
            pending.append(tok)
            continue
        if tok == "y" and units and not pending and 0 < i < last and (join_y or len(units) > 1):
            join = True
            continue
        part = " ".join((*pending, tok)) if pending else tok
        pending = []
        if join and units:
            units[-1] = (*units[-1], part)
        else:
            glued = _split_glued(tok) if part == tok else None
            units.append(glued if glued else (part,))
        join = False
    return units


def _tokens_hyphen(text: str) -> list[str]:
    # fold() turns "-" into a space; keep it as a token so hyphenated names stay together.
    if not _HYPHENS.search(text):
        return fold(text).split()
    out: list[str] = []
    for i, piece in enumerate(_HYPHENS.split(text)):
        if i:
            out.append("-")
        out.extend(fold(piece).split())
    return out


def _strip_affixes(tokens: list[str], keep: int = 2) -> list[str]:
    """Drop titles before and suffixes after a name, leaving at least `keep` words."""
    while len(tokens) > keep and tokens[0] in _TITLES:
        # "C." (ciudadano) before a short name is more likely an initial.
        if tokens[0] == "c" and len(tokens) <= keep + 1:
            break
        tokens = tokens[1:]
        # Faker's "Sr(a)." and "Sr/a" fold to "sr a".
        if tokens and tokens[0] == "a" and len(tokens) > keep:
            tokens = tokens[1:]
    while len(tokens) > keep and tokens[-1] in _SUFFIXES:
        tokens = tokens[:-1]
    return tokens


def _expand(units: list[_Unit], *, all_given: bool) -> list[_Unit]:
    """ "Ma." -> maria and other abbreviations of given names, except in a last position."""
    limit = len(units) if all_given else len(units) - 1
    out = []
    for i, unit in enumerate(units):
        if i < limit and len(unit) == 1 and unit[0] in _ABBREVIATIONS:
            unit = (_ABBREVIATIONS[unit[0]],)
        out.append(unit)
    return out


def _flatten(units: list[_Unit]) -> tuple[str, ...]:
    return tuple(part for unit in units for part in unit)


def _surnames(units: list[_Unit]) -> tuple[str | None, str | None]:
    parts = _flatten(units)
    if not parts:
        return None, None
    if len(parts) == 1:
        return parts[0], None
    return parts[0], " ".join(parts[1:])


# How much more likely, in points of the scores above, a name is to carry two surnames than
# one, and to be written given names first. Tuned on Faker es_MX / en_US names with the
# distortions of U.S. records (see the tests); both stay below one unknown-word swing.
_TWO_SURNAMES = 0.2
_SURNAME_FIRST = 0.8

_ORDERS = {"auto", "given-first", "given_first", "surname-first", "surname_first"}


def _best_split(units: list[_Unit], order: str) -> tuple[list[_Unit], list[_Unit]]:
    """Choose which units are given names and which surnames; returns (given, surnames)."""
    n = len(units)
    if n == 1:
        # One word alone: a surname only when it looks like one more than like a given name.
        as_given, as_surname = _unit_scores(units[0], False)
        return ([], units) if as_surname > as_given else (units, [])
    # Each unit's score as a given name first in line (gf) or after another (ga), and as a
    # surname (s); every split then only adds them up.
    gf: list[float] = []
    ga: list[float] = []
    s: list[float] = []
    size: list[int] = []
    for unit in units:
        first, as_surname = _unit_scores(unit, False)
        gf.append(first)
        ga.append(_unit_scores(unit, True)[0])
        s.append(as_surname)
        size.append(len(unit))
    best: tuple[float, bool, int] | None = None
    for surname_first in (False, True):
        if order != "auto" and surname_first != order.startswith("surname"):
            continue
        for k in range(1, n):
            m = n - k
            if surname_first:
                # Surnames are units[:m]; the first given name follows them.
                score = gf[m] + sum(ga[m + 1 :]) + sum(s[:m])
                surname_parts = sum(size[:m])
                if order == "auto":
                    score -= _SURNAME_FIRST
            else:
                score = gf[0] + sum(ga[1:k]) + sum(s[k:])
                surname_parts = sum(size[k:])
            if surname_parts == 2:
                score += _TWO_SURNAMES
            elif surname_parts > 2:
                score -= 1.5 * (surname_parts - 2)
            if k > 3:
                score -= k - 3
            if best is None or score > best[0] + 1e-9:
                best = (score, surname_first, k)
    assert best is not None
    _, surname_first, k = best
    if surname_first:
        m = n - k
        return units[m:], units[:m]
    return units[:k], units[k:]


@lru_cache(maxsize=131072)
def _parse_full(text: str, order: str) -> tuple[tuple[str, ...], str | None, str | None]:
    if "," in text:
        # "GARCIA LOPEZ, JOSE LUIS": surnames before the comma, given names after.
        left, right = text.split(",", 1)
        surname_units = _units(_strip_affixes(_tokens_hyphen(left), 1), join_y=True)
        given_tokens = _strip_affixes(_tokens_hyphen(right), 1)
        if surname_units and given_tokens:
            given_units = _expand(_units(given_tokens, join_y=False), all_given=True)
            return (_flatten(given_units), *_surnames(surname_units))
        text = f"{left} {right}"
    units = _units(_strip_affixes(_tokens_hyphen(text)), join_y=False)
    if not units:
        return (), None, None
    units = _expand(units, all_given=False)
    given_units, surname_units = _best_split(units, order)
    return (_flatten(given_units), *_surnames(surname_units))


def _field_units(value: str | None, *, join_y: bool) -> list[_Unit]:
    if not value or not value.strip():
        return []
    return _units(_strip_affixes(_tokens_hyphen(value)), join_y=join_y)


def _surname_like(units: list[_Unit]) -> bool:
    if not units:
        return False
    for unit in units:
        g, s = _unit_scores(unit, False)
        if not s > 0 or g > 0:
            return False
    return True


def _parse_fields(
    given: str | None,
    middle: str | None,
    last: str | None,
    father: str | None,
    mother: str | None,
) -> tuple[tuple[str, ...], str | None, str | None]:
    given_units = _expand(_field_units(given, join_y=False), all_given=True)
    middle_units = _field_units(middle, join_y=False)
    last_units = _field_units(last, join_y=True)
    father_units = _field_units(father, join_y=True)
    mother_units = _field_units(mother, join_y=True)
    if father_units or mother_units:
        paternal, extra = _surnames(father_units)
        maternal = _surnames(mother_units)[0] if mother_units else extra
        if paternal is None:
            paternal, maternal = _surnames(last_units)[0], maternal
        given_units += _expand(middle_units, all_given=True)
        return _flatten(given_units), paternal, maternal
    if middle_units and last_units and _surname_like(middle_units) and len(last_units) == 1:
        # U.S. forms: "Jose / Garcia / Lopez" puts the paternal surname in the middle name
        # and the maternal one in the last name.
        return _flatten(given_units), *_surnames(middle_units + last_units)
    given_units += _expand(middle_units, all_given=True)
    if not given_units and last_units and not (given or middle):
        # Only a last-name field: it may still hold a whole name.
        return _parse_full(last or "", "auto")
    return _flatten(given_units), *_surnames(last_units)


def parse_name(
    full: str | None = None,
    *,
    given: str | None = None,
    middle: str | None = None,
    last: str | None = None,
    father: str | None = None,
    mother: str | None = None,
    order: str = "auto",
) -> ParsedName:
    """Parse a full name, or split fields (FtM firstName/middleName/lastName/fatherName/
    motherName), into given names and paternal and maternal surnames.

    Split fields win over `full`; what they leave out (no surname field, no maternal
    surname) is taken from `full` when it agrees. `order` is "auto" (decide from the name
    lists), "given-first" or "surname-first"; a comma always means "SURNAMES, GIVEN".
    """
    if order not in _ORDERS:
        raise ValueError(f"order must be one of {sorted(_ORDERS)}, not {order!r}")
    fields = (given, middle, last, father, mother)
    text = (full or "").strip()
    if (given or middle or last or father or mother) and any(f and f.strip() for f in fields):
        raw = " ".join(f.strip() for f in fields if f and f.strip())
        names, paternal, maternal = _parse_fields(given, middle, last, father, mother)
        if text and (not names or paternal is None or maternal is None):
            whole = _parse_full(text, order)
            if not names and (paternal is None or paternal == whole[1]):
                names = whole[0]
            if paternal is None:
                paternal, maternal = whole[1], whole[2]
            elif maternal is None and paternal == whole[1]:
                maternal = whole[2]
        return ParsedName(given=names, paternal=paternal, maternal=maternal, raw=raw)
    parsed = _parse_full(text, order) if text else ((), None, None)
    return ParsedName(given=parsed[0], paternal=parsed[1], maternal=parsed[2], raw=text)
