"""Every user-facing message of the current sources has a Spanish translation.

Extraction runs here, over the sources as they are now, with the same babel.cfg and keywords
as scripts/i18n.sh: a new N_("…"), gettext(locale, "…") or template _("…") without a Spanish
msgstr fails this test. Run scripts/i18n.sh, translate, and it passes again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from vinculo.i18n import gettext, ngettext, translations

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "vinculo" / "locale"
# Keep in step with scripts/i18n.sh.
KEYWORDS = ["N_", "gettext:2", "_", "ngettext:1,2,3t", "ngettext:2,3"]
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")

Message = str | tuple[str, str]


def _extracted() -> dict[Message, str]:
    """msgid (or (singular, plural)) -> "file:line" of its first use, from the sources now."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")  # type: ignore[no-untyped-call]
    found: dict[Message, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=parse_keywords(KEYWORDS),
        directory_filter=lambda path: (
            not any(part in {".venv", "node_modules", "var", ".git"} for part in Path(path).parts)
        ),
    ):
        key: Message = message if isinstance(message, str) else (message[0], message[1])
        if key:
            found.setdefault(key, f"{filename}:{lineno}")
    return found


def _catalog(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def extracted() -> dict[Message, str]:
    return _extracted()


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_extraction_finds_python_template_and_plural_messages(
    extracted: dict[Message, str],
) -> None:
    # A broken babel.cfg or keyword list would let every other test here pass vacuously.
    assert "no such report" in extracted  # N_ in Python
    assert "Sign in" in extracted  # _() in a template
    assert ("You may see {n} report.", "You may see {n} reports.") in extracted  # ngettext
    assert "The database is up to date." in extracted  # gettext(locale, N_(...)) in the CLI


def test_every_message_has_a_spanish_translation(extracted: dict[Message, str]) -> None:
    catalog = _catalog("es")
    problems = []
    for key, where in sorted(extracted.items(), key=lambda item: str(item[0])):
        msgid = key if isinstance(key, str) else key[0]
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"{where}: {key!r} is not in the es catalogue; run scripts/i18n.sh")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.append(f"{where}: {key!r} has no Spanish msgstr")
        elif entry.fuzzy:
            problems.append(f"{where}: {key!r} is fuzzy; check the Spanish and drop the flag")
    assert not problems, "\n".join(problems)


def test_spanish_keeps_every_placeholder() -> None:
    problems = []
    for entry in _catalog("es"):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        sources = [str(i) for i in ids]
        targets = [str(t or "") for t in strings]
        pairs = [(sources[0], targets[0], len(sources) > 1)]
        pairs += [(sources[-1], target, False) for target in targets[1:]]
        for source, target, may_drop_n in pairs:
            if not target:
                continue
            # The singular form may say "one" instead of {n}; nothing else may go or come.
            wanted = _placeholders(source)
            got = _placeholders(target)
            if got != wanted and not (may_drop_n and got | {"{n}"} == wanted):
                problems.append(f"{source!r}: {sorted(wanted)} but Spanish has {sorted(got)}")
    assert not problems, "\n".join(problems)


def test_english_catalogue_lists_every_message(extracted: dict[Message, str]) -> None:
    catalog = _catalog("en")
    missing = [
        f"{where}: {key!r}"
        for key, where in extracted.items()
        if catalog.get(key if isinstance(key, str) else key[0]) is None
    ]
    assert not missing, "run scripts/i18n.sh:\n" + "\n".join(missing)


def test_catalogues_load_and_translate() -> None:
    translations.cache_clear()
    assert gettext("es", "Sign in") == "Iniciar sesión"
    assert gettext("en", "Sign in") == "Sign in"
    assert gettext("es", "unknown agency {value}", value="XYZ") == "agencia desconocida: XYZ"
    one = ngettext("es", "You may see {n} report.", "You may see {n} reports.", 1)
    many = ngettext("es", "You may see {n} report.", "You may see {n} reports.", 7)
    assert (one, many) == ("Puede ver 1 informe.", "Puede ver 7 informes.")
