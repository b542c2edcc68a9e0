"""A phonetic key for names spelled the Spanish way, and as U.S. records spell them.

Written here because no maintained library does it. Candidates looked at and rejected:
jellyfish (Soundex, Metaphone, NYSIIS: English rules, so "Vázquez" and "Basques" differ and
"García" and "Garza" share a Soundex code); abydos (has PhoneticSpanish and SpanishMetaphone,
but no release since 0.5.0 in 2020, GPL-3.0, and neither maps x/j/g(e,i) together);
fonemas and iar-transcriber (IPA transcription of Peninsular Spanish for speech and verse,
not a matching key, and slow); delfuzz (a Levenshtein score with Spanish costs, not a key we
can block on); talisman's "fonetico" (JavaScript). The rules below follow Mexican Spanish:

- seseo: z, s, c(e,i) -> S;  b/v -> B;  yeísmo: ll, y -> Y;  h is silent;
- x, j, g(e,i) -> J (México / Méjico, Ximena / Jimena, Xavier / Javier);
- qu(e,i), k, c(a,o,u) -> K;  gu(e,i) -> G;  ñ -> N;  rr -> R;  doubled letters collapse;
- English renderings: ph -> F, th -> T, sh / ch -> C, ck -> K, ny + vowel -> N (Peña / Penya),
  w -> U at the start of a word or after a vowel (Huerta / Werta), B after a consonant
  (Oswaldo / Osvaldo);
- vowels stay, so García (GARSIA) and Garza (GARSA) stay apart.

Particles (de, del, la, los …) are left out of the key, since records keep or drop them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vinculo.resolve.names import PARTICLES, ParsedName, fold

__all__ = ["PhoneticName", "phonetic_key", "phonetic_tokens", "phonetic_word"]

# Applied in order to one folded word (a-z, 0-9). Upper-case letters are finished sounds
# that later rules must not touch again (so "gue" -> G does not become J through g(e,i)).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"[^a-z]", ""),
        (r"ph", "F"),
        (r"th", "T"),
        (r"[sc]h", "C"),
        (r"gh", "G"),
        (r"ck", "K"),
        (r"ll", "Y"),
        (r"ny(?=[aeiou])", "N"),
        (r"qu(?=[ei])", "K"),
        (r"qu", "KU"),
        (r"q", "K"),
        (r"gu(?=[ei])", "G"),
        (r"g(?=[ei])", "J"),
        (r"g", "G"),
        (r"s?c(?=[ei])", "S"),
        (r"c", "K"),
        (r"x(?=[aeiou])", "J"),
        (r"x", "S"),
        (r"[zs]", "S"),
        (r"h", ""),
        (r"(?:^|(?<=[aeiou]))w", "U"),
        (r"[wvb]", "B"),
        (r"y(?=[aeiouAEIOU])", "Y"),
        (r"y", "I"),
        (r"k", "K"),
        (r"j", "J"),
    )
)
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=262144)
def phonetic_word(word: str) -> str:
    """The key of one folded word: "vazquez" -> "BASKES"."""
    for pattern, repl in _RULES:
        word = pattern.sub(repl, word)
    return _DOUBLES.sub(r"\1", word.upper())


def phonetic_key(text: str | None) -> str:
    """The key of a name or any text, word by word, particles left out: "Vásquez" -> "BASKES"."""
    words = fold(text).split()
    keys = [phonetic_word(w) for w in words if w not in PARTICLES]
    return " ".join(k for k in keys if k)


@dataclass(frozen=True)
class PhoneticName:
    """Phonetic keys of a parsed name's parts, for blocking and comparison."""

    given: tuple[str, ...]
    paternal: str | None
    maternal: str | None

    @property
    def first_given(self) -> str | None:
        return self.given[0] if self.given else None

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(s for s in (self.paternal, self.maternal) if s)


def phonetic_tokens(name: ParsedName) -> PhoneticName:
    """Keys for each given name and each surname of `name` (initials stay as they are)."""
    given = tuple(phonetic_key(g) or g.upper() for g in name.given)
    return PhoneticName(
        given=given,
        paternal=phonetic_key(name.paternal) or None,
        maternal=phonetic_key(name.maternal) or None,
    )
