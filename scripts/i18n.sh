#!/usr/bin/env bash
# Extract every user-facing message into var/messages.pot and merge it into the en and es
# catalogues (src/vinculo/locale/<locale>/LC_MESSAGES/messages.po). Then translate the new
# or fuzzy Spanish entries; tests/test_i18n.py fails while any Spanish msgstr is empty.
#
# Keywords:  N_("…")              marks a message translated later
#            gettext(locale, "…") the message is the second argument
#            _("…")               templates
#            ngettext(s, p, n)    templates: three arguments, singular and plural first
#            ngettext(locale, s, p, n, …)  Python: singular and plural second and third
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
LOCALE_DIR=src/vinculo/locale
POT=var/messages.pot

mkdir -p var
"$PYBABEL" extract -F babel.cfg --no-location --sort-output \
    --project=Vínculo --copyright-holder="Vínculo contributors" \
    -k N_ -k gettext:2 -k _ -k ngettext:1,2,3t -k ngettext:2,3 \
    -o "$POT" .

for locale in en es; do
    po="$LOCALE_DIR/$locale/LC_MESSAGES/messages.po"
    if [ -f "$po" ]; then
        "$PYBABEL" update --no-fuzzy-matching --ignore-obsolete \
            -i "$POT" -d "$LOCALE_DIR" -l "$locale"
    else
        "$PYBABEL" init -i "$POT" -d "$LOCALE_DIR" -l "$locale"
    fi
done

empty=$("$PYBABEL" --version >/dev/null && .venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
with open("src/vinculo/locale/es/LC_MESSAGES/messages.po", "rb") as f:
    catalog = read_po(f)
missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
print(len(missing))
PY
)
echo "i18n: $empty Spanish message(s) still to translate in $LOCALE_DIR/es/LC_MESSAGES/messages.po" >&2
