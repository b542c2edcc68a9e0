"""What the engine's comparisons and their levels are called, in both languages.

The engine (resolve/engine.py) labels each comparison level in English inside the Splink
settings it trains, and the explanation of a pair carries those labels. They are marked here
for the catalogues so pages translate them; tests/resolve/test_resolve_labels.py fails when
the engine gains a level this list lacks.
"""

from __future__ import annotations

from vinculo.i18n import N_

LEVEL_LABELS = (
    N_("missing on one side"),
    N_("all given names agree"),
    # Explanations stored before the middle-name levels came name this one.
    N_("first given name agrees"),
    N_("first given name agrees, middle initial agrees"),
    N_("first given name agrees, middle names differ"),
    N_("first given name agrees, middle missing on one side"),
    N_("a given name or its nickname agrees"),
    N_("first given names alike (JW ≥ 0.92)"),
    N_("initial agrees"),
    N_("first given names similar (JW ≥ 0.8)"),
    N_("given name and surname swapped"),
    N_("All other comparisons"),
    N_("both surnames agree"),
    N_("paternal surname agrees, maternal missing on one side"),
    N_("paternal surname agrees, maternal differs"),
    N_("surnames rearranged: maternal as last name, glued or hyphenated"),
    N_("a surname sounds alike"),
    N_("paternal surnames alike (JW ≥ 0.92)"),
    N_("paternal surnames similar (JW ≥ 0.8)"),
    N_("birth date agrees"),
    N_("day and month swapped"),
    N_("year off by one"),
    N_("one digit differs"),
    N_("year and month agree"),
    N_("within two years"),
    N_("missing or invalid on one side"),
    N_("CURP agrees"),
    N_("CURP agrees but for the homoclave"),
    N_("RFC agrees"),
    N_("RFC agrees but for the homoclave"),
    N_("SSN agrees"),
    N_("SSN one typo apart"),
    N_("passport number agrees"),
    N_("identity number agrees"),
    N_("identity number one typo apart"),
    N_("identity number two typos apart"),
    N_("a phone number agrees"),
    N_("last seven digits agree"),
    N_("e-mail agrees"),
    N_("sex agrees"),
    N_("nationality agrees"),
    N_("street and number agree"),
    N_("street alike, number agrees"),
    N_("street agrees"),
    N_("street alike"),
    N_("postcode agrees"),
    N_("postcode one typo apart"),
    N_("city agrees"),
    N_("city alike"),
    N_("licence plate agrees"),
    # Organisations, compared by rule (resolve/organisations.py).
    N_("organisation names agree"),
    N_("organisation names alike"),
    N_("organisation names differ"),
    N_("the organisations' numbers differ"),
)
