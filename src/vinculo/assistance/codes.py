"""The assistance vocabularies (vocab/*.yml) and how a source's spelling maps onto them.

A source names an account, a purpose or a transaction type in words of its own
("Economic Support Fund/Economic Support and Development Fund"); each term lists the
spellings it answers to under `names`, compared folded, so an unknown one is refused rather
than guessed.
"""

from __future__ import annotations

from functools import cache

from vinculo import vocab
from vinculo.text import fold

PILLARS = "merida_pillars"
GOALS = "bicentennial_goals"
ACCOUNTS = "funding_accounts"
SECTORS = "dac_sectors"
TRANSACTION_TYPES = "transaction_types"
ALL = (PILLARS, GOALS, ACCOUNTS, SECTORS, TRANSACTION_TYPES)
# The project's own transaction type, beside IATI's numbered ones.
APPROPRIATION = "appropriation"
DISBURSEMENT = "3"


@cache
def _spellings(name: str) -> dict[str, str]:
    """Folded spelling -> code: each term's code, its labels and its `names`."""
    table: dict[str, str] = {}
    for term in vocab.load(name):
        for text in [term.code, *term.labels.values(), *term.extra.get("names", [])]:
            table.setdefault(fold(str(text)), term.code)
    return table


def code_for(name: str, text: str) -> str | None:
    """The code of vocabulary `name` that `text` spells, or None."""
    return _spellings(name).get(fold(text)) if text.strip() else None


def label(name: str, code: str | None, locale: str) -> str:
    return vocab.load(name).label(code, locale) if code else ""
